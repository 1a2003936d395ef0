"""Static charts of the review pack as hand-built SVG (no plotting library): trend lines,
horizontal category bars, and the street score map. The same SVG goes into the PDF (WeasyPrint
draws it) and the HTML page; text uses the Noto CJK font installed with fonts-noto-cjk."""

import math
from collections.abc import Sequence
from dataclasses import dataclass
from html import escape

FONT = "Noto Sans CJK SC, Noto Sans CJK, sans-serif"
PALETTE = ("#9b1c1c", "#1d4ed8", "#047857", "#b45309", "#6d28d9")
# Five score classes, low → high (red → green), for the street map and its legend.
SCORE_CLASSES = ("#b91c1c", "#f97316", "#facc15", "#84cc16", "#15803d")
NO_DATA = "#d1d5db"


def _svg(width: int, height: int, body: list[str], title: str) -> str:
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" font-family="{FONT}" role="img" aria-label="{escape(title)}">'
        f"<title>{escape(title)}</title>" + "".join(body) + "</svg>"
    )


def _text(x: float, y: float, text: str, *, size: int = 11, anchor: str = "start", fill: str = "#374151", bold=False):
    weight = ' font-weight="bold"' if bold else ""
    return (
        f'<text x="{x:.1f}" y="{y:.1f}" font-size="{size}" text-anchor="{anchor}" fill="{fill}"{weight}>'
        f"{escape(text)}</text>"
    )


def _nice_ticks(values: Sequence[float], *, floor: float | None, ceil: float | None) -> list[float]:
    """About five round ticks (steps of 1, 2, 2.5 or 5 × 10^k) covering the values; `floor`/`ceil`
    clamp the range (rates never go above 100, volumes never below 0)."""
    low, high = min(values), max(values)
    low = low if floor is None else min(low, floor)
    high = high if ceil is None else max(high, ceil)
    if high - low < 1e-9:
        low, high = low - 1, high + 1
    raw = (high - low) / 4
    magnitude = 10 ** math.floor(math.log10(raw))
    step = next(m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= raw)
    start = math.floor(low / step) * step
    stop = math.ceil(high / step) * step
    if floor is not None:
        start = max(start, floor)
    if ceil is not None:
        stop = min(stop, ceil)
    ticks, value = [], start
    while value <= stop + step * 1e-6:
        ticks.append(round(value, 6))
        value += step
    return ticks if len(ticks) > 1 else [start, start + step]


@dataclass(frozen=True)
class Series:
    name: str
    values: Sequence[float | None]


def line_chart(
    *,
    title: str,
    labels: Sequence[str],
    series: Sequence[Series],
    fmt=lambda v: f"{v:.1f}",
    floor: float | None = None,
    ceil: float | None = None,
    width: int = 680,
    height: int = 260,
) -> str:
    """Lines over months; gaps (None) break a line. Y range from the data unless floor/ceil given."""
    left, right, top, bottom = 56, 40, 36, 52
    plot_w, plot_h = width - left - right, height - top - bottom
    body = [_text(width / 2, 20, title, size=14, anchor="middle", fill="#111827", bold=True)]
    known = [v for s in series for v in s.values if v is not None]
    if not known or not labels:
        body.append(_text(width / 2, height / 2, "暂无数据", size=13, anchor="middle", fill="#6b7280"))
        return _svg(width, height, body, title)
    ticks = _nice_ticks(known, floor=floor, ceil=ceil)
    low, high = ticks[0], ticks[-1]

    def xy(i: int, v: float) -> tuple[float, float]:
        x = left + (plot_w * (i + 0.5) / len(labels))
        return x, top + plot_h * (1 - (v - low) / (high - low))

    for value in ticks:
        y = top + plot_h * (1 - (value - low) / (high - low))
        body.append(f'<line x1="{left}" y1="{y:.1f}" x2="{left + plot_w}" y2="{y:.1f}" stroke="#e5e7eb"/>')
        tick = f"{value:.0f}" if float(value).is_integer() else fmt(value)
        body.append(_text(left - 6, y + 4, tick, size=10, anchor="end", fill="#6b7280"))
    for i, label in enumerate(labels):
        x, _ = xy(i, low)
        body.append(_text(x, top + plot_h + 16, label, size=10, anchor="middle", fill="#6b7280"))
    end_labels: list[tuple[tuple[float, float], str, str]] = []
    for n, s in enumerate(series):
        color = PALETTE[n % len(PALETTE)]
        points = [(i, v) for i, v in enumerate(s.values) if v is not None]
        segments, current = [], []
        for i, v in enumerate(s.values):
            if v is None:
                segments, current = segments + ([current] if current else []), []
            else:
                current.append(xy(i, v))
        segments += [current] if current else []
        for seg in segments:
            path = " ".join(f"{x:.1f},{y:.1f}" for x, y in seg)
            body.append(f'<polyline points="{path}" fill="none" stroke="{color}" stroke-width="2"/>')
        for i, v in points:
            x, y = xy(i, v)
            body.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3" fill="{color}"/>')
        if points:  # label the last value so the chart reads without a table
            i, v = points[-1]
            end_labels.append((xy(i, v), fmt(v), color))
        lx = left + n * 130
        body.append(f'<rect x="{lx}" y="{height - 18}" width="14" height="4" fill="{color}"/>')
        body.append(_text(lx + 18, height - 12, s.name, size=10))
    body += _end_labels(end_labels)
    return _svg(width, height, body, title)


def _end_labels(labels: list[tuple[tuple[float, float], str, str]]) -> list[str]:
    """Last-value labels to the right of the line ends, pushed apart so close values stay legible."""
    out, last_y = [], -1e9
    for (x, y), text, color in sorted(labels, key=lambda item: item[0][1]):
        y = max(y + 3, last_y + 11)
        out.append(_text(x + 7, y, text, size=9, fill=color))
        last_y = y
    return out


def bar_chart(
    *,
    title: str,
    items: Sequence[tuple[str, float, float | None]],
    current_label: str = "本月",
    previous_label: str = "上月",
    width: int = 680,
    bar_height: int = 11,
) -> str:
    """Horizontal bars, one pair per item (this month, last month), largest first as given."""
    left, right, top = 170, 56, 36
    row = bar_height * 2 + 8
    height = top + row * max(1, len(items)) + 30
    plot_w = width - left - right
    body = [_text(width / 2, 20, title, size=14, anchor="middle", fill="#111827", bold=True)]
    if not items:
        body.append(_text(width / 2, top + 20, "暂无数据", size=13, anchor="middle", fill="#6b7280"))
        return _svg(width, height, body, title)
    peak = max(max(v, p or 0) for _, v, p in items) or 1
    for k, (label, value, previous) in enumerate(items):
        y = top + k * row
        body.append(_text(left - 8, y + bar_height + 4, label, size=11, anchor="end", fill="#1f2937"))
        w = plot_w * value / peak
        body.append(f'<rect x="{left}" y="{y}" width="{w:.1f}" height="{bar_height}" fill="{PALETTE[0]}"/>')
        body.append(_text(left + w + 4, y + bar_height - 1, f"{value:g}", size=10, fill=PALETTE[0]))
        if previous is not None:
            wp = plot_w * previous / peak
            body.append(
                f'<rect x="{left}" y="{y + bar_height + 1}" width="{wp:.1f}" height="{bar_height - 3}" fill="#9ca3af"/>'
            )
            body.append(_text(left + wp + 4, y + 2 * bar_height - 2, f"{previous:g}", size=9, fill="#6b7280"))
    ly = height - 14
    body.append(f'<rect x="{left}" y="{ly - 8}" width="14" height="8" fill="{PALETTE[0]}"/>')
    body.append(_text(left + 18, ly, current_label, size=10))
    body.append(f'<rect x="{left + 70}" y="{ly - 8}" width="14" height="8" fill="#9ca3af"/>')
    body.append(_text(left + 88, ly, previous_label, size=10))
    return _svg(width, height, body, title)


def score_class(score: float | None, *, breaks: Sequence[float]) -> str:
    """Colour of a score given the four class breaks (ascending)."""
    if score is None:
        return NO_DATA
    for colour, limit in zip(SCORE_CLASSES, breaks, strict=False):
        if score < limit:
            return colour
    return SCORE_CLASSES[-1]


def class_breaks(scores: Sequence[float]) -> list[float]:
    """Four breaks at equal steps between the lowest and highest score of the month."""
    if not scores:
        return [0.0, 0.0, 0.0, 0.0]
    low, high = min(scores), max(scores)
    step = (high - low) / 5 if high > low else 0.0
    return [low + step * k for k in range(1, 5)]
