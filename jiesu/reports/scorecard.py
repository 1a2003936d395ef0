"""Each unit's scorecard: where it ranks on every indicator, and the two short paragraphs a
review meeting reads out — "排名前列" (strongest indicators) and "仍存不足" (weakest), drafted from
the figures alone."""

from dataclasses import dataclass

from jiesu.reports.figures import UnitRow

# (field, label, higher_is_better, is_rate)
INDICATORS = (
    ("composite", "综合得分", True, False),
    ("response_rate", "响应率", True, True),
    ("resolution_rate", "解决率", True, True),
    ("satisfaction_rate", "满意率", True, True),
    ("overdue", "超期工单", False, False),
    ("reopens", "重办工单", False, False),
    ("returns", "退单", False, False),
    ("supervised", "督办", False, False),
)
TOP = 3  # "前列" = within the first three; "靠后" = within the last three
MAX_LINES = 3  # a meeting reads at most three points each way


@dataclass(frozen=True)
class Standing:
    field: str
    label: str
    value: float | None
    rank: int | None  # competition ranking (1, 2, 2, 4) among units with a value
    of: int
    tied: int  # how many units share this rank (1 = alone)
    average: float | None
    higher_is_better: bool
    is_rate: bool

    @property
    def shown(self) -> str:
        if self.value is None:
            return "—"
        if self.is_rate:
            return f"{self.value:.1f}%"
        return f"{self.value:.2f}" if self.field == "composite" else f"{int(self.value)}件"


@dataclass(frozen=True)
class Scorecard:
    row: UnitRow
    standings: list[Standing]
    strengths: list[str]
    weaknesses: list[str]
    pooled: bool = True  # ranked among the units with a sufficient sample

    @property
    def sample_note(self) -> str:
        """Why a card is read with care (or not drafted at all); empty for an ordinary card."""
        row = self.row
        if row.small_sample:
            return f"有效回访仅{row.callbacks}件（少于{row.min_callbacks}件），样本不足，不参与排名，不作点评"
        if row.rank is None:
            return "本月无有效回访，未参与排名，不作点评"
        return ""


def _ranks(rows: list[UnitRow], field: str, higher_is_better: bool) -> dict[str, int]:
    values = sorted((getattr(r, field) for r in rows if getattr(r, field) is not None), reverse=higher_is_better)
    first = {}
    for position, value in enumerate(values, start=1):
        first.setdefault(value, position)
    return {r.code: first[getattr(r, field)] for r in rows if getattr(r, field) is not None}


def _average(rows: list[UnitRow], field: str) -> float | None:
    values = [getattr(r, field) for r in rows if getattr(r, field) is not None]
    return sum(values) / len(values) if values else None


def _gap(s: Standing) -> str:
    """'高于平均1.2个百分点' / '低于平均0.8分' — the distance to the group average."""
    if s.average is None or s.value is None:
        return ""
    diff = s.value - s.average
    if s.is_rate:
        amount = f"{abs(diff):.1f}个百分点"
    elif s.field == "composite":
        amount = f"{abs(diff):.2f}分"
    else:
        amount = f"{abs(diff):.1f}件"
    return f"{'高于' if diff > 0 else '低于'}平均{amount}" if abs(diff) >= 0.05 else "与平均持平"


def draft(rows: list[UnitRow], *, group_label: str = "各街镇") -> list[Scorecard]:
    """Scorecards for every row of one ranking group (streets or departments), in ranking order.
    Only ranked units with a sufficient sample stand on the indicators: a unit with too few valid
    callbacks gets no place on any of them (a 100% on two callbacks is not "首位") and no 点评."""
    pool = [r for r in rows if r.named]
    ranks = {f: _ranks(pool, f, better) for f, _, better, _ in INDICATORS}
    averages = {f: _average(pool, f) for f, *_ in INDICATORS}
    cards = []
    for row in rows:
        standings = [
            Standing(
                f,
                label,
                getattr(row, f),
                ranks[f].get(row.code),
                len(ranks[f]),
                sum(1 for r in ranks[f].values() if r == ranks[f].get(row.code)),
                averages[f],
                better,
                rate,
            )
            for f, label, better, rate in INDICATORS
        ]
        if not row.named:
            # no valid callback, or too few to stand beside the others: nothing to praise or criticise
            cards.append(Scorecard(row, standings, [], [], pooled=False))
            continue
        cards.append(
            Scorecard(row, standings, _strengths(row, standings, group_label), _weaknesses(standings, group_label))
        )
    return cards


def _place(s: Standing, group: str) -> str:
    tie = "并列" if s.tied > 1 else ""
    return f"排名{group}{tie}首位" if s.rank == 1 else f"排名{group}{tie}第{s.rank}位，位居前列"


def _strengths(row: UnitRow, standings: list[Standing], group: str) -> list[str]:
    """Rates and score within the first three, best first; 'no overdue order' only when overdue
    orders are common enough (a third of the units have some) to make it a distinction."""
    ranked = [s for s in standings if s.rank is not None and s.of > 1]
    top = sorted((s for s in ranked if s.higher_is_better and s.rank <= TOP), key=lambda s: s.rank)
    lines = [f"{s.label}{s.shown}，{_gap(s)}，{_place(s, group)}" for s in top][:MAX_LINES]
    overdue = next((s for s in ranked if s.field == "overdue"), None)
    if overdue and overdue.value == 0 and overdue.tied <= overdue.of * 2 / 3:
        lines.append("本月无超期工单")
    if row.rank_change and row.rank_change >= 3:
        lines.append(f"综合排名较上月上升{row.rank_change}位")
    if not lines:
        best = min((s for s in ranked if s.higher_is_better), key=lambda s: (s.rank, s.field), default=None)
        if best:
            lines.append(f"各项指标均未进入{group}前{TOP}名，相对较好的是{best.label}（{best.shown}，第{best.rank}位）")
    return lines


def _weaknesses(standings: list[Standing], group: str) -> list[str]:
    """Indicators within the last three (and not also within the first three), worst first."""
    ranked = [s for s in standings if s.rank is not None and s.of > 1]
    bottom = sorted(
        (s for s in ranked if s.rank > s.of - TOP and s.rank > TOP and (s.higher_is_better or s.value)),
        key=lambda s: (-s.rank / s.of, s.field),
    )
    lines = []
    for s in bottom[:MAX_LINES]:
        if s.higher_is_better:
            lines.append(f"{s.label}{s.shown}，{_gap(s)}，排名{group}第{s.rank}位（共{s.of}个），仍存不足")
        else:
            lines.append(f"{s.label}{s.shown}，{_gap(s)}，需加强")
    if not lines:
        worst = max((s for s in ranked if s.higher_is_better), key=lambda s: (s.rank, s.field), default=None)
        if worst and worst.rank > TOP:  # a place within the first three is no weakness (it is praised above)
            lines.append(f"相对薄弱的是{worst.label}（{worst.shown}，第{worst.rank}位），需保持改进")
    return lines
