"""Everything one month's review (月度工作点评) shows, gathered once and handed to the HTML, PDF and
Excel renderers: district summary, rankings, scorecards, the monthly topic, watch list, red/black
list, trends, category volumes and the static charts."""

import datetime as dt
from dataclasses import dataclass, field

from django.utils import timezone

from jiesu.assessment import aggregates
from jiesu.indicators.selectors import PackScorecard, pack_scorecard
from jiesu.insights import selectors as insights
from jiesu.insights.models import MonthlyTopic
from jiesu.insights.topic import parse_month, previous_month
from jiesu.org.models import LOCAL_KINDS, Unit
from jiesu.reports import charts, scorecard, sources
from jiesu.reports.figures import Assessment, DistrictMonth, UnitRow
from jiesu.reports.grids_section import GridSection, build_grid_section
from jiesu.reports.streetmap import CAPTIONS, MapStreet, score_map_svg
from jiesu.reports.supervision_section import SupervisionSection, build_section

TREND_MONTHS = 6
TOP_CATEGORIES = 10


@dataclass
class Review:
    month: dt.date
    generated_at: dt.datetime
    assessment: Assessment
    trend: list[DistrictMonth]
    street_cards: list[scorecard.Scorecard]
    department_cards: list[scorecard.Scorecard]
    topic: MonthlyTopic | None
    topic_candidates: list[MonthlyTopic]
    categories: list[tuple[str, int, int]]
    summary: list[str]
    charts: dict[str, str] = field(default_factory=dict)
    map_mode: str = ""
    supervision: SupervisionSection | None = None
    street_scorecard: PackScorecard | None = None  # 各街镇综合评分卡 (jiesu.indicators), when a catalogue is loaded
    as_of: dt.datetime | None = None  # 数据截至: the oldest stored figure read (jiesu.assessment.aggregates)
    grids: GridSection | None = None  # 热线+网格 (jiesu.grids), when a grid layer is loaded

    @property
    def previous(self) -> DistrictMonth | None:
        return self.trend[-2] if len(self.trend) > 1 else None

    @property
    def title(self) -> str:
        return f"{self.month.year}年{self.month.month}月接诉即办工作点评"

    @property
    def map_note(self) -> str:
        return f"街镇得分分布图：{CAPTIONS.get(self.map_mode, '')}。"

    @property
    def red(self):
        return [p for p in self.assessment.red_black if p.colour == "red"]

    @property
    def black(self):
        return [p for p in self.assessment.red_black if p.colour == "black"]


def trend_months(month: dt.date, n: int = TREND_MONTHS) -> list[dt.date]:
    months = [month]
    while len(months) < n:
        months.insert(0, previous_month(months[0]))
    return months


def build_review(*, month: dt.date | str, rule_version: str | None = None) -> Review:
    with aggregates.tracking() as seen:
        review = _build_review(month=month, rule_version=rule_version)
    review.as_of = aggregates.as_of(seen)
    return review


def _build_review(*, month: dt.date | str, rule_version: str | None = None) -> Review:
    month = parse_month(month)
    data = sources.assessment(month=month, rule_version=rule_version)
    months = trend_months(month)
    trend = sources.district_trend(months=months[:-1], rule_version=rule_version) + [data.district]
    categories = sources.category_volumes(month=month, previous=previous_month(month), level=1)
    review = Review(
        month=month,
        generated_at=timezone.localtime(),
        assessment=data,
        trend=trend,
        street_cards=scorecard.draft(data.streets, group_label="各街镇"),
        department_cards=scorecard.draft(data.departments, group_label="各部门"),
        topic=insights.monthly_topic(month=month),
        topic_candidates=list(insights.topic_candidates(month=month)),
        categories=categories,
        summary=[],
        supervision=build_section(month=month),
        street_scorecard=pack_scorecard(month=month),
        grids=build_grid_section(month=month),
    )
    review.summary = summary_paragraphs(review)
    review.charts, review.map_mode = _charts(review)
    return review


def _change(now: float | None, before: float | None, unit: str) -> str:
    if now is None or before is None:
        return ""
    diff = now - before
    if abs(diff) < 0.005:
        return "，与上月持平"
    return f"，较上月{'上升' if diff > 0 else '下降'}{abs(diff):.2f}{unit}"


def best_and_worst(rows: list[UnitRow], *, k: int = 3) -> tuple[list[UnitRow], list[UnitRow]]:
    """The units a review may name as the best and the worst: only ranked units with a sufficient
    sample, never the same unit on both sides (each side takes at most half of them), and never two
    units with the same score on opposite sides (a tie across the line names neither)."""
    named = [r for r in rows if r.named]
    n = min(k, len(named) // 2)
    if n == 0:
        return [], []
    top, bottom = named[:n], named[-n:][::-1]
    top_line, bottom_line = min(r.composite for r in top), max(r.composite for r in bottom)
    return [r for r in top if r.composite > bottom_line], [r for r in bottom if r.composite < top_line]


def _ranking_line(rows: list[UnitRow], *, group: str, what: str, minimum: int, speak: bool = False) -> str:
    """One sentence on a ranking group: best, worst, and which units are not ranked — too few valid
    callbacks (样本不足, named with their n, never among the best or the worst) or none at all."""
    if not any(r.callbacks for r in rows):
        return f"本月各{group}均无有效回访，不作排名点评。"
    top, bottom = best_and_worst(rows)
    small = [r for r in rows if r.small_sample]
    none = sum(1 for r in rows if r.callbacks == 0)
    parts = []
    if top:
        parts.append(f"{what}排名前列的是{'、'.join(r.name for r in top)}")
    if bottom:
        tail = "，需在点评会上作表态发言" if speak else ""
        parts.append(f"排名靠后的是{'、'.join(r.name for r in bottom)}{tail}")
    if not top and not bottom:
        if any(r.named for r in rows):
            parts.append(f"{what}参与排名的单位过少或得分相同，本月不区分前列与靠后")
        else:
            parts.append(f"本月各{group}有效回访均不足{minimum}件，不作排名点评")
    if small and any(r.named for r in rows):
        names = "、".join(f"{r.name}（n={r.callbacks}）" for r in small[:8]) + ("等" if len(small) > 8 else "")
        parts.append(f"{len(small)}个{group}有效回访不足{minimum}件，样本不足，不参与排名：{names}")
    if none:
        parts.append(f"{none}个{group}本月无有效回访，未参与排名")
    return "；".join(parts) + "。"


def summary_paragraphs(review: Review) -> list[str]:
    """The district secretary's opening paragraphs, drafted from the figures."""
    d, before, a = review.assessment.district, review.previous, review.assessment
    month = f"{review.month.year}年{review.month.month}月"
    lines = []
    received = f"{month}，全区纳入考评的诉求{d.received}件"
    if before is not None and before.received:
        diff = d.received - before.received
        received += f"，较上月{'增加' if diff >= 0 else '减少'}{abs(diff)}件（{diff / before.received:+.1%}）"
    if d.callbacks:
        received += (
            f"；有效回访{d.callbacks}件，响应率{d.response_rate:.2f}%、解决率{d.resolution_rate:.2f}%、"
            f"满意率{d.satisfaction_rate:.2f}%，综合得分{d.composite:.2f}分"
            f"{_change(d.composite, before.composite if before else None, '分')}。"
        )
    else:
        received += "；本月尚无有效回访，三率暂无法计算。"
    lines.append(received)
    lines.append(_ranking_line(a.streets, group="街镇", what="街镇综合得分", minimum=a.min_callbacks, speak=True))
    lines.append(_ranking_line(a.departments, group="区直部门", what="区直部门", minimum=a.min_callbacks))
    if review.topic:
        t = review.topic
        rate = f"，增幅{t.growth_rate:.1%}" if t.growth_rate is not None else "（上月无此类诉求）"
        lines.append(
            f"本月“每月一题”为“{t.category.path}”，诉求{t.volume}件，环比增加{t.growth}件{rate}，"
            f"由{t.lead_label}牵头研究解决。"
        )
    new = [w.name for w in a.watch if w.status == "本月列入"]
    gone = [w.name for w in a.watch if w.status == "本月退出"]
    staying = [w.name for w in a.watch if w.status == "持续治理"]
    watch = f"治理类街乡镇：本月列入{len(new)}个{('（' + '、'.join(new) + '）') if new else ''}"
    watch += f"，持续治理{len(staying)}个{('（' + '、'.join(staying) + '）') if staying else ''}"
    watch += f"，退出{len(gone)}个{('（' + '、'.join(gone) + '）') if gone else ''}。"
    lines.append(watch)
    red = [p for p in a.red_black if p.level == "company" and p.colour == "red"]
    black = [p for p in a.red_black if p.level == "company" and p.colour == "black"]
    lines.append(
        f"物业企业红黑榜：红榜{len(red)}家，黑榜{len(black)}家（当月关联诉求不少于{a.red_black_min_orders}件方可上榜）。"
    )
    if review.supervision is not None and review.supervision.figures["total"]:
        lines.append(review.supervision.summary)
    return lines


def _map_streets(rows) -> list[MapStreet]:
    boundaries = dict(Unit.objects.filter(kind__in=LOCAL_KINDS).values_list("code", "boundary"))
    return [MapStreet(r.code, r.name, r.composite, r.rank, boundaries.get(r.code)) for r in rows]


def _charts(review: Review) -> tuple[dict[str, str], str]:
    labels = [f"{m.month.month}月" for m in review.trend]
    rates = charts.line_chart(
        title="全区三率及综合得分走势（%）",
        labels=labels,
        series=[
            charts.Series("响应率", [m.response_rate for m in review.trend]),
            charts.Series("解决率", [m.resolution_rate for m in review.trend]),
            charts.Series("满意率", [m.satisfaction_rate for m in review.trend]),
            charts.Series("综合得分", [m.composite for m in review.trend]),
        ],
        ceil=100,
        height=230,
    )
    volume = charts.line_chart(
        title="全区诉求量走势（件）",
        labels=labels,
        series=[charts.Series("诉求量", [m.received for m in review.trend])],
        fmt=lambda v: f"{v:.0f}",
        floor=0,
        height=190,
    )
    categories = charts.bar_chart(
        title="诉求量前十的一级类别",
        items=[(name, now, before) for name, now, before in review.categories[:TOP_CATEGORIES]],
    )
    street_map, mode = score_map_svg(
        title=f"{review.month.year}年{review.month.month}月街镇综合得分分布",
        streets=_map_streets(review.assessment.streets),
    )
    return {"rates": rates, "volume": volume, "categories": categories, "map": street_map}, mode
