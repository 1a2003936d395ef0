from django.apps import AppConfig


class WorkordersConfig(AppConfig):
    name = "jiesu.workorders"
    label = "workorders"
    verbose_name = "工单"

    def ready(self):
        _cache_long_statements()
        from django.db.models.signals import post_delete, post_save

        from jiesu.workorders import deadlines
        from jiesu.workorders.models import DeadlineRule

        post_save.connect(deadlines.invalidate, sender=DeadlineRule, dispatch_uid="deadline_rules_save")
        post_delete.connect(deadlines.invalidate, sender=DeadlineRule, dispatch_uid="deadline_rules_delete")

        from jiesu.workorders.tasks import on_calendar_changed
        from jiesu.worktime.services import calendar_changed

        # The calendar announces its changes after commit; orders that waited for an official
        # schedule get their deadlines again (worktime does not know the orders).
        calendar_changed.connect(on_calendar_changed, dispatch_uid="recompute_estimated_deadlines")

        from jiesu.attachments.owners import OwnerPolicy, register_owner
        from jiesu.workorders import selectors
        from jiesu.workorders.models import WorkOrder

        # An order's files: seen by whoever sees the order; removed by the uploader (the
        # attachments app) or the handling unit.
        register_owner(
            WorkOrder,
            OwnerPolicy(
                can_view=lambda user, order: selectors.visible_orders(user=user).filter(pk=order.pk).exists(),
                can_delete=lambda user, order, attachment: selectors.is_handling_unit(user=user, order=order),
            ),
        )


def _cache_long_statements() -> None:
    """psycopg parses a statement's %s placeholders once and keeps the result (128 statements, LRU),
    but only for statements of at most 4,096 bytes and 50 parameters. Each action of the closed
    loop is one longer statement (the update, its event and the monthly facts as CTEs, 60 values at
    creation), always the same text: without this it was parsed again every time, ≈ 8 % of the
    loop's Python time (bench/closed_loop.py, cProfile). Raised, not removed: the LRU keeps at most
    128 × 16 KB."""
    try:
        from psycopg import _queries
    except ImportError:  # SQLite only
        return
    _queries.MAX_CACHED_STATEMENT_LENGTH = max(_queries.MAX_CACHED_STATEMENT_LENGTH, 16384)
    _queries.MAX_CACHED_STATEMENT_PARAMS = max(_queries.MAX_CACHED_STATEMENT_PARAMS, 128)
