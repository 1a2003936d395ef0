"""Timers of the assessment (jiesu.timers registry)."""

from jiesu.assessment import facts
from jiesu.timers.registry import Daily, register


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
