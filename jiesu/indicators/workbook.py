"""The street scorecard in the review pack's Excel workbook: three sheets (the figures, the 点评
paragraphs, the follow-ups), plain values so they stay editable."""

from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter

from jiesu.indicators.selectors import PackScorecard

HEAD = PatternFill("solid", fgColor="F3E8E8")
TOP = PatternFill("solid", fgColor="DCFCE7")
SHORT = PatternFill("solid", fgColor="FEE2E2")
THIN = Side(style="thin", color="9CA3AF")
BORDER = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)


def _sheet(wb, title: str, header: list[str], rows: list[list], widths: list[int], fills=None):
    ws = wb.create_sheet(title)
    for col, text in enumerate(header, start=1):
        cell = ws.cell(row=1, column=col, value=text)
        cell.font, cell.fill, cell.border = Font(bold=True), HEAD, BORDER
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
    for r, values in enumerate(rows, start=2):
        fill = fills[r - 2] if fills else None
        for c, value in enumerate(values, start=1):
            cell = ws.cell(row=r, column=c, value=value)
            cell.border = BORDER
            cell.alignment = Alignment(vertical="top", wrap_text=isinstance(value, str) and len(value) > 24)
            if fill is not None:
                cell.fill = fill
    for col, width in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(col)].width = width
    ws.freeze_panes = "C2"
    return ws


def add_scorecard_sheets(wb, pack: PackScorecard) -> None:
    demo = "（含演示数据，非真实统计）" if pack.has_demo else ""
    rows, fills = [], []
    for v in pack.views:
        for line, r in zip(v.card.lines, v.rows, strict=True):
            rows.append([
                v.card.overall_rank, v.unit.name, r.name, r.owner, r.unit, line.place.value, line.place.rank,
                line.place.of or None, r.state_label, r.reason, None if line.previous is None else line.previous.value,
                line.change, None if line.ytd is None else line.ytd.value, None if line.ytd is None else line.ytd.rank,
                r.top_months, r.origin, r.note,
            ])  # fmt: skip
            fills.append(TOP if r.state == "top" else SHORT if r.state == "short" else None)
    _sheet(
        wb,
        "综合评分卡",
        ["综合排位", "街镇", "指标", "责任部门", "单位", "本月", "名次", "参与排名数", "判定", "原因", "上月", "环比",
         "年度累计", "年度名次", "今年前列月数", f"来源{demo}", "说明"],
        rows,
        [8, 14, 26, 16, 8, 10, 6, 8, 6, 16, 10, 8, 10, 8, 10, 12, 10],
        fills,
    )  # fmt: skip
    _sheet(
        wb,
        "街镇点评要点",
        ["综合排位", "街镇", "排位指数", "本次发言", "点评要点", "不足明细"],
        [
            [
                v.card.overall_rank,
                v.unit.name,
                v.card.overall,
                "是" if v.card.speaker else "",
                v.card.paragraph,
                "；".join(v.card.shortfall_details),
            ]
            for v in pack.views
        ],  # fmt: skip
        [8, 14, 9, 8, 90, 70],
    )
    follow = []
    for v in pack.views:
        for f in v.card.follow_ups:
            follow.append(
                [v.unit.name, "上次点评", f"{f.month:%Y-%m}", f.text, f.requirement, f.due, f.status_label, f.last_note]
            )
        for c in v.card.comments:
            follow.append(
                [v.unit.name, "本次点评", f"{c.month:%Y-%m}", c.text, c.requirement, c.due, c.status_label, c.last_note]
            )
    _sheet(
        wb,
        "点评意见跟进",
        ["街镇", "类别", "点评月份", "点评意见", "整改要求", "期限", "状态", "最新进展"],
        follow,
        [14, 10, 10, 60, 40, 12, 10, 40],
    )
