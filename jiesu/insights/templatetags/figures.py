"""Number formatting for report pages: percentages, signed changes, scores."""

from django import template

register = template.Library()


@register.filter
def pct(value, digits: int = 1) -> str:
    """0.9734 → '97.3%'; None → '—'."""
    if value is None or value == "":
        return "—"
    return f"{float(value) * 100:.{int(digits)}f}%"


@register.filter
def signed(value, digits: int = 0) -> str:
    """3 → '+3', -1.25 (digits=1) → '-1.2'; None → '—'."""
    if value is None or value == "":
        return "—"
    return f"{float(value):+.{int(digits)}f}"


@register.filter
def signed_pct(value, digits: int = 1) -> str:
    """A change of a rate in percentage points: 0.012 → '+1.2个百分点'."""
    if value is None or value == "":
        return "—"
    return f"{float(value) * 100:+.{int(digits)}f}个百分点"


@register.filter
def score(value, digits: int = 2) -> str:
    if value is None or value == "":
        return "—"
    return f"{float(value):.{int(digits)}f}"


@register.filter
def percent(value, digits: int = 2) -> str:
    """A value already in percent: 97.345 → '97.35%'; None → '—'."""
    if value is None or value == "":
        return "—"
    return f"{float(value):.{int(digits)}f}%"


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
