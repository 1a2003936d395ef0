"""Who may read district-wide analysis pages (每月一题, leader dashboard, review pack)."""

from collections.abc import Callable
from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied

from jiesu.org.models import Role

# District-wide roles; unit handlers and unit leaders see their own unit's figures elsewhere.
ANALYSIS_ROLES = (Role.DISTRICT_LEADER, Role.DISPATCHER, Role.ADMIN, Role.AUDITOR)
# Who may (re)compute or (re)generate published material.
PUBLISH_ROLES = (Role.DISTRICT_LEADER, Role.ADMIN)


def role_required(*roles: str) -> Callable:
    """Anonymous → the login page; logged in with another role → 403."""

    def decorator(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if request.user.role not in roles:
                raise PermissionDenied("无权查看该页面")
            return view(request, *args, **kwargs)

        return wrapped

    return decorator
