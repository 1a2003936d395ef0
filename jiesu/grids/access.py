"""Who may see a grid report and its photos: district-wide roles, the reporter, the unit that owns
the grid's layer, and the units handling the order it became."""

from jiesu.org.models import UNIT_ROLES


def can_view_report(*, user, report) -> bool:
    if user is None or not user.is_authenticated or not getattr(user, "role", ""):
        return False
    if user.role not in UNIT_ROLES:
        return True
    if report.reporter_id == user.pk:
        return True
    layer = report.grid.layer
    if layer is not None and layer.owner_id == user.unit_id:
        return True
    if report.order_id:
        from jiesu.workorders.selectors import visible_orders

        return visible_orders(user=user).filter(pk=report.order_id).exists()
    return False
