"""Who may open a page: login, then the user's role. It lives with the roles (org) so that every
app's pages share one rule without importing the web app."""

from functools import wraps

from django.contrib.auth.decorators import login_required
from django.http import HttpResponseForbidden
from django.template.loader import render_to_string


def role_required(*roles: str):
    """Login required, and the user's role must be one of `roles` (a Chinese 403 page otherwise)."""

    def decorator(view):
        @wraps(view)
        @login_required
        def wrapped(request, *args, **kwargs):
            if request.user.role not in roles:
                html = render_to_string(
                    "web/error.html",
                    {"status": 403, "message": f"您的角色（{request.user.get_role_display()}）无权访问此页面"},
                    request=request,
                )
                return HttpResponseForbidden(html)
            return view(request, *args, **kwargs)

        return wrapped

    return decorator
