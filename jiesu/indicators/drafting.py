"""The 点评 paragraph of one unit, in the form of the district's monthly review (seed 000):

    西罗园街道拆违腾地销账率、治乱完成率均排名各街镇前列；7月违规电动三四轮车治理综合得分、1-8月粗颗粒物
    累计浓度均排名各街镇前列。但在民生保障、垃圾分类等方面仍存不足。

Strengths are the indicators in the top group (not worse than their target), grouped by period and
wording ("均排名各街镇前列", "排名各街镇首位", or the indicator's own phrase such as "为各街镇最少");
"1-8月，累计5次综合成绩排名各街镇前列" for indicators that count months in the top group. Shortfalls
are named by their area (方面) — or by the indicator itself when another indicator of the same area
is praised, so that no area is both praised and found wanting. An indicator is never on both sides
(standings.Place: strength and shortfall exclude each other). Pure code: tested on hand-built cards."""

import datetime as dt

from jiesu.indicators.standings import Card, Line

MAX_STRENGTHS = 6  # sentences a meeting reads out at most
MAX_AREAS = 3  # areas named in "但在…等方面仍存不足" (every shortfall is listed in the details)


def period_label(line: Line, month: dt.date) -> str:
    """ "1-8月" for a year-to-date figure, "7月" for a month's figure older than the meeting's month."""
    spec, when = line.spec, line.place.month or month
    if spec.judge == "ytd" or spec.period == "cumulative":
        return "1月" if when.month == 1 else f"1-{when.month}月"
    return f"{when.month}月" if when != month else ""


def standing_phrase(line: Line, group: str) -> str:
    place = line.place
    if place.rank == 1 and place.tied == 1:
        return (line.spec.phrase_first or "排名{group}首位").replace("{group}", group)
    if place.rank == 1:
        return f"并列{group}首位"
    return (line.spec.phrase_top or "排名{group}前列").replace("{group}", group)


def shortfall_reason(line: Line) -> str:
    spec, place = line.spec, line.place
    parts = []
    if place.below_target:
        if spec.higher_is_better:
            parts.append(f"未达到目标值{spec.shown(spec.target)}")
        else:
            parts.append(f"超过控制值{spec.shown(spec.target)}")
    if place.bottom:
        parts.append(f"排名第{place.rank}位（共{place.of}个）")
    return f"{spec.name}{spec.shown(place.value)}，{'，'.join(parts)}"


def draft(card: Card, *, month: dt.date, group: str = "各街镇", top_months_min: int = 3) -> None:
    """Fill card.strengths, card.shortfalls, card.shortfall_details and card.paragraph."""
    lines = [ln for ln in card.lines if ln.place.value is not None]
    if not lines:
        card.strengths, card.shortfalls, card.shortfall_details = [], [], []
        card.paragraph = f"{card.unit.name}：本月暂无指标数据。"
        return
    praised: list[Line] = []
    sentences: list[str] = []
    # "1-8月，累计5次综合成绩排名各街镇前列": months in the top group, unless it falls short now.
    for ln in lines:
        if ln.spec.count_top_months and ln.top_months >= top_months_min and not ln.place.shortfall:
            span = "1月" if month.month == 1 else f"1-{month.month}月"
            sentences.append(f"{span}，累计{ln.top_months}次{ln.spec.name}排名{group}前列")
            praised.append(ln)
    groups: dict[tuple[str, str], list[str]] = {}
    strong = sorted((ln for ln in lines if ln.place.strength and ln not in praised), key=lambda ln: ln.place.rank)
    for ln in strong:
        groups.setdefault((period_label(ln, month), standing_phrase(ln, group)), []).append(ln.spec.name)
        praised.append(ln)
    for (label, phrase), names in groups.items():
        sentences.append(f"{label}{'、'.join(names)}{'均' if len(names) > 1 else ''}{phrase}")
    sentences = sentences[:MAX_STRENGTHS]

    best = None
    if not sentences:  # nothing in the top group: name the relatively best figure instead
        candidates = [ln for ln in lines if not ln.place.shortfall and ln.place.rank is not None]
        best = min(candidates, key=lambda ln: (ln.place.rank / max(ln.place.of, 1), ln.spec.code), default=None)
        if best is not None:
            praised.append(best)

    short = sorted(
        (ln for ln in lines if ln.place.shortfall),
        key=lambda ln: (ln.place.percentile if ln.place.percentile is not None else -1, ln.spec.code),
    )
    praised_areas = {ln.spec.area for ln in praised}
    areas: list[str] = []
    for ln in short:
        word = ln.spec.name if ln.spec.area in praised_areas else ln.spec.area
        if word not in areas:
            areas.append(word)
    areas = areas[:MAX_AREAS]

    card.strengths = sentences
    card.shortfalls = areas
    card.shortfall_details = [shortfall_reason(ln) for ln in short]
    text = f"{card.unit.name}："
    if sentences:
        text += "；".join(sentences) + "。"
    else:
        text += f"各项指标均未进入{group}前列"
        if best is not None:
            text += f"，相对较好的是{best.spec.name}（{best.spec.shown(best.place.value)}，第{best.place.rank}位）"
        text += "。"
    if areas:
        text += f"但在{'、'.join(areas)}{'等' if len(areas) > 1 else ''}方面仍存不足。"
    else:
        text += f"各项指标均未处于{group}后列，且均达到目标值。"
    card.paragraph = text
