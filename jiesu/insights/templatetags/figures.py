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
