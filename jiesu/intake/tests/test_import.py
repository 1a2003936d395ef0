"""Bulk import: states, units and original times; idempotence; the reject file; malformed files
abort with a Chinese message and write nothing; a batch is one transaction; the bulk path gives
the same orders and events as the services."""

import csv
import datetime as dt
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from openpyxl import Workbook

from jiesu.intake.importing.mapping import Mapping
from jiesu.intake.importing.reader import FileProblem
from jiesu.intake.importing.runner import run_import
from jiesu.workorders import bulk, services
from jiesu.workorders.models import Category, State, WorkOrder, WorkOrderEvent

MAPPINGS = Path(settings.BASE_DIR) / "jiesu" / "intake" / "mappings"
HEADER = [
    "工单编号", "受理时间", "诉求标题", "诉求内容", "诉求地址", "纬度", "经度", "诉求人", "联系电话", "诉求类别",
    "紧急程度", "所属街镇", "主办单位", "工单状态", "派单时间", "签收时间", "响应时间", "办结时间", "回访时间",
    "归档时间", "办理期限", "答复意见", "是否解决", "满意度", "不合理类型",
]  # fmt: skip


def row(ref, state="已归档", **values):
    base = {
        "工单编号": ref,
        "受理时间": "2024-03-01 09:00:00",
        "诉求内容": f"{ref} 小区路灯不亮",
        "诉求类别": "01.02.04",
        "所属街镇": "方庄街道",
        "主办单位": "110106013",
        "工单状态": state,
        "派单时间": "2024-03-01 10:00:00",
        "签收时间": "2024-03-01 11:00:00",
        "响应时间": "2024-03-01 15:00:00",
        "办结时间": "2024-03-04 16:00:00",
        "回访时间": "2024-03-05 09:30:00",
        "归档时间": "2024-03-05 10:00:00",
        "答复意见": "已修复路灯",
        "是否解决": "是",
        "满意度": "满意",
    }
    base.update(values)
    return base


def write_csv(path: Path, rows: list[dict], header=HEADER, encoding="utf-8") -> Path:
    with path.open("w", encoding=encoding, newline="") as fh:
        out = csv.DictWriter(fh, fieldnames=header, extrasaction="ignore")
        out.writeheader()
        out.writerows(rows)
    return path


@pytest.fixture
def mapping():
    return Mapping.from_yaml(MAPPINGS / "city_platform.yaml")


def at(text):
    return dt.datetime.fromisoformat(text + "+08:00")


def test_import_keeps_states_units_and_original_times(tmp_path, units, mapping):
    rows = [
        row("A1"),
        row("A2", "办理中", 办结时间="", 回访时间="", 归档时间=""),
        row("A3", "已受理", 主办单位=""),
        row("A4", "不合理诉求", 主办单位="", 不合理类型="重复诉求"),
        row("A5", "已回访", 是否解决="否", 满意度="不满意", 归档时间=""),
    ]
    result = run_import(path=write_csv(tmp_path / "in.csv", rows), mapping=mapping)
    assert (result.created_orders, result.rejected_rows) == (5, 0)
    closed = WorkOrder.objects.get(external_ref="A1")
    assert closed.state == State.CLOSED and closed.lead_unit == units["110106013"]
    assert closed.street == units["110106013"] and closed.category.code == "01.02.04"
    assert closed.received_at == at("2024-03-01T09:00:00") and closed.closed_at == at("2024-03-05T10:00:00")
    assert (closed.solved, closed.satisfaction, closed.reply) == (True, 4, "已修复路灯")
    assert closed.number == f"FT20240301{closed.pk:07d}"
    events = list(closed.events.order_by("seq"))
    assert [e.action for e in events] == [
        "create",
        "dispatch",
        "acknowledge",
        "respond",
        "resolve",
        "callback",
        "close",
    ]
    assert [e.seq for e in events] == list(range(1, 8)) and closed.version == 7
    assert events[3].at == at("2024-03-01T15:00:00") and events[-1].to_state == State.CLOSED
    assert WorkOrder.objects.get(external_ref="A2").state == State.IN_PROGRESS
    assert WorkOrder.objects.get(external_ref="A3").events.count() == 1
    unreasonable = WorkOrder.objects.get(external_ref="A4")
    assert unreasonable.state == State.UNREASONABLE and unreasonable.events.last().payload == {"kind": "repeat"}
    assert WorkOrder.objects.get(external_ref="A5").solved is False


def test_reimport_adds_nothing(tmp_path, units, mapping):
    path = write_csv(tmp_path / "in.csv", [row("B1"), row("B2", "已派单", 签收时间="")])
    first = run_import(path=path, mapping=mapping)
    counts = (WorkOrder.objects.count(), WorkOrderEvent.objects.count())
    second = run_import(path=path, mapping=mapping)
    assert first.created_orders == 2 and second.created_orders == 0 and second.skipped_existing == 2
    assert (WorkOrder.objects.count(), WorkOrderEvent.objects.count()) == counts


def test_reject_file_lists_every_unloadable_row_with_its_reason(tmp_path, units, mapping):
    rows = [
        row("C1"),
        row("C2", 主办单位="不存在的单位"),
        row("C3", 受理时间="2024-13-45 99:00:00"),
        row("C4", 诉求内容=""),
        row("C1"),  # same source number twice in the file
        row("C6", "已退单"),
        row("C7", "已办结", 答复意见="", 回访时间="", 归档时间=""),
        row("C8", 签收时间="2024-02-01 00:00:00"),
        row("C9", 诉求类别="99.99"),
        row("C10", 满意度="还行"),
        row("C11", 联系电话="电话不详"),
    ]
    result = run_import(path=write_csv(tmp_path / "in.csv", rows), mapping=mapping, batch_size=4)
    assert result.created_orders == 1 and result.rejected_rows == 10
    assert result.created_orders + result.rejected_rows + result.skipped_existing == result.total_rows == len(rows)
    with result.reject_file.open(encoding="utf-8-sig") as fh:
        rejected = list(csv.DictReader(fh))
    reasons = {r["工单编号"] + "@" + r["行号"]: r["原因"] for r in rejected}
    assert "主办单位“不存在的单位”不存在" in reasons["C2@3"]
    assert "受理时间" in reasons["C3@4"]
    assert "缺少诉求内容" in reasons["C4@5"]
    assert "重复" in reasons["C1@6"]
    assert "不支持导入状态" in reasons["C6@7"]
    assert "答复意见" in reasons["C7@8"]
    assert "时间顺序错误" in reasons["C8@9"]
    assert "诉求类别" in reasons["C9@10"]
    assert "满意度" in reasons["C10@11"]
    assert "联系电话" in reasons["C11@12"]
    assert rejected[0]["诉求内容"] == "C2 小区路灯不亮"  # the original row, to be corrected and re-imported


def test_wrong_encoding_aborts_before_writing(tmp_path, units, mapping):
    path = write_csv(tmp_path / "gbk.csv", [row("D1"), row("D2")], encoding="gbk")
    with pytest.raises(FileProblem, match="不是 utf-8 编码"):
        run_import(path=path, mapping=mapping)
    assert not WorkOrder.objects.exists()
    gbk = Mapping.from_dict({"columns": mapping.columns, "encoding": "gbk", "datetime_formats": ["%Y-%m-%d %H:%M:%S"]})
    assert run_import(path=path, mapping=gbk).created_orders == 2


def test_encoding_error_late_in_the_file_still_writes_nothing(tmp_path, units, mapping):
    path = write_csv(tmp_path / "in.csv", [row(f"E{i}") for i in range(30)])
    with path.open("ab") as fh:
        fh.write("E99,2024-03-01 09:00:00,,坏字节".encode() + b"\xff\xfe\n")
    with pytest.raises(FileProblem, match="编码"):
        run_import(path=path, mapping=mapping, batch_size=5)
    assert not WorkOrder.objects.exists()


def test_missing_columns_abort_with_their_names(tmp_path, units, mapping):
    path = write_csv(tmp_path / "in.csv", [row("F1")], header=[h for h in HEADER if h != "受理时间"])
    with pytest.raises(FileProblem, match="缺少映射所需的列：受理时间（受理时间）"):
        run_import(path=path, mapping=mapping)
    assert not WorkOrder.objects.exists()


def test_unreadable_date_format_aborts(tmp_path, units, mapping):
    rows = [row(f"G{i}", 受理时间="01.03.2024 9h") for i in range(5)]
    with pytest.raises(FileProblem, match="日期格式无法识别"):
        run_import(path=write_csv(tmp_path / "in.csv", rows), mapping=mapping)
    assert not WorkOrder.objects.exists()


def test_command_reports_file_problems_in_chinese(tmp_path, units):
    path = write_csv(tmp_path / "in.csv", [row("H1")], header=[h for h in HEADER if h != "工单编号"])
    with pytest.raises(CommandError, match="文件无法导入，未写入任何数据：文件缺少映射所需的列"):
        call_command("import_orders", str(path), "--mapping", str(MAPPINGS / "city_platform.yaml"), "--no-progress")
    with pytest.raises(CommandError, match="映射缺少必需字段的列"):
        call_command("import_orders", str(path), "--col-content=诉求内容", "--no-progress")


def test_command_with_column_flags(tmp_path, units, capsys):
    path = write_csv(
        tmp_path / "in.csv",
        [row("I1", "已派单")],
        header=["工单编号", "受理时间", "诉求内容", "工单状态", "主办单位", "派单时间"],
    )
    call_command(
        "import_orders", str(path), "--col-external-ref=工单编号", "--col-received-at=受理时间",
        "--col-content=诉求内容", "--col-state=工单状态", "--col-lead-unit=主办单位",
        "--col-dispatched-at=派单时间", "--const-urgency=紧急", "--no-progress",
    )  # fmt: skip
    order = WorkOrder.objects.get(external_ref="I1")
    assert order.state == State.DISPATCHED and order.urgency == "urgent"
    assert order.handling_due == at("2024-03-01T14:00:00")  # urgent: 4 natural hours after dispatch
    assert "新建工单 1 条" in capsys.readouterr().out


def test_xlsx(tmp_path, units, mapping):
    book = Workbook()
    sheet = book.active
    sheet.append(HEADER)
    values = row("J1")
    values["受理时间"] = dt.datetime(2024, 3, 1, 9, 0)  # Excel cells hold real datetimes
    sheet.append([values.get(h, "") for h in HEADER])
    book.save(tmp_path / "in.xlsx")
    assert run_import(path=tmp_path / "in.xlsx", mapping=mapping).created_orders == 1
    assert WorkOrder.objects.get(external_ref="J1").received_at == at("2024-03-01T09:00:00")


def test_a_failing_batch_leaves_nothing_of_itself(tmp_path, units, mapping, monkeypatch):
    path = write_csv(tmp_path / "in.csv", [row(f"K{i}") for i in range(6)])
    real_insert = bulk._insert
    calls = {"n": 0}

    def insert(model, objects, *, with_pk):
        calls["n"] += 1
        if calls["n"] == 4:  # the events of the second batch
            raise RuntimeError("数据库连接中断")
        return real_insert(model, objects, with_pk=with_pk)

    monkeypatch.setattr(bulk, "_insert", insert)
    with pytest.raises(RuntimeError):
        run_import(path=path, mapping=mapping, batch_size=3)
    assert sorted(WorkOrder.objects.values_list("external_ref", flat=True)) == ["K0", "K1", "K2"]
    assert WorkOrderEvent.objects.count() == 3 * 7
    monkeypatch.setattr(bulk, "_insert", real_insert)
    assert run_import(path=path, mapping=mapping, batch_size=3).created_orders == 3  # the rest, once


def _shape(order: WorkOrder) -> tuple[dict, list]:
    skip = {"id", "number", "tracking_code", "created_at", "updated_at", "external_ref", "channel"}
    fields = {f.attname: getattr(order, f.attname) for f in WorkOrder._meta.concrete_fields if f.attname not in skip}
    events = [
        (e.seq, e.action, e.from_state, e.to_state, e.actor_id, e.at, e.reason, e.payload)
        for e in order.events.order_by("seq")
    ]
    return fields, events


@pytest.mark.parametrize("year", ["2024", "2027"])  # 2027: deadlines on the estimated calendar
def test_bulk_path_gives_the_same_orders_and_events_as_the_services(units, year):
    category = Category.objects.get(code="01.02.04")
    t = {k: at(v.replace("2024", year)) for k, v in {
        "received": "2024-03-01T09:00:00", "dispatched_at": "2024-03-01T10:00:00",
        "acknowledged_at": "2024-03-01T11:00:00", "responded_at": "2024-03-01T15:00:00",
        "resolved_at": "2024-03-04T16:00:00", "callback_at": "2024-03-05T09:30:00", "closed_at": "2024-03-05T10:00:00",
    }.items()}  # fmt: skip
    source = {"import": {"external_ref": "S1"}}
    item = bulk.HistoricalOrder(
        external_ref="S1", content="路灯不亮", received_at=t.pop("received"), state=State.CLOSED, category=category,
        street=units["110106013"], lead_unit=units["110106013"], times=t, reply="已修复", solved=True, satisfaction=4,
        requester_phone="13800001111", address="方庄路", source=source,
    )  # fmt: skip
    bulk.write_batch([bulk.build(item)])
    imported = WorkOrder.objects.get(external_ref="S1")

    order, _ = services.create_order(
        user=None, content="路灯不亮", channel="import", category=category, street=units["110106013"],
        requester_phone="13800001111", address="方庄路", at=item.received_at, payload=source,
    )  # fmt: skip
    oid = order.pk
    services.dispatch(user=None, order_id=oid, lead_unit=units["110106013"], at=t["dispatched_at"])
    services.acknowledge(user=None, order_id=oid, at=t["acknowledged_at"])
    services.respond(user=None, order_id=oid, at=t["responded_at"])
    services.resolve(user=None, order_id=oid, reply="已修复", at=t["resolved_at"])
    services.callback(user=None, order_id=oid, solved=True, satisfaction=4, at=t["callback_at"])
    services.close(user=None, order_id=oid, at=t["closed_at"])
    replayed = WorkOrder.objects.get(pk=oid)
    assert _shape(imported) == _shape(replayed)
    assert imported.channel == replayed.channel == "import"
    assert imported.calendar_estimated == replayed.calendar_estimated == (year == "2027")
    # The assessment's monthly facts follow the bulk write as they follow each service call.
    assert _facts(imported) == _facts(replayed) != []


def _facts(order: WorkOrder) -> list[tuple]:
    from jiesu.assessment.models import OrderMonthFacts

    fields = [f.attname for f in OrderMonthFacts._meta.concrete_fields if f.attname not in ("id", "order_id")]
    return list(OrderMonthFacts.objects.filter(order=order).order_by("month").values_list(*fields))


@pytest.mark.skipif(
    not (settings.SHARED_DIR / "data/tipdm2020c/attachment4_replies.csv").exists(), reason="shared data absent"
)
def test_tipdm_attachment4_mapping(tmp_path, units):
    source = settings.SHARED_DIR / "data/tipdm2020c/attachment4_replies.csv"
    with source.open(encoding="utf-8") as fh:
        rows = list(csv.reader(fh))
    path = tmp_path / "a4.csv"
    with path.open("w", encoding="utf-8", newline="") as fh:
        csv.writer(fh).writerows(rows[:41])
    result = run_import(path=path, mapping=Mapping.from_yaml(MAPPINGS / "tipdm_attachment4.yaml"))
    assert result.created_orders + result.rejected_rows == 40
    order = WorkOrder.objects.get(external_ref=rows[1][0])
    assert order.state == State.RESOLVED and order.title == rows[1][2]
    assert order.resolved_at == at(rows[1][8].replace(" ", "T"))


@pytest.fixture
def property_projects(units):
    from jiesu.org.models import PropertyCompany, PropertyProject

    sun = PropertyCompany.objects.create(credit_code="91110106IMPTEST01", name="阳光物业")
    green = PropertyCompany.objects.create(credit_code="91110106IMPTEST02", name="翠林物业")
    return {
        "sun": PropertyProject.objects.create(company=sun, name="阳光花园", street=units["110106013"]),
        "twin_sun": PropertyProject.objects.create(company=sun, name="和谐家园", street=units["110106013"]),
        "twin_green": PropertyProject.objects.create(company=green, name="和谐家园", street=units["110106001"]),
    }


def test_property_project_column_links_orders_and_rejects_unknown_names(tmp_path, units, property_projects):
    data = Mapping.from_yaml(MAPPINGS / "city_platform.yaml")
    mapping = Mapping(
        columns={**data.columns, "property_project": "物业项目", "property_company": "物业企业"},
        states=data.states,
        datetime_formats=data.datetime_formats,
    )
    rows = [
        row("P1", 物业项目="阳光花园"),
        row("P2", 物业项目="和谐家园", 物业企业="翠林物业"),
        row("P3"),  # no project: left empty
        row("P4", 物业项目="不存在的小区"),
        row("P5", 物业项目="和谐家园"),  # two companies have one: the company is needed
        row("P6", 物业项目="阳光花园", 物业企业="翠林物业"),
    ]
    path = write_csv(tmp_path / "p.csv", rows, header=[*HEADER, "物业项目", "物业企业"])
    result = run_import(path=path, mapping=mapping)
    assert result.created_orders == 3 and result.rejected_rows == 3
    linked = {o.external_ref: o.property_project for o in WorkOrder.objects.all()}
    assert linked == {"P1": property_projects["sun"], "P2": property_projects["twin_green"], "P3": None}
    create = WorkOrderEvent.objects.get(order__external_ref="P1", action="create")
    assert create.payload["property_project_by"] == "import"
    with result.reject_file.open(encoding="utf-8-sig") as fh:
        reasons = {r["工单编号"]: r["原因"] for r in csv.DictReader(fh)}
    assert "物业项目“不存在的小区”未登记" in reasons["P4"]
    assert "不唯一" in reasons["P5"] and "物业企业" in reasons["P5"]
    assert "物业项目“阳光花园”（物业企业“翠林物业”）未登记" in reasons["P6"]


def test_bulk_path_links_the_property_project_as_the_service_does(units, property_projects):
    project = property_projects["sun"]
    received = at("2024-03-01T09:00:00")
    source = {"import": {"external_ref": "S2"}}
    item = bulk.HistoricalOrder(
        external_ref="S2", content="电梯停运", received_at=received, address="方庄路", source=source,
        property_project=project,
    )  # fmt: skip
    bulk.write_batch([bulk.build(item)])
    imported = WorkOrder.objects.get(external_ref="S2")
    order, _ = services.create_order(
        user=None, content="电梯停运", channel="import", address="方庄路", at=received, payload=source,
        property_project=project, property_project_by="import",
    )  # fmt: skip
    assert _shape(imported) == _shape(WorkOrder.objects.get(pk=order.pk))
    assert imported.property_project == project
