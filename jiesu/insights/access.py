"""Who may read district-wide analysis pages (每月一题, leader dashboard, review pack)."""

from jiesu.org.access import role_required  # noqa: F401  (one rule for every page: login, then role → 403 page)
from jiesu.org.models import Role

# District-wide roles; unit handlers and unit leaders see their own unit's figures elsewhere.
ANALYSIS_ROLES = (Role.DISTRICT_LEADER, Role.DISPATCHER, Role.ADMIN, Role.AUDITOR)
# Who may (re)compute or (re)generate published material.
PUBLISH_ROLES = (Role.DISTRICT_LEADER, Role.ADMIN)
