"""Number formatting for report pages: percentages, signed changes, scores."""

from functools import wraps

from django import template

register = template.Library()


def _dash_when_empty(format_number):
    """A missing figure shows as '—' in every format (one rule for all the filters below)."""

    @wraps(format_number)
    def wrapped(value, digits=None):
        if value is None or value == "":
            return "—"
        return format_number(float(value), *(() if digits is None else (int(digits),)))

    return wrapped


@register.filter
@_dash_when_empty
def pct(value: float, digits: int = 1) -> str:
    """0.9734 → '97.3%'; None → '—'."""
    return f"{value * 100:.{digits}f}%"


@register.filter
@_dash_when_empty
def signed(value: float, digits: int = 0) -> str:
    """3 → '+3', -1.25 (digits=1) → '-1.2'; None → '—'."""
    return f"{value:+.{digits}f}"


@register.filter
@_dash_when_empty
def signed_pct(value: float, digits: int = 1) -> str:
    """A change of a rate in percentage points: 0.012 → '+1.2个百分点'."""
    return f"{value * 100:+.{digits}f}个百分点"


@register.filter
@_dash_when_empty
def score(value: float, digits: int = 2) -> str:
    return f"{value:.{digits}f}"


@register.filter
@_dash_when_empty
def percent(value: float, digits: int = 2) -> str:
    """A value already in percent: 97.345 → '97.35%'; None → '—'."""
    return f"{value:.{digits}f}%"


@register.filter
def svg_uri(svg: str) -> str:
    """Inline SVG as a data URI for <img> (WeasyPrint and browsers draw it the same way)."""
    import base64

    return "data:image/svg+xml;base64," + base64.b64encode((svg or "").encode("utf-8")).decode("ascii")


@register.filter
def signed_diff(value, other) -> str:
    """value − other with a sign: 120|signed_diff:100 → '+20'."""
    if value is None or other is None or other == "":
        return "—"
    return f"{float(value) - float(other):+g}"


@register.filter
def points_diff(value, other) -> str:
    """Difference of two percentages / scores: '+1.25'."""
    if value is None or other is None or other == "":
        return "—"
    return f"{float(value) - float(other):+.2f}"


@register.filter
def abs_int(value) -> int:
    return abs(int(value))


@register.filter
def small_sample_rows(rows) -> list:
    """The ranking rows whose rates rest on fewer valid callbacks than the rule's minimum."""
    return [r for r in rows if getattr(r, "small_sample", False)]


@register.filter
def small_sample_dicts(units) -> list:
    """The same for the dashboard's JSON-shaped rows."""
    return [u for u in units if u.get("small_sample")]


def _rank_of(row):
    return row.get("rank") if isinstance(row, dict) else getattr(row, "rank", None)


@register.filter
def ranked_rows(rows) -> list:
    """The rows with a rank (objects or the dashboard's dicts), in the order given."""
    return [r for r in rows if _rank_of(r) is not None]


@register.filter
def unranked_rows(rows) -> list:
    """The rows without a rank — 样本不足 or no valid callback —, shown after the ranked ones."""
    return [r for r in rows if _rank_of(r) is None]
