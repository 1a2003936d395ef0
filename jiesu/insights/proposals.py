"""Proposals for the proactive list (主动治理清单): findings worth an item, with a stable identity.

The supervision engine creates an item from a proposal (title, place, category, proposed lead
unit, evidence, link back to the finding); the `ref` ("hotspot:HS123", "forecast:M:category:01",
"recurring:SP01.02-110106013-07") stays the same across refreshes, so a finding already on the list
can be recognised and is not proposed twice."""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass, field

from django.urls import NoReverseMatch, reverse

from jiesu.insights.models import ForecastSeries, Hotspot, HotspotStatus, RecurringProblem

SOURCES = ("hotspot", "forecast", "recurring")
SOURCE_LABELS = {"hotspot": "热点", "forecast": "预测高峰", "recurring": "周期性问题"}


@dataclass(frozen=True)
class Proposal:
    ref: str  # stable identity of the finding
    source: str  # hotspot | forecast | recurring
    title: str
    place: str
    street_id: int | None
    street_name: str
    category_id: int | None
    category_path: str
    lead_unit_id: int | None
    lead_unit_name: str
    lead_basis: str
    evidence: dict = field(default_factory=dict)  # the numbers behind it
    url: str = ""  # the finding's page
    due_hint: str | None = None  # ISO date by which acting makes sense (a peak's month)

    def as_dict(self) -> dict:
        return asdict(self) | {"source_label": SOURCE_LABELS[self.source]}


def _url(name: str, *args) -> str:
    try:
        return reverse(name, args=args)
    except NoReverseMatch:  # the pages are not installed (e.g. an API-only deployment)
        return ""


def _hotspots(limit: int) -> list[Proposal]:
    spots = Hotspot.objects.filter(status=HotspotStatus.ACTIVE).select_related("street", "category", "lead_unit")
    return [
        Proposal(
            ref=f"hotspot:{s.key}",
            source="hotspot",
            title=s.title,
            place=s.place,
            street_id=s.street_id,
            street_name=s.street.name if s.street_id else "",
            category_id=s.category_id,
            category_path=s.category.path if s.category_id else "",
            lead_unit_id=s.lead_unit_id,
            lead_unit_name=s.lead_unit.name if s.lead_unit_id else "",
            lead_basis=s.lead_basis,
            evidence={
                "heat": s.heat,
                "size": s.size,
                "callers": s.callers,
                "repeat_calls": s.repeat_calls,
                "recent_7d": s.recent,
                "previous_7d": s.previous,
                "first_at": s.first_at.isoformat(),
                "last_at": s.last_at.isoformat(),
                "order_ids": s.member_ids[:50],
            },
            url=_url("reports:hotspot", s.key),
        )
        for s in spots.order_by("-heat")[:limit]
    ]


def _forecast_peaks(limit: int, *, min_ratio: float) -> list[Proposal]:
    rows = ForecastSeries.objects.filter(freq="M", scope__in=("category", "street"), peak_ratio__gte=min_ratio)
    out = []
    for f in rows.order_by("-peak_ratio")[:limit]:
        period, mean, lo, hi = f.forecast[0]
        what = "类别" if f.scope == "category" else "街镇"
        out.append(
            Proposal(
                ref=f"forecast:M:{f.scope}:{f.key}",
                source="forecast",
                title=f"{f.name}诉求量预计{period[:7]}达{mean:.0f}件（近一年月均的{f.peak_ratio:.1f}倍）",
                place=f.name if f.scope == "street" else "",
                street_id=int(f.key) if f.scope == "street" and f.key else None,
                street_name=f.name if f.scope == "street" else "",
                category_id=None,
                category_path=f.name if f.scope == "category" else "",
                lead_unit_id=None,
                lead_unit_name="",
                lead_basis=f"按{what}预测，牵头单位需结合具体问题确定",
                evidence={
                    "period": period,
                    "forecast": mean,
                    "lo80": lo,
                    "hi80": hi,
                    "peak_ratio": f.peak_ratio,
                    "backtest_mase": f.mase,
                    "baseline_mase": f.baseline_mase,
                },
                url=_url("reports:forecasts") + f"?freq=M#{f.scope}-{f.key}" if _url("reports:forecasts") else "",
                due_hint=period,
            )
        )
    return out


def _recurring(limit: int, *, today: dt.date, months_ahead: int) -> list[Proposal]:
    upcoming = [((today.month - 1 + k) % 12) + 1 for k in range(months_ahead + 1)]
    rows = RecurringProblem.objects.filter(month__in=upcoming).select_related("street", "category", "lead_unit")
    out = []
    for p in sorted(rows, key=lambda p: (upcoming.index(p.month), -p.ratio))[:limit]:
        year = today.year + (1 if p.month < today.month else 0)
        out.append(
            Proposal(
                ref=f"recurring:{p.key}",
                source="recurring",
                title=f"{p.street.name}「{p.category.name}」诉求每年{p.month}月高发",
                place=p.street.name,
                street_id=p.street_id,
                street_name=p.street.name,
                category_id=p.category_id,
                category_path=p.category.path,
                lead_unit_id=p.lead_unit_id,
                lead_unit_name=p.lead_unit.name if p.lead_unit_id else "",
                lead_basis=p.lead_basis,
                evidence={"month": p.month, "years": p.years, "ratio": p.ratio, "season": p.season},
                url=_url("reports:seasonal") + f"#{p.key}" if _url("reports:seasonal") else "",
                due_hint=dt.date(year, p.month, 1).isoformat(),
            )
        )
    return out


def proactive_proposals(
    *,
    sources: tuple[str, ...] = SOURCES,
    limit: int = 10,
    today: dt.date | None = None,
    months_ahead: int = 3,
    min_peak_ratio: float = 1.2,
) -> list[Proposal]:
    """Proposals from the stored findings, per source at most `limit`, hottest / nearest first."""
    today = today or dt.date.today()
    out: list[Proposal] = []
    if "hotspot" in sources:
        out += _hotspots(limit)
    if "forecast" in sources:
        out += _forecast_peaks(limit, min_ratio=min_peak_ratio)
    if "recurring" in sources:
        out += _recurring(limit, today=today, months_ahead=months_ahead)
    return out


def proposal(ref: str, *, today: dt.date | None = None) -> Proposal | None:
    """One proposal by its ref (the supervision engine re-reads it when an item is created)."""
    source = ref.split(":", 1)[0]
    if source not in SOURCES:
        return None
    pool = proactive_proposals(sources=(source,), limit=1000, today=today, months_ahead=11, min_peak_ratio=0)
    return next((p for p in pool if p.ref == ref), None)
