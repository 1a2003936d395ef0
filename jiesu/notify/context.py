"""The values a message template is filled with, from an order (one definition for the event
listeners and the timers)."""

import datetime as dt
from functools import lru_cache

from django.conf import settings
from django.urls import get_script_prefix, get_urlconf, reverse
from django.utils import timezone

from jiesu.workorders.models import WorkOrder


def when(value: dt.datetime | None) -> str:
    return f"{timezone.localtime(value):%Y-%m-%d %H:%M}" if value else "—"


def duration(delta: dt.timedelta) -> str:
    """3天4小时 / 5小时20分 / 12分钟."""
    minutes = max(int(delta.total_seconds() // 60), 0)
    days, rest = divmod(minutes, 24 * 60)
    hours, minutes = divmod(rest, 60)
    if days:
        return f"{days}天{hours}小时" if hours else f"{days}天"
    if hours:
        return f"{hours}小时{minutes}分" if minutes else f"{hours}小时"
    return f"{minutes}分钟"


_MARK = 918273645  # stands for the order's id in the reversed pattern


@lru_cache(maxsize=8)
def _links(public_url: str, urlconf: str | None, prefix: str) -> tuple[str, str, str]:
    """(before the id, after it) of an order's link and the tracking link: every event's messages
    carry both, and reversing them each time was ≈ 5 % of the closed loop's Python (cProfile). Keyed
    by what reverse() depends on, so a changed setting or URLconf reverses again."""
    base = public_url.rstrip("/")
    head, tail = reverse("web:order", args=[_MARK], urlconf=urlconf).split(str(_MARK))
    return base + head, tail, base + reverse("web:citizen_track", urlconf=urlconf)


def _current_links() -> tuple[str, str, str]:
    return _links(settings.JIESU_PUBLIC_URL, get_urlconf() or settings.ROOT_URLCONF, get_script_prefix())


def order_link(order_id: int) -> str:
    head, tail, _track = _current_links()
    return f"{head}{int(order_id)}{tail}"


def track_link() -> str:
    # The page asks for the number and the phone's last four digits (never put those in a link).
    return _current_links()[2]


def order_context(order: WorkOrder, *, unit_name: str = "") -> dict[str, str]:
    return {
        "工单编号": order.number,
        "标题": order.title,
        "主办单位": unit_name or (order.lead_unit.name if order.lead_unit_id else ""),
        "响应期限": when(order.response_due),
        "办理期限": when(order.handling_due),
        "链接": order_link(order.pk),
        "查询链接": track_link(),
    }
