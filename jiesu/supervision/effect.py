"""The measured effect of a 主动治理 item: citizens' orders about its problem at its place, in the
window after the start against the same-length window before it, set against the same two
windows one year earlier (the season's own swing).

- problem = the item's category and every category under it; place = its community, else its
  street (the order's community / street);
- start T = the item's start date (else the day it was created); length L = the configured window
  (data/supervision/rules.yaml, 90 days), shortened to the days elapsed since T;
- before = [T−L, T), after = [T, T+L); a year earlier = the same dates one year back;
- counted: orders received in the window, except those the platform issued itself (channel
  主动发现, 未诉先办) and duplicates merged into another order;
- change = after / before − 1; seasonal change = after_ly / before_ly − 1; the effect beyond the
  season = (after / before) / (after_ly / before_ly) − 1 (a ratio of ratios: −30 % means 30 % fewer
  orders than the season alone would have brought). Undefined where a denominator is zero; an
  "after" window shorter than the configured minimum is reported as 观察期不足."""

import datetime as dt
from dataclasses import dataclass

from django.utils import timezone

from jiesu.supervision.models import SupervisionItem
from jiesu.supervision.rules import rules
from jiesu.workorders.models import Channel, State, WorkOrder


@dataclass(frozen=True)
class Effect:
    start: dt.date
    days: int
    place: str
    problem: str
    before: int
    after: int
    before_last_year: int
    after_last_year: int
    enough: bool  # the "after" window is long enough to judge

    @property
    def change(self) -> float | None:
        return self.after / self.before - 1 if self.before else None

    @property
    def seasonal_change(self) -> float | None:
        return self.after_last_year / self.before_last_year - 1 if self.before_last_year else None

    @property
    def beyond_season(self) -> float | None:
        if not (self.before and self.before_last_year and self.after_last_year):
            return None
        return (self.after / self.before) / (self.after_last_year / self.before_last_year) - 1

    @property
    def summary(self) -> str:
        if not self.enough:
            return f"观察期不足（开始后{self.days}天），治理前{self.days or rules().effect_window_days}天同类诉求{self.before}件"

        def pct(v):
            return "—" if v is None else f"{v:+.0%}"

        text = f"治理后{self.days}天同类诉求{self.after}件，治理前同期{self.before}件（{pct(self.change)}）"
        text += f"；去年同期{self.before_last_year}→{self.after_last_year}件（{pct(self.seasonal_change)}）"
        if self.beyond_season is not None:
            text += f"；扣除季节因素{pct(self.beyond_season)}"
        return text


def _year_back(day: dt.date) -> dt.date:
    try:
        return day.replace(year=day.year - 1)
    except ValueError:  # 29 February
        return day.replace(year=day.year - 1, day=28)


def _aware(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time()), timezone.get_current_timezone())


def _count(item: SupervisionItem, start: dt.date, end: dt.date) -> int:
    orders = WorkOrder.objects.filter(
        received_at__gte=_aware(start),
        received_at__lt=_aware(end),
        category__code__startswith=item.category.code,
    ).exclude(channel=Channel.PROACTIVE)
    orders = orders.exclude(state=State.MERGED)
    if item.community_id:
        orders = orders.filter(community_id=item.community_id)
    else:
        orders = orders.filter(street_id=item.street_id)
    return orders.count()


def measure(item: SupervisionItem, *, today: dt.date | None = None) -> Effect | None:
    """None when the item names no problem (category) or no place (street or community)."""
    if not item.category_id or not (item.street_id or item.community_id):
        return None
    today = today or timezone.localdate()
    start = item.start_date or timezone.localtime(item.created_at).date()
    cfg = rules()
    days = max(0, min(cfg.effect_window_days, (today - start).days))
    before_days = days or cfg.effect_window_days
    place = item.community.name if item.community_id else item.street.name
    last_start = _year_back(start)
    return Effect(
        start=start,
        days=days,
        place=place,
        problem=item.category.path,
        before=_count(item, start - dt.timedelta(days=before_days), start),
        after=_count(item, start, start + dt.timedelta(days=days)) if days else 0,
        before_last_year=_count(item, last_start - dt.timedelta(days=before_days), last_start),
        after_last_year=_count(item, last_start, last_start + dt.timedelta(days=days)) if days else 0,
        enough=days >= cfg.effect_min_window_days,
    )
