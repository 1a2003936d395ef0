"""Signal wiring: workorders must not import dispatch, so dispatch listens.

- every new return / redispatch / ruling event becomes a labelled correction;
- changes to org data, the responsibility list, the settings or the routing memory drop the
  locator's and router's in-process data (jiesu.dispatch.caching)."""

from django.db.models.signals import m2m_changed, post_delete, post_save


def _on_event(sender, instance, created, raw=False, **kwargs):
    from jiesu.dispatch.models import CORRECTION_ACTIONS

    if created and not raw and instance.action in CORRECTION_ACTIONS:
        from jiesu.dispatch.services import record_correction_safely

        record_correction_safely(event=instance)


def _clear_locator(*args, **kwargs):
    from jiesu.dispatch import locator, router

    locator.cache.clear()
    router.cache.clear()


def _clear_router(*args, **kwargs):
    from jiesu.dispatch import router

    router.cache.clear()


def connect() -> None:
    from jiesu.dispatch.models import DispatchSettings, RoutingMemory
    from jiesu.org.models import Community, Grid, PropertyProject, ResponsibilityRule, Unit
    from jiesu.workorders.models import Category, WorkOrderEvent

    post_save.connect(_on_event, sender=WorkOrderEvent, dispatch_uid="dispatch-corrections")
    for model in (Unit, Community, Grid, PropertyProject):
        post_save.connect(_clear_locator, sender=model, dispatch_uid=f"dispatch-locator-save-{model.__name__}")
        post_delete.connect(_clear_locator, sender=model, dispatch_uid=f"dispatch-locator-del-{model.__name__}")
    # RoutingMemory is replaced in bulk by retrain_routing_memory, which clears the cache itself.
    post_save.connect(_clear_router, sender=RoutingMemory, dispatch_uid="dispatch-router-save-memory")
    for model in (ResponsibilityRule, Category, DispatchSettings):
        post_save.connect(_clear_router, sender=model, dispatch_uid=f"dispatch-router-save-{model.__name__}")
        post_delete.connect(_clear_router, sender=model, dispatch_uid=f"dispatch-router-del-{model.__name__}")
    m2m_changed.connect(
        _clear_router, sender=ResponsibilityRule.assisting_units.through, dispatch_uid="dispatch-router-m2m"
    )
