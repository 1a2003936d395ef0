"""Background work of the loop itself (Celery with Redis in production; in-process when embedded)."""

from jiesu.celery import app
from jiesu.workorders import services


@app.task(name="workorders.recompute_estimated_deadlines")
def recompute_estimated_deadlines_task() -> int:
    """Deadlines that rested on an estimated calendar, computed again (after a calendar change and
    nightly, so that an upgraded holiday library is picked up too)."""
    return services.recompute_estimated_deadlines()


def on_calendar_changed(**_kwargs) -> None:
    recompute_estimated_deadlines_task.delay()
