"""The recent demo (演示数据): months ending today, every channel, the side lines of the loop at
their rates, real texts, Fengtai places, marked — written by the bulk writer, whose side-line
events are exactly the services' (checked by replaying the same history through the services)."""

import datetime as dt
from collections import Counter
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.utils import timezone

from jiesu.workorders import bulk, services
from jiesu.workorders.bulk import Step
from jiesu.workorders.demo import create_demo_users
from jiesu.workorders.demo_recent import ORIGIN, load_recent_demo, places
from jiesu.workorders.models import Category, State, WorkOrder, WorkOrderEvent

SHARED = Path(settings.SHARED_DIR) / "data"
pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(not (SHARED / "haikou12345" / "orders.csv").exists(), reason="shared data absent"),
]
TZ = dt.timezone(dt.timedelta(hours=8))


@pytest.fixture
def demo(units):
    create_demo_users(spec_path=settings.BASE_DIR / "data" / "org" / "demo_users.yaml")
    now = dt.datetime(2026, 11, 20, 15, 0, tzinfo=TZ)
    stats = load_recent_demo(shared=SHARED, months=3, per_month=400, now=now)
    return stats, now


def test_months_end_today_with_every_channel_and_open_work(demo):
    stats, now = demo
    assert list(stats.by_month) == ["2026-09", "2026-10", "2026-11"]
    assert stats.orders == WorkOrder.objects.count() > 900
    assert all(o.received_at < now for o in WorkOrder.objects.all()[:200])
    latest = WorkOrder.objects.order_by("-received_at").first()
    assert now - latest.received_at < dt.timedelta(days=2)  # the current month is live
    channels = Counter(WorkOrder.objects.values_list("channel", flat=True))
    assert {"hotline", "web", "app", "grid"} <= set(channels) and channels.most_common(1)[0][0] == "hotline"
    states = Counter(WorkOrder.objects.values_list("state", flat=True))
    assert states[State.CLOSED] > stats.orders / 2
    assert (
        states[State.RECEIVED] + states[State.DISPATCHED] + states[State.ACKNOWLEDGED] + states[State.IN_PROGRESS] > 0
    )


def test_the_side_lines_happen_at_realistic_rates(demo):
    stats, _ = demo
    actions = Counter(WorkOrderEvent.objects.values_list("action", flat=True))
    for action in ("return", "rule_dispute", "request_extension", "approve_extension", "supervise", "escalate",
                   "whistle", "reopen", "mark_unreasonable"):  # fmt: skip
        assert actions[action] > 0, action
    assert actions["return"] < 0.12 * stats.orders and actions["escalate"] < 0.05 * stats.orders
    unreached = WorkOrderEvent.objects.filter(action="callback", payload__reached=False).count()
    assert 0 < unreached < 0.15 * actions["callback"]
    bad = WorkOrder.objects.filter(satisfaction__lte=2).count()
    assert 0 < bad < 0.25 * actions["callback"]
    assert WorkOrder.objects.filter(escalation_level__gt=0).count() == actions["escalate"]
    assert WorkOrder.assisting_units.through.objects.exists()  # 吹哨 and 协办 units were linked
    linked = WorkOrder.objects.filter(property_project__isnull=False)
    assert 0 < linked.count() < 0.3 * stats.orders  # 物业 orders feed the red/black list
    assert all(
        o.address.startswith(f"北京市丰台区{o.property_project.street.name}{o.property_project.name}")
        for o in linked[:50]
    )


def test_the_heating_season_shows_in_november(demo):
    heating = WorkOrder.objects.filter(category__path__startswith="公共服务/供暖")
    november = heating.filter(received_at__month=11).count()
    september = heating.filter(received_at__month=9).count()
    assert november > max(3, 3 * september)


def test_orders_are_marked_with_real_texts_and_fengtai_places(demo):
    order = WorkOrder.objects.order_by("pk").first()
    create = order.events.get(action="create")
    assert create.payload["origin"] == ORIGIN and order.external_ref.startswith("demo:")
    texts = list(WorkOrder.objects.values_list("content", flat=True)[:300])
    assert not any("海口市" in t or "龙华区" in t for t in texts)
    assert all(WorkOrder.objects.filter(category__isnull=False).count() == WorkOrder.objects.count() for _ in [0])
    names = {name for values in places().values() for name in values}
    addresses = list(WorkOrder.objects.values_list("address", flat=True)[:300])
    assert all(a.startswith("北京市丰台区") for a in addresses)
    plain = {n.replace("{n}号", "") for n in names}
    assert sum(any(p in a for p in plain) for a in addresses) > 0.9 * len(addresses)


def test_monthly_facts_agree_with_the_event_log(demo):
    call_command("rebuild_order_facts", "--check")  # raises CommandError when a fact disagrees


def test_the_load_command_refuses_to_double_the_demo(demo, capsys):
    call_command("load_demo", "--if-empty")
    assert "跳过" in capsys.readouterr().out


def _shape(order: WorkOrder) -> tuple[dict, list, set, set]:
    skip = {"id", "number", "tracking_code", "created_at", "updated_at", "external_ref"}  # random or per-row
    fields = {f.attname: getattr(order, f.attname) for f in WorkOrder._meta.concrete_fields if f.attname not in skip}
    events = [
        (e.seq, e.action, e.from_state, e.to_state, e.at, e.reason, e.payload) for e in order.events.order_by("seq")
    ]
    calls = set(order.whistle_calls.values_list("unit_id", "called_at", "report_due"))
    return fields, events, set(order.assisting_units.values_list("pk", flat=True)), calls


def test_side_line_events_are_exactly_the_services(units):
    """Return → ruling → extension → 督办 → 提级 → 吹哨 → unsolved callback → 重办 → solved → close,
    once by the bulk writer, once through the services: same order, same events, same facts."""
    category = Category.objects.filter(level=3).order_by("code").first()
    fz, yam, zjw = units["110106013"], units["110106001"], units["110106-D01"]
    t0 = dt.datetime(2026, 10, 12, 9, 0, tzinfo=TZ)
    h = dt.timedelta(hours=1)
    plan = [
        Step("dispatch", t0 + h, params={"lead_unit": fz}),
        Step("return", t0 + 2 * h, "不属于本单位职责"),
        Step("rule_dispute", t0 + 3 * h, "退单成立", {"lead_unit": yam}),
        Step("acknowledge", t0 + 4 * h),
        Step("respond", t0 + 5 * h, "已联系"),
        Step("request_extension", t0 + 6 * h, "需协调", {"days": 5}),
        Step("approve_extension", t0 + 7 * h, "同意"),
        Step("supervise", t0 + 8 * h, "请加快"),
        Step("escalate", t0 + 9 * h, "提级"),
        Step("whistle", t0 + 10 * h, "吹哨", {"units": [zjw]}),
        Step("resolve", t0 + 30 * h, params={"reply": "已处理"}),
        Step("callback", t0 + 40 * h, params={"solved": False, "satisfaction": 2}),
        Step("reopen", t0 + 41 * h, "未解决"),
        Step("resolve", t0 + 60 * h, params={"reply": "已再次处理"}),
        Step("callback", t0 + 70 * h, params={"solved": True, "satisfaction": 5}),
        Step("close", t0 + 71 * h),
    ]
    common = {"content": "小区门口路灯不亮", "category": category, "street": fz, "requester_phone": "13800001111"}
    item = bulk.HistoricalOrder(external_ref="B1", received_at=t0, channel="hotline", steps=plan, **common)
    bulk.write_batch([bulk.build(item)])
    written = WorkOrder.objects.get(external_ref="B1")

    order, _ = services.create_order(user=None, channel="hotline", at=t0, **common)
    oid, s = order.pk, services
    s.dispatch(user=None, order_id=oid, lead_unit=fz, at=plan[0].at)
    s.return_order(user=None, order_id=oid, reason="不属于本单位职责", at=plan[1].at)
    s.rule_dispute(user=None, order_id=oid, upheld=True, reason="退单成立", new_lead_unit=yam, at=plan[2].at)
    s.acknowledge(user=None, order_id=oid, at=plan[3].at)
    s.respond(user=None, order_id=oid, note="已联系", at=plan[4].at)
    s.request_extension(user=None, order_id=oid, days=5, reason="需协调", requester_informed=True, at=plan[5].at)
    s.approve_extension(user=None, order_id=oid, reason="同意", at=plan[6].at)
    s.supervise(user=None, order_id=oid, reason="请加快", at=plan[7].at)
    s.escalate(user=None, order_id=oid, reason="提级", at=plan[8].at)
    s.whistle(user=None, order_id=oid, units=[zjw], reason="吹哨", at=plan[9].at)
    s.resolve(user=None, order_id=oid, reply="已处理", at=plan[10].at)
    s.callback(user=None, order_id=oid, solved=False, satisfaction=2, at=plan[11].at)
    s.reopen(user=None, order_id=oid, reason="未解决", at=plan[12].at)
    s.resolve(user=None, order_id=oid, reply="已再次处理", at=plan[13].at)
    s.callback(user=None, order_id=oid, solved=True, satisfaction=5, at=plan[14].at)
    s.close(user=None, order_id=oid, at=plan[15].at)
    replayed = WorkOrder.objects.get(pk=oid)
    a, b = _shape(written), _shape(replayed)
    assert [e[-1] for e in a[1] if e not in b[1]] == [e[-1] for e in b[1] if e not in a[1]]
    assert [e for e in a[1] if e not in b[1]] == [] and [e for e in b[1] if e not in a[1]] == []
    assert {k: v for k, v in a[0].items() if a[0][k] != b[0][k]} == {}
    assert a == b
    assert written.state == State.CLOSED and written.reopen_count == 1 and written.extension_count == 1

    from jiesu.assessment.models import OrderMonthFacts

    fields = [f.attname for f in OrderMonthFacts._meta.concrete_fields if f.attname not in ("id", "order_id")]
    facts = [
        list(OrderMonthFacts.objects.filter(order=o).order_by("month").values_list(*fields))
        for o in (written, replayed)
    ]
    assert facts[0] == facts[1] != []


def test_a_step_out_of_order_is_refused(units):
    from jiesu.common.errors import InvalidInput

    t0 = timezone.now() - dt.timedelta(days=2)
    item = bulk.HistoricalOrder(
        external_ref="B2", content="路灯不亮", received_at=t0, street=units["110106013"],
        steps=[Step("acknowledge", t0 + dt.timedelta(hours=1))],
    )  # fmt: skip
    with pytest.raises(Exception) as refused:
        bulk.build(item)
    assert refused.type.__name__ in {"NotAllowed", InvalidInput.__name__}


def test_no_order_is_dispatched_to_an_outcome(demo):
    from jiesu.org.models import UnitKind

    assert not WorkOrder.objects.filter(lead_unit__kind=UnitKind.CITY_RETURN).exists()


def test_the_bulk_writer_refuses_what_the_services_refuse(units):
    from jiesu.common.errors import InvalidInput
    from jiesu.org.models import Unit, UnitKind

    outcome = Unit.objects.filter(kind=UnitKind.CITY_RETURN).first() or Unit.objects.create(
        code="CITY", name="退回市级", kind=UnitKind.CITY_RETURN
    )
    t0 = timezone.now() - dt.timedelta(days=2)
    item = bulk.HistoricalOrder(
        external_ref="B3", content="路灯不亮", received_at=t0, street=units["110106013"],
        steps=[Step("dispatch", t0 + dt.timedelta(hours=1), params={"lead_unit": outcome})],
    )  # fmt: skip
    with pytest.raises(InvalidInput, match="主办单位无效"):
        bulk.build(item)


def test_every_page_and_each_order_say_demo(demo, client):
    from django.core.cache import cache

    from jiesu.org.models import User

    cache.delete("jiesu:demo-loaded")
    client.force_login(User.objects.get(username="leader"))
    assert 'class="demo-mark"' in client.get("/overview/").content.decode()
    order = WorkOrder.objects.order_by("pk").first()
    assert 'class="tag demo-tag">演示数据' in client.get(f"/orders/{order.pk}/").content.decode()


def test_every_source_text_passes_the_validation_layer():
    """The demo draws texts at random for months ending today: one source text the validation layer
    refuses (a backspace, a newline in a title) once stopped bin/start on a given day."""
    from jiesu.common import validation
    from jiesu.workorders.demo_recent import read_texts

    orders, letters, replies = read_texts(shared=Path(settings.SHARED_DIR) / "data")
    assert len(orders) + len(letters) > 10_000
    for text in [*orders, *letters]:
        validation.clean_text(text.title, kind="title", field="title", multiline=False)
        validation.clean_text(text.content, kind="content", field="content", required=True)
    assert not any(validation.has_control_chars(reply) for reply in replies)
