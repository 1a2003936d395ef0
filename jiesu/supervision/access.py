"""Who sees which items: unit roles see the items their unit leads or assists; district-wide
roles (leaders, the 指挥部, auditors, …) see all; the public — anyone not logged in — sees the
items marked public, on the public progress page, without personal data."""

from django.db.models import Exists, OuterRef, Q, QuerySet

from jiesu.org.models import Role
from jiesu.supervision.models import SupervisionItem

# Who runs the supervision (立项, 督办, 销号): the 指挥部, admins and district leaders.
SUPERVISOR_ROLES = (Role.DISPATCHER, Role.ADMIN, Role.DISTRICT_LEADER)


def is_logged_in(user) -> bool:
    return bool(user is not None and user.is_authenticated and getattr(user, "role", ""))


def visible_items(*, user) -> QuerySet[SupervisionItem]:
    items = SupervisionItem.objects.all()
    if not is_logged_in(user):
        return items.filter(is_public=True)
    if not user.is_unit_scoped:
        return items
    if user.unit_id is None:
        return items.none()
    assisted = SupervisionItem.assisting_units.through.objects.filter(
        supervisionitem_id=OuterRef("pk"), unit_id=user.unit_id
    )
    return items.filter(Q(lead_unit_id=user.unit_id) | Exists(assisted))


def can_view_item(*, user, item: SupervisionItem) -> bool:
    if not is_logged_in(user):
        return item.is_public
    if not user.is_unit_scoped:
        return True
    if user.unit_id is None:
        return False
    return item.lead_unit_id == user.unit_id or item.assisting_units.filter(pk=user.unit_id).exists()


def can_delete_evidence(*, user, item: SupervisionItem) -> bool:
    if not is_logged_in(user):
        return False
    return user.role == Role.ADMIN or (user.is_unit_scoped and item.lead_unit_id == user.unit_id)


def is_supervisor(user) -> bool:
    return is_logged_in(user) and user.role in SUPERVISOR_ROLES
