"""Importing indicator values from files: good rows written once, every bad row in the reject file
with its Chinese reason, whole-file problems refused before any write."""

import csv
import io

import pytest
from django.core.management import CommandError, call_command
from openpyxl import Workbook

from jiesu.common.errors import InvalidInput
from jiesu.indicators import providers, selectors
from jiesu.indicators.models import ImportBatch, IndicatorValue, Origin, ValueRevision
from jiesu.indicators.services import import_file

HEADER = ["指标", "单位", "月份", "数值", "来源"]


def write_csv(path, rows, header=HEADER, encoding="utf-8-sig"):
    with path.open("w", encoding=encoding, newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def stored():
    return {
        (v.indicator, v.unit.code, f"{v.month:%Y-%m}"): v.value for v in IndicatorValue.objects.select_related("unit")
    }


def test_good_rows_are_written_once(tmp_path, shipped_catalogue):
    path = write_csv(
        tmp_path / "values.csv",
        [
            ["拆违腾地销账率", "西罗园街道", "2026-08", "87.5", "区城管委拆违台账"],
            ["demolition_writeoff", "110106004", "2026-08", "92%", ""],  # code, unit code, percent sign
            ["新设企业数", "东铁匠营", "2026年8月", "41", ""],  # short name, Chinese month
        ],
    )
    outcome = import_file(path=path)
    assert (outcome.batch.created, outcome.batch.rejected, outcome.problems) == (3, 0, [])
    assert stored() == {
        ("demolition_writeoff", "110106003", "2026-08"): 87.5,
        ("demolition_writeoff", "110106004", "2026-08"): 92.0,
        ("new_enterprises", "110106007", "2026-08"): 41.0,
    }
    sources = dict(IndicatorValue.objects.values_list("unit__code", "source"))
    assert sources["110106003"] == "区城管委拆违台账" and sources["110106004"] == "values.csv"
    again = import_file(path=path)
    assert (again.batch.created, again.batch.unchanged, again.batch.replaced) == (0, 3, 0)
    assert IndicatorValue.objects.count() == 3


def test_xlsx_with_english_headers_and_excel_dates(tmp_path, shipped_catalogue):
    import datetime as dt

    book = Workbook()
    sheet = book.active
    sheet.append(["indicator", "unit", "month", "value", "source"])
    sheet.append(["fires", "西罗园街道", dt.datetime(2026, 7, 1), 2, "区消防救援支队"])
    sheet.append(["coarse_particles", "西罗园街道", "2026-07", 63.0, "区生态环境局"])
    path = tmp_path / "values.xlsx"
    book.save(path)
    outcome = import_file(path=path)
    assert outcome.batch.created == 2
    assert stored()[("fires", "110106003", "2026-07")] == 2


def test_every_bad_row_is_refused_with_its_reason_and_nothing_else_written(tmp_path, shipped_catalogue):
    rows = [
        ["拆违腾地销账率", "西罗园街道", "2026-08", "88", ""],  # 2: good
        ["无此指标", "西罗园街道", "2026-08", "1", ""],  # 3
        ["拆违腾地销账率", "火星街道", "2026-08", "1", ""],  # 4
        ["拆违腾地销账率", "区住建委", "2026-08", "1", ""],  # 5: a department
        ["拆违腾地销账率", "大红门街道", "2099-01", "1", ""],  # 6: future
        ["拆违腾地销账率", "大红门街道", "2026-13", "1", ""],  # 7: no such month
        ["拆违腾地销账率", "大红门街道", "2026-07", "很高", ""],  # 8: not a number
        ["火灾数", "大红门街道", "2026-07", "1.5", ""],  # 9: not a whole number
        ["拆违腾地销账率", "大红门街道", "2026-06", "120", ""],  # 10: out of range
        ["接诉即办综合成绩", "大红门街道", "2026-06", "95", ""],  # 11: the platform computes it
        ["治乱完成率", "成寿寺街道", "2026-08", "70", ""],  # 12: conflicting duplicate …
        ["治乱完成率", "成寿寺街道", "2026-08", "75", ""],  # 13: … with another value
        ["新设企业数", "成寿寺街道", "2026-08", "12", ""],  # 14: identical duplicate …
        ["新设企业数", "成寿寺街道", "2026-08", "12", ""],  # 15: … written once
        ["", "成寿寺街道", "2026-08", "12", ""],  # 16: no indicator
    ]
    path = write_csv(tmp_path / "bad.csv", rows)
    outcome = import_file(path=path)
    reasons = {p.number: (p.code, p.message) for p in outcome.problems}
    assert set(reasons) == {3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 16}
    assert reasons[3][0] == "unknown_indicator" and "未知指标“无此指标”" in reasons[3][1]
    assert reasons[4][0] == "unknown_unit" and "火星街道" in reasons[4][1]
    assert reasons[5][0] == "wrong_unit_kind" and "只用于街镇" in reasons[5][1]
    assert reasons[6][0] == "future_month" and "在未来" in reasons[6][1]
    assert reasons[7][0] == "bad_month"
    assert reasons[8][0] == "bad_value" and "不是数字" in reasons[8][1]
    assert reasons[9][0] == "not_integer"
    assert reasons[10][0] == "out_of_range" and "合理范围" in reasons[10][1]
    assert reasons[11][0] == "computed_indicator" and "由平台计算" in reasons[11][1]
    assert reasons[12][0] == reasons[13][0] == "conflicting_duplicate" and "第 12、13 行" in reasons[12][1]
    assert reasons[16][0] == "missing_indicator"
    assert stored() == {
        ("demolition_writeoff", "110106003", "2026-08"): 88.0,
        ("new_enterprises", "110106020", "2026-08"): 12.0,
    }
    assert (outcome.batch.created, outcome.batch.rejected, outcome.merged) == (2, 12, 1)
    with open(outcome.batch.reject_file, encoding="utf-8-sig") as fh:
        table = list(csv.reader(fh))
    assert table[0] == ["行号", "原因", "错误代码", *HEADER]
    assert [row[0] for row in table[1:]] == ["3", "4", "5", "6", "7", "8", "9", "10", "11", "12", "13", "16"]
    assert table[1][3:] == rows[1]  # the original columns, to fix and re-import


def test_a_different_value_for_a_stored_one_needs_replace(tmp_path, shipped_catalogue):
    first = write_csv(tmp_path / "a.csv", [["治乱完成率", "方庄街道", "2026-05", "60", "甲系统"]])
    import_file(path=first)
    second = write_csv(tmp_path / "b.csv", [["治乱完成率", "方庄街道", "2026-05", "66", "乙系统"]])
    refused = import_file(path=second)
    assert refused.problems[0].code == "value_exists" and "已有数值 60.00%" in refused.problems[0].message
    assert stored()[("disorder_completion", "110106013", "2026-05")] == 60.0
    replaced = import_file(path=second, replace=True)
    assert replaced.batch.replaced == 1
    assert stored()[("disorder_completion", "110106013", "2026-05")] == 66.0
    revision = ValueRevision.objects.get()
    assert (revision.old_value, revision.new_value, revision.old_source) == (60.0, 66.0, "甲系统")


def test_a_real_value_replaces_a_demo_one_without_asking(tmp_path, shipped_catalogue, units):
    IndicatorValue.objects.create(
        indicator="fires", unit=units["110106013"], month="2026-05-01", value=3, origin=Origin.DEMO, source="演示数据"
    )
    outcome = import_file(path=write_csv(tmp_path / "f.csv", [["火灾数", "方庄街道", "2026-05", "1", ""]]))
    assert outcome.batch.replaced == 1 and not outcome.problems
    assert IndicatorValue.objects.get().origin == Origin.IMPORT


@pytest.mark.parametrize(
    "name, content, words",
    [
        ("values.pdf", b"%PDF-1.4", "只支持"),
        ("values.csv", b"", "没有表头"),
        ("values.csv", "指标,单位,数值\n火灾数,方庄街道,1\n".encode(), "缺少列：月份"),
        ("values.csv", "指标,单位,月份,数值\n".encode(), "没有数据行"),
        ("values.xlsx", b"not a workbook", "不是有效的 Excel"),
        ("values.csv", "指标,单位,月份,数值,指标\n".encode(), "出现了多次"),
    ],
)
def test_file_level_problems_write_nothing(tmp_path, shipped_catalogue, name, content, words):
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(InvalidInput) as error:
        import_file(path=path)
    assert error.value.code == "bad_file" and words in error.value.message and "未写入任何数据" in error.value.message
    assert not IndicatorValue.objects.exists() and not ImportBatch.objects.exists()


def test_gbk_encoded_csv_is_read(tmp_path, shipped_catalogue):
    path = write_csv(tmp_path / "gbk.csv", [["火灾数", "方庄街道", "2026-05", "2", ""]], encoding="gbk")
    assert import_file(path=path).batch.created == 1


def test_the_command_reports_and_refuses_a_bad_file_in_chinese(tmp_path, shipped_catalogue):
    path = write_csv(
        tmp_path / "v.csv", [["火灾数", "方庄街道", "2026-05", "2", ""], ["火灾数", "无名街道", "2026-05", "2", ""]]
    )
    out = io.StringIO()
    call_command("import_indicators", str(path), stdout=out)
    text = out.getvalue()
    assert "新增1条" in text and "拒绝1行" in text and "未知单位“无名街道”" in text and "v.rejects.csv" in text
    (tmp_path / "x.doc").write_bytes(b"x")
    with pytest.raises(CommandError, match="只支持"):
        call_command("import_indicators", str(tmp_path / "x.doc"), stdout=io.StringIO())
    assert ImportBatch.objects.filter(error__contains="只支持").exists()


def test_a_provider_plugged_in_takes_the_indicator_off_imports(tmp_path, shipped_catalogue):
    providers.unregister("project_pool_completion")  # as if the 督办 app were not installed
    path = write_csv(tmp_path / "p.csv", [["民生项目池任务完成率", "方庄街道", "2026-05", "40", ""]])
    assert import_file(path=path).batch.created == 1  # waiting for its provider: imported meanwhile
    providers.register("project_pool_completion", lambda **kw: {})
    try:
        outcome = import_file(
            path=write_csv(tmp_path / "q.csv", [["民生项目池任务完成率", "方庄街道", "2026-06", "50", ""]])
        )
        assert outcome.problems[0].code == "computed_indicator"
    finally:
        providers.unregister("project_pool_completion")


def test_city_ranking_is_imported_with_its_source(tmp_path, shipped_catalogue):
    path = write_csv(
        tmp_path / "city.csv",
        [
            ["市级生态环境行业类考核排名", "丰台区", "2026-03", "1", "北京市生态环境局通报", "17"],
            ["市级生态环境行业类考核排名", "丰台区", "2026-02", "18", "", "17"],  # worse than last
            ["市级生态环境行业类考核排名", "西罗园街道", "2026-02", "1", "", ""],  # not the district
        ],
        header=[*HEADER, "参评数"],
    )
    outcome = import_file(path=path)
    assert [p.code for p in outcome.problems] == ["out_of_range", "wrong_unit_kind"]
    ranking = next(r for r in selectors.city_rankings(month="2026-03") if r.spec.code == "city_ecology_rank")
    assert (ranking.rank, ranking.participants, ranking.source) == (1, 17, "北京市生态环境局通报")
    assert ranking.sentence == "市级生态环境行业类考核排名：全市17个参评区中排名第一（2026年3月）"
