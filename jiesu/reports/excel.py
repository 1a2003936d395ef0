"""The review pack as an Excel workbook (openpyxl): one sheet per part of the review, with native
Excel charts for the trends and categories so the figures stay editable."""

import io

from openpyxl import Workbook
from openpyxl.chart import BarChart, LineChart, Reference
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter

from jiesu.indicators.workbook import add_scorecard_sheets
from jiesu.reports.review import Review

HEAD_FILL = PatternFill("solid", fgColor="F3E8E8")
THIN = Side(style="thin", color="9CA3AF")
BORDER = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
RANKING_HEADER = [
    "排名", "单位", "受理量", "有效回访", "响应率(%)", "解决率(%)", "满意率(%)",
    "综合得分", "综合得分环比", "名次变化(正为上升)", "超期", "督办", "退单", "重办", "年度综合得分", "样本提示",
]  # fmt: skip


def _table(ws, header: list[str], rows: list[list], *, start_row: int = 1, widths: list[int] | None = None) -> int:
    for col, title in enumerate(header, start=1):
        cell = ws.cell(row=start_row, column=col, value=title)
        cell.font, cell.fill, cell.border = Font(bold=True), HEAD_FILL, BORDER
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
    for r, values in enumerate(rows, start=start_row + 1):
        for c, value in enumerate(values, start=1):
            cell = ws.cell(row=r, column=c, value=value)
            cell.border = BORDER
            cell.alignment = Alignment(vertical="top", wrap_text=isinstance(value, str) and len(value) > 20)
    for col, width in enumerate(widths or [], start=1):
        ws.column_dimensions[get_column_letter(col)].width = width
    return start_row + len(rows) + 1


def _ranking(ws, rows) -> None:
    _table(
        ws,
        RANKING_HEADER,
        [
            [
                r.rank,
                r.name,
                r.received,
                r.callbacks,
                r.response_rate,
                r.resolution_rate,
                r.satisfaction_rate,
                r.composite,
                r.composite_change,
                r.rank_change,
                r.overdue,
                r.supervised,
                r.returns,
                r.reopens,
                r.ytd_composite,
                r.unranked_note,
            ]
            for r in rows
        ],  # fmt: skip
        widths=[6, 28, 8, 9, 10, 10, 10, 10, 12, 12, 7, 7, 7, 7, 12, 18],
    )
    ws.freeze_panes = "C2"


def _cards(ws, cards) -> None:
    _table(
        ws,
        ["排名", "单位", "综合得分", "有效回访", "排名前列", "仍存不足", "说明"],
        [
            [
                c.row.rank,
                c.row.name,
                c.row.composite,
                c.row.callbacks,
                "；".join(c.strengths),
                "；".join(c.weaknesses),
                c.sample_note,
            ]
            for c in cards
        ],
        widths=[6, 24, 10, 9, 70, 70, 40],
    )


def supervision_sheets(wb, section) -> None:
    """The supervision part: by source, the 民生项目池 ranking, lagging items, the 主动治理清单."""
    if section is None:
        return
    ws = wb.create_sheet("督办汇总")
    ws["A1"] = section.summary
    ws["A1"].alignment = Alignment(wrap_text=True, vertical="top")
    ws.merge_cells("A1:F1")
    ws.row_dimensions[1].height = 48
    end = _table(
        ws,
        ["来源", "事项", "已完成", "推进中", "滞后", "未启动"],
        [
            [label, f["total"], f["completed"] + f["closed"], f["in_progress"], f["lagging"], f["not_started"]]
            for label, f in section.by_source
        ],
        start_row=3,
        widths=[16, 8, 8, 8, 8, 8],
    )
    ws.cell(row=end + 1, column=1, value=f"滞后事项（共{section.lagging_total}项）").font = Font(bold=True)
    _table(
        ws,
        ["编号", "事项", "牵头单位", "逾期节点"],
        [
            [
                r.item.number,
                r.item.title,
                r.item.lead_unit.name if r.item.lead_unit_id else "待确定",
                "；".join(r.late_milestones) or f"完成时限 {r.item.due_date}",
            ]
            for r in section.lagging
        ],
        start_row=end + 2,
        widths=[16, 50, 16, 60],
    )
    if section.pool:
        _table(
            wb.create_sheet("民生项目池"),
            ["名次", "街镇", "项目", "已完成", "滞后"],
            [[p.rank, p.unit.name, p.total, p.completed, p.lagging] for p in section.pool],
            widths=[6, 16, 8, 8, 8],
        )
    header = ["编号", "事项", "问题", "地点", "牵头单位", "状态", "治理前", "治理后", "去年同期前", "去年同期后"]
    _table(
        wb.create_sheet("主动治理"),
        [*header, "扣除季节因素", "成效"],
        [
            [
                r.item.number,
                r.item.title,
                r.item.category.path if r.item.category_id else "",
                r.effect.place if r.effect else "",
                r.item.lead_unit.name if r.item.lead_unit_id else "",
                r.status_label,
                r.effect.before if r.effect else None,
                r.effect.after if r.effect else None,
                r.effect.before_last_year if r.effect else None,
                r.effect.after_last_year if r.effect else None,
                r.effect.beyond_season if r.effect else None,
                r.effect.summary if r.effect else "",
            ]
            for r in section.proactive
        ],
        widths=[16, 36, 24, 12, 14, 8, 8, 8, 10, 10, 12, 60],
    )


def review_workbook(review: Review) -> bytes:
    wb = Workbook()
    a, d = review.assessment, review.assessment.district
    ws = wb.active
    ws.title = "概况"
    ws["A1"] = review.title
    ws["A1"].font = Font(bold=True, size=16, color="B91C1C")
    ws["A2"] = (
        f"考评规则：{a.rule_name or '本月生效的考评规则'}；{'已发布考评快照' if a.published else '实时计算（未发布）'}"
    )
    ws["A3"] = f"生成时间：{review.generated_at:%Y-%m-%d %H:%M}"
    row = 5
    for paragraph in review.summary:
        ws.cell(row=row, column=1, value=paragraph).alignment = Alignment(wrap_text=True, vertical="top")
        ws.merge_cells(start_row=row, start_column=1, end_row=row, end_column=4)
        ws.row_dimensions[row].height = 48
        row += 1
    prev = review.previous
    kpis = [
        ("纳入考评诉求量（件）", d.received, prev.received if prev else None),
        ("有效回访（件）", d.callbacks, prev.callbacks if prev else None),
        ("响应率(%)", d.response_rate, prev.response_rate if prev else None),
        ("解决率(%)", d.resolution_rate, prev.resolution_rate if prev else None),
        ("满意率(%)", d.satisfaction_rate, prev.satisfaction_rate if prev else None),
        ("综合得分", d.composite, prev.composite if prev else None),
        ("超期工单（件）", d.overdue, prev.overdue if prev else None),
        ("督办（次）", d.supervised, prev.supervised if prev else None),
        ("重办（件）", d.reopens, prev.reopens if prev else None),
    ]
    _table(ws, ["指标", "本月", "上月"], [list(k) for k in kpis], start_row=row + 1, widths=[60, 14, 14, 14])

    _ranking(wb.create_sheet("街镇排名"), a.streets)
    _ranking(wb.create_sheet("部门排名"), a.departments)
    _cards(wb.create_sheet("街镇点评"), review.street_cards)
    _cards(wb.create_sheet("部门点评"), review.department_cards)

    ws = wb.create_sheet("每月一题")
    end = _table(
        ws,
        ["口径", "名次", "类别", "上月", "本月", "增量", "增幅", "牵头单位", "权责依据"],
        [
            [
                c.get_basis_display(),
                c.rank,
                c.category.path,
                c.previous_volume,
                c.volume,
                c.growth,
                c.growth_rate,
                c.lead_label,
                c.responsibility_basis,
            ]
            for c in review.topic_candidates
        ],  # fmt: skip
        widths=[10, 6, 36, 8, 8, 8, 9, 22, 30],
    )
    for r in range(2, end):
        ws.cell(row=r, column=7).number_format = "0.0%"
    if review.topic:
        ws.cell(row=end + 1, column=1, value=f"本月一题：{review.topic.category.path} — 街镇分布").font = Font(
            bold=True
        )
        end = _table(
            ws,
            ["街镇", "本月", "上月", "增减"],
            [[s["name"], s["volume"], s["previous"], s["change"]] for s in review.topic.streets],
            start_row=end + 2,
        )
        ws.cell(row=end + 1, column=1, value="典型诉求（个人信息已脱敏）").font = Font(bold=True)
        _table(
            ws,
            ["工单编号", "受理时间", "街镇", "标题", "诉求内容", "诉求人", "电话"],
            [
                [o["number"], o["received_at"], o["street"], o["title"], o["content"], o["requester"], o["phone"]]
                for o in review.topic.samples
            ],
            start_row=end + 2,
        )

    _table(
        wb.create_sheet("治理类街乡镇"),
        ["街镇", "状态", "列入月份", "原因"],
        [[w.name, w.status, w.entered, w.reason] for w in a.watch],
        widths=[20, 12, 12, 60],
    )
    _table(
        wb.create_sheet("红黑榜"),
        ["榜单", "类型", "序号", "名称", "所属企业", "诉求量", "解决率(%)", "满意率(%)", "得分"],
        [
            [
                "红榜" if p.colour == "red" else "黑榜",
                "物业企业" if p.level == "company" else "物业项目",
                p.rank,
                p.name,
                p.company,
                p.orders,
                p.resolution_rate,
                p.satisfaction_rate,
                p.score,
            ]
            for p in a.red_black
        ],  # fmt: skip
        widths=[8, 10, 6, 30, 30, 8, 10, 10, 8],
    )

    ws = wb.create_sheet("走势")
    n = len(review.trend)
    _table(
        ws,
        ["月份", "诉求量", "有效回访", "响应率(%)", "解决率(%)", "满意率(%)", "综合得分"],
        [
            [
                f"{m.month:%Y-%m}",
                m.received,
                m.callbacks,
                m.response_rate,
                m.resolution_rate,
                m.satisfaction_rate,
                m.composite,
            ]
            for m in review.trend
        ],  # fmt: skip
        widths=[10, 10, 10, 11, 11, 11, 10],
    )
    chart = LineChart()
    chart.title, chart.y_axis.title, chart.height, chart.width = "全区三率及综合得分走势", "%", 8, 18
    chart.add_data(Reference(ws, min_col=4, max_col=7, min_row=1, max_row=n + 1), titles_from_data=True)
    chart.set_categories(Reference(ws, min_col=1, min_row=2, max_row=n + 1))
    ws.add_chart(chart, "I2")

    ws = wb.create_sheet("诉求类别")
    cats = review.categories
    _table(ws, ["一级类别", "本月", "上月"], [list(c) for c in cats], widths=[30, 10, 10])
    if cats:
        bars = BarChart()
        bars.type, bars.title, bars.height, bars.width = "bar", "诉求量前十的一级类别", 9, 18
        top = min(len(cats), 10)
        bars.add_data(Reference(ws, min_col=2, max_col=3, min_row=1, max_row=top + 1), titles_from_data=True)
        bars.set_categories(Reference(ws, min_col=1, min_row=2, max_row=top + 1))
        ws.add_chart(bars, "E2")

    supervision_sheets(wb, review.supervision)
    if review.street_scorecard is not None:
        add_scorecard_sheets(wb, review.street_scorecard)
    if review.grids is not None:
        grid_sheet(wb, review.grids)
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def grid_sheet(wb, section) -> None:
    """热线+网格: the busiest grids of the month with their figures."""
    ws = wb.create_sheet("热线+网格")
    header = [
        "网格",
        "诉求量",
        "市民反映",
        "网格员发现",
        "其中自处置",
        "响应时长中位(小时)",
        "先行核实",
        "核实用时中位(分钟)",
    ]
    rows = [
        [r.name, r.volume, r.citizen, r.self_found, r.self_handled, r.response_median_h, r.verifications,
         r.verification_median_min]
        for r in section.rows
    ]  # fmt: skip
    _table(ws, header, rows, widths=[34, 10, 10, 12, 12, 18, 10, 18])


def supervision_workbook(section) -> bytes:
    """The supervision export on its own (督办事项 page → Excel)."""
    wb = Workbook()
    wb.remove(wb.active)
    supervision_sheets(wb, section)
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()
