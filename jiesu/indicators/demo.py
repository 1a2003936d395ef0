"""演示数据: plausible figures for every indicator of the catalogue, the 26 streets (and the
district's city rankings) over the demo's months, drawn from data/indicators/demo.yaml and stored
with origin "demo" and the source "演示数据（非真实统计）" — every page and the pack mark them.

Only gaps are filled: a value the platform computed or someone imported is never overwritten, and a
real value later replaces a demo one (services._plan, services._store_platform). Seeded by indicator
and unit code: a reload gives the same figures. Also records the leader's comments at the previous
meeting for that meeting's speakers, with follow-ups in each state (演示数据 too)."""

import datetime as dt
import hashlib
import math
from pathlib import Path

import numpy as np
import yaml
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from jiesu.common.errors import InvalidInput
from jiesu.indicators import followup, selectors, services
from jiesu.indicators.catalogue import IndicatorSpec
from jiesu.indicators.models import IndicatorValue, Origin, ReviewComment
from jiesu.indicators.standings import month_add
from jiesu.indicators.validation import RowError, parse_number
from jiesu.org.models import Unit

DEMO_FILE = Path(settings.BASE_DIR) / "data" / "indicators" / "demo.yaml"


def _rng(*parts: str) -> np.random.Generator:
    digest = hashlib.sha256(":".join(parts).encode("utf-8")).digest()
    return np.random.default_rng(int.from_bytes(digest[:8], "big"))


def series(*, code: str, params: dict, unit_code: str, months: list[dt.date]) -> dict[dt.date, float]:
    """One unit's demo figures for consecutive months."""
    model = params["model"]
    lasting = _rng(code, unit_code)
    low, high = params.get("low", -math.inf), params.get("high", math.inf)
    mean, spread, jitter = float(params.get("mean", 0)), float(params.get("spread", 0)), float(params.get("jitter", 0))
    out: dict[dt.date, float] = {}
    if model in ("rate", "score"):
        level, dev = lasting.normal(mean, spread), 0.0
        for m in months:
            dev = 0.5 * dev + _rng(code, unit_code, f"{m:%Y%m}").normal(0, jitter)
            out[m] = round(min(high, max(low, level + dev)), 2)
    elif model == "count":
        rate = mean * math.exp(lasting.normal(0, spread))
        for m in months:
            out[m] = float(_rng(code, unit_code, f"{m:%Y%m}").poisson(rate))
    elif model == "progress":
        pace, best = lasting.normal(mean, spread), 0.0
        for m in months:
            if m.month == 1:
                best = 0.0
            value = m.month / 12 * pace * 100 + _rng(code, unit_code, f"{m:%Y%m}").normal(0, jitter)
            best = min(high, max(best, value, 0.0))
            out[m] = round(best, 2)
    elif model == "running_mean":
        level, season = lasting.normal(mean, spread), params.get("season") or [1.0] * 12
        total = n = 0
        for m in months:
            if m.month == 1:
                total = n = 0
            x = level * float(season[m.month - 1]) + _rng(code, unit_code, f"{m:%Y%m}").normal(0, jitter)
            total, n = total + min(high, max(low, x)), n + 1
            out[m] = round(total / n, 1)
    elif model == "growth":
        level, value = lasting.normal(mean, spread), None
        for m in months:
            step = _rng(code, unit_code, f"{m:%Y%m}")
            value = (
                level + step.normal(0, spread / 2)
                if (value is None or m.month == 1)
                else value + step.normal(0, jitter)
            )
            out[m] = round(min(high, max(low, value)), 2)
    elif model == "rank":
        participants = int(params.get("participants", 17))
        for m in months:
            value = round(_rng(code, unit_code, f"{m:%Y%m}").normal(mean, spread))
            out[m] = float(min(participants, max(1, value)))
    else:
        raise InvalidInput(f"演示数据参数中未知的模型“{model}”", code="bad_demo")
    return out


def demo_months(*, end: dt.date | None = None, path: Path = DEMO_FILE) -> list[dt.date]:
    """The demo's months: `months` (24) ending `end` (default: last month, the month a review
    meeting looks back on)."""
    count = int((yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}).get("months", 24))
    end = (end or month_add(timezone.localdate().replace(day=1), -1)).replace(day=1)
    return [month_add(end, -k) for k in range(count - 1, -1, -1)]


@transaction.atomic
def load_demo_values(*, end: dt.date | None = None, path: Path = DEMO_FILE) -> dict[str, int]:
    """Fill every (indicator, unit, month) without a value over the demo months ending `end` (default:
    last month). Returns {indicator code: values added}."""
    spec_file = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    months = demo_months(end=end, path=path)
    if months[-1] > timezone.localdate().replace(day=1):
        raise InvalidInput(f"演示数据的结束月份 {months[-1]:%Y-%m} 在未来", code="future_month")
    label = str(spec_file.get("label", "演示数据"))
    added: dict[str, int] = {}
    rows = []
    for month in months:
        catalogue = selectors.catalogue_for(month)
        for spec in catalogue.indicators:
            params = (spec_file.get("indicators") or {}).get(spec.code)
            if params is None:
                continue
            for kind in spec.kinds:
                if kind == "department":
                    continue  # the demo covers the 26 streets and the district's city rankings
                for unit in selectors.units_of(kind):
                    rows.append((spec, unit, month, params))
    existing = set(
        IndicatorValue.objects.filter(month__gte=months[0], month__lte=months[-1], value__isnull=False).values_list(
            "indicator", "unit_id", "month"
        )
    )
    cache: dict[tuple[str, int], dict[dt.date, float]] = {}
    new = []
    for spec, unit, month, params in rows:
        if (spec.code, unit.pk, month) in existing:
            continue
        key = (spec.code, unit.pk)
        if key not in cache:
            cache[key] = series(code=spec.code, params=params, unit_code=unit.code, months=months)
        value = _checked(spec, cache[key][month])
        new.append(
            IndicatorValue(
                indicator=spec.code, unit=unit, month=month, value=value, origin=Origin.DEMO, source=label,
                participants=spec.participants if spec.measure == "rank" else None,
            )
        )  # fmt: skip
        added[spec.code] = added.get(spec.code, 0) + 1
    # A stored "no value" (a platform figure with too few callbacks, say) is a gap the demo fills.
    IndicatorValue.objects.filter(
        value__isnull=True, month__gte=months[0], month__lte=months[-1], indicator__in={v.indicator for v in new}
    ).delete()
    IndicatorValue.objects.bulk_create(new, batch_size=services.BATCH)
    return added


def _checked(spec: IndicatorSpec, value: float) -> float:
    """Demo figures pass the same range checks as imported ones."""
    try:
        return parse_number(value, spec=spec)
    except RowError as error:
        raise InvalidInput(f"演示数据不合理：{error.message}", code="bad_demo") from None


def load_demo_comments(*, month: dt.date, path: Path = DEMO_FILE) -> int:
    """The leader's comments at the meeting on `month` for that month's speakers (演示数据), each
    with its follow-up in the state the demo file says (done / open / overdue)."""
    from jiesu.indicators.models import FollowUpItem

    spec_file = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    items = (spec_file.get("comments") or {}).get("items") or []
    speaker = (spec_file.get("comments") or {}).get("speaker", "")
    if not items or ReviewComment.objects.filter(month=month, is_demo=True).exists():
        return 0
    speakers = selectors.board(month=month, with_comments=False).speakers
    today = timezone.localdate()
    made = 0
    for card, item in zip(speakers, items, strict=False):
        state = item.get("state", "open")
        due = (
            today + dt.timedelta(days=15)
            if state == "open"
            else today - dt.timedelta(days=5 if state == "overdue" else 10)
        )
        unit = Unit.objects.get(pk=card.unit.id)
        comment = services.record_comment(
            month=month, unit=unit, text=f"（演示数据）{item['text']}", requirement=item["requirement"],
            user=None, speaker=speaker, due=due, is_demo=True,
        )  # fmt: skip
        if state == "done":
            followup.backend_named(comment.follow_up_backend).report_progress(
                ref=comment.follow_up_ref, text="（演示数据）已完成整改并报区接诉即办指挥部备案。", done=True, user=None
            )
            FollowUpItem.objects.filter(pk=int(comment.follow_up_ref)).update(
                done_at=timezone.now() - dt.timedelta(days=12)
            )
        elif state == "overdue":
            followup.backend_named(comment.follow_up_backend).report_progress(
                ref=comment.follow_up_ref, text="（演示数据）已排查一半，正在推进。", done=False, user=None
            )
        made += 1
    return made
