"""Keep the monthly facts (jiesu.assessment.facts) in step with the event log: workorders must not
import assessment, so assessment listens to every appended event."""

from django.db.models.signals import post_save


def _on_event(sender, instance, created, raw=False, **kwargs):
    # Folded into the action's own statement already (PostgreSQL: jiesu.workorders.services).
    if created and not raw and not getattr(instance, "projections_folded", False):
        from jiesu.assessment.facts import refresh_order_month

        refresh_order_month(order_id=instance.order_id, at=instance.at)


def _on_bulk(sender, order_ids, **kwargs):
    from jiesu.assessment.facts import refresh_orders

    refresh_orders(order_ids=order_ids)


def connect() -> None:
    from jiesu.assessment.facts import fold_new_event
    from jiesu.workorders.models import WorkOrderEvent, events_bulk_written
    from jiesu.workorders.services import register_event_fold

    post_save.connect(_on_event, sender=WorkOrderEvent, dispatch_uid="assessment-order-facts")
    register_event_fold(fold_new_event)
    events_bulk_written.connect(_on_bulk, sender=WorkOrderEvent, dispatch_uid="assessment-order-facts-bulk")
