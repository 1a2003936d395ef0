"""Timers of the assessment (jiesu.timers registry)."""

from django.utils import timezone

from jiesu.assessment import aggregates, facts, selectors
from jiesu.assessment.models import KindGroup
from jiesu.common.errors import DomainError
from jiesu.timers.registry import Daily, Every, register


@register("assessment.facts_check", label="核对工单月度事实（rebuild_order_facts --check）", schedule=Daily(at="02:30"))
def facts_check(*, now):
    """Nightly: the monthly facts must match the event log; a drift is reported to the admins
    (the fix is `manage.py rebuild_order_facts`, not something to do unasked at night)."""
    stale, missing = facts.check()
    result = {"stale": stale, "missing": missing}
    if stale or missing:
        result["alert"] = (
            f"工单月度事实与事件日志不一致：多出或过时 {stale:,} 行，缺少或应更新 {missing:,} 行。"
            "考评数字可能有误，请在维护窗口运行 python manage.py rebuild_order_facts 重建。"
        )
    return result


@register("assessment.refresh_aggregates", label="更新领导页面预计算数据（按新事件）", schedule=Every(minutes=2))
def refresh_aggregates(*, now):
    """Re-compute the stored leader figures that events since their last computation could
    change (the current month, today's overview), then fill in those leaders open next."""
    result = aggregates.refresh(now=now)
    result["prefill"] = aggregates.run_prefill(now=now)
    return result


@register("assessment.aggregates_sweep", label="全部重算领导页面预计算数据（兜底）", schedule=Daily(at="03:10"))
def aggregates_sweep(*, now):
    """Nightly safety net: an event whose transaction committed after a refresh had read a higher
    event id is not seen by the marks; re-computing everything once a day bounds that (and picks up
    renamed units or property projects)."""
    return {"dropped": aggregates.forget()}


@aggregates.prefill
def year_rankings(*, now):
    """Every closed month of this year ranked and stored: the open month's year to date then adds
    stored rows instead of counting the year again at each refresh (closed months stay current:
    events of today cannot change them)."""
    today = timezone.localtime(now).date()
    for number in range(1, today.month):
        for kind in KindGroup.values:
            try:
                selectors.month_ranking(month=today.replace(month=number, day=1), kind=kind)
            except DomainError:  # no rule loaded yet
                return
