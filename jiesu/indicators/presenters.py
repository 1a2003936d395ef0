"""A board's figures as the strings pages, the review pack and the workbook show (formatted once
in Python: the page of 26 cards × 20 indicators stays a plain loop in the template)."""

import datetime as dt
from dataclasses import dataclass, field, replace
from functools import cached_property

from django.utils.html import escape

from jiesu.indicators.catalogue import IndicatorSpec
from jiesu.indicators.standings import Board, Card, Line


@dataclass(frozen=True)
class RowView:
    code: str
    name: str
    owner: str
    unit: str
    value: str
    rank: str  # "3/26"
    state: str  # top | short | "" (css class)
    state_label: str  # 前列 / 不足 / ""
    previous: str
    change: str  # "↑1.20" / "↓0.50" / "持平" / "—"
    change_class: str  # good | bad | ""
    rank_change: str  # "升2位" / "降1位" / ""
    ytd: str
    ytd_value: str
    ytd_rank: str
    top_months: int
    target: str
    origin: str  # 平台计算 / 导入 / 演示数据
    note: str  # "10月数据" when an earlier month's figure is shown
    reason: str  # why it is a shortfall
    n: str = ""  # "n=45": the valid callbacks a rate rests on
    sample_note: str = ""  # why a rate on too few callbacks is not ranked


@dataclass(frozen=True)
class Cell:
    text: str
    css: str
    title: str
    n: str = ""  # "n=45" beside a ranked rate


def _change(line: Line) -> tuple[str, str]:
    change = line.change
    if change is None:
        return "—", ""
    improved = line.improved
    if improved is None:
        return "持平", ""
    digits = line.spec.decimals if not line.spec.integer else 0
    arrow = "↑" if change > 0 else "↓"
    return f"{arrow}{abs(change):.{digits}f}", "good" if improved else "bad"


def _origin(line: Line) -> str:
    if line.demo:
        return "演示数据"
    return "平台计算" if line.spec.source == "platform" else "导入"


def _note(line: Line, month: dt.date) -> str:
    """ "1-11月累计" for a year-to-date figure; "10月数据" for an older month's figure."""
    spec, when = line.spec, line.place.month
    if line.place.value is None:
        return ""
    if spec.judge == "ytd" or spec.period == "cumulative":
        end = (when or month).month
        return f"{'1' if end == 1 else f'1-{end}'}月累计"
    return f"{when.month}月数据" if when is not None and when != month else ""


def row_view(line: Line, *, month: dt.date) -> RowView:
    spec, place = line.spec, line.place
    state = "top" if place.strength else ("short" if place.shortfall else "")
    change, change_class = _change(line)
    rank_change = line.rank_change
    reasons = []
    if place.below_target:
        reasons.append("未达目标" if spec.higher_is_better else "超过控制值")
    if place.bottom:
        reasons.append("排名后列")
    ytd = ytd_value = ytd_rank = ""
    if line.ytd is not None and line.ytd.value is not None:
        ytd_value, ytd_rank = spec.shown(line.ytd.value), f"{line.ytd.rank}/{line.ytd.of}"
        ytd = f"{ytd_value}（第{line.ytd.rank}位）"
    return RowView(
        code=spec.code,
        name=spec.name,
        owner=spec.owner,
        unit=spec.unit,
        value=spec.shown(place.value),
        rank=f"{place.rank}/{place.of}" if place.rank is not None else "—",
        state=state,
        state_label={"top": "前列", "short": "不足"}.get(state, ""),
        previous=spec.shown(line.previous.value) if line.previous is not None else "—",
        change=change,
        change_class=change_class,
        rank_change="" if not rank_change else (f"升{rank_change}位" if rank_change > 0 else f"降{-rank_change}位"),
        ytd=ytd,
        ytd_value=ytd_value or "—",
        ytd_rank=ytd_rank or "—",
        top_months=line.top_months,
        target=spec.shown(spec.target) if spec.target is not None else "—",
        origin=_origin(line) if place.value is not None else "",
        note=_note(line, month),
        reason="、".join(reasons),
    )


def cell(line: Line, sample=None) -> Cell:
    """One matrix cell: the rank; for a rate with its n (`sample`, selectors.Sample) the n beside
    it, and for a rate on too few callbacks no rank but 样本不足 with the n."""
    place, spec = line.place, line.spec
    n = f"（n={sample.callbacks}）" if sample is not None else ""
    if place.rank is None:
        if sample is not None and sample.small:
            shown = spec.shown(sample.value) if sample.value is not None else "—"
            return Cell(f"n={sample.callbacks}", "small", f"{spec.name}：{shown}{n}，{sample.reason}")
        return Cell("—", "none", f"{spec.name}：暂无数据")
    css = "top" if place.strength else ("short" if place.shortfall else "mid")
    title = f"{spec.name}：{spec.shown(place.value)}{n}，第{place.rank}位（共{place.of}个）"
    if line.demo:
        title += "，演示数据"
    return Cell(str(place.rank), css, title, f"n={sample.callbacks}" if sample is not None else "")


def short_name(spec: IndicatorSpec) -> str:
    return (spec.short or spec.name).replace("“", "").replace("”", "")


@dataclass
class CardView:
    card: Card
    month: dt.date
    of: int
    samples: dict = field(default_factory=dict)  # indicator code → selectors.Sample (the rates' n)

    @cached_property
    def rows(self) -> list[RowView]:
        """Only the unit page, the pack and the workbook show them: made when first read."""
        rows = []
        for ln in self.card.lines:
            row, sample = row_view(ln, month=self.month), self.samples.get(ln.spec.code)
            if sample is not None:
                row = replace(row, n=f"n={sample.callbacks}")
                if sample.small:
                    shown = ln.spec.shown(sample.value) if sample.value is not None else "—"
                    row = replace(row, value=shown, sample_note=sample.reason)
            rows.append(row)
        return rows

    @cached_property
    def cells(self) -> list[Cell]:
        return [cell(ln, self.samples.get(ln.spec.code)) for ln in self.card.lines]

    @cached_property
    def sparkline(self) -> str:
        from jiesu.indicators.sparkline import rank_sparkline

        return rank_sparkline(self.card.history, of=self.of)

    @property
    def cells_html(self) -> str:
        """The matrix row's cells, escaped here: 26 × 20 cells through the template engine were half
        of the page's time."""
        return "".join(
            f'<td class="r {c.css}" title="{escape(c.title)}">{escape(c.text)}'
            + (f'<small class="n">{c.n}</small>' if c.n else "")
            + "</td>"
            for c in self.cells
        )

    @property
    def unit(self):
        return self.card.unit

    @property
    def has_demo(self) -> bool:
        return any(ln.demo for ln in self.card.lines)

    @property
    def small_samples(self) -> str:
        """ "综合成绩、响应率 n=2" — the rates of this unit too few to rank, grouped by n ("" if none)."""
        by_n: dict[int, list[str]] = {}
        for ln in self.card.lines:
            sample = self.samples.get(ln.spec.code)
            if sample is not None and sample.small:
                by_n.setdefault(sample.callbacks, []).append(short_name(ln.spec))
        return "；".join(f"{'、'.join(names)} n={n}" for n, names in sorted(by_n.items()))


def card_view(card: Card, *, month: dt.date, of: int, samples: dict | None = None) -> CardView:
    return CardView(card=card, month=month, of=of, samples=samples or {})


def board_views(board: Board, samples: dict | None = None) -> list[CardView]:
    """`samples`: unit id → indicator code → selectors.Sample (selectors.board_samples)."""
    of, samples = len(board.cards), samples or {}
    return [card_view(c, month=board.month, of=of, samples=samples.get(c.unit.id)) for c in board.cards]


def has_demo(board: Board) -> bool:
    return any(ln.demo for c in board.cards for ln in c.lines)
