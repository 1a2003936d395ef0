"""Timers of the loop itself (jiesu.timers registry)."""

from jiesu.timers.registry import Daily, register
from jiesu.workorders import services


@register("workorders.recompute_estimated_deadlines", label="重算推算日历上的期限", schedule=Daily(at="02:00"))
def recompute_estimated_deadlines(*, now):
    """Nightly: an upgraded holiday library may know a year that was estimated (docs/worktime.md).
    Idempotent: an order already right gets no event."""
    return {"changed": services.recompute_estimated_deadlines()}
