"""Learning from returns: every return/redispatch/ruling becomes a correction; retraining turns them
into routing memory that changes later recommendations; 退单率 per category for the console."""

import pytest
from django.core.management import call_command

from jiesu.dispatch import locator, recommend, router, services
from jiesu.dispatch.models import Correction, CorrectionKind, RoutingMemory
from jiesu.dispatch.selectors import recommendation_acceptance, return_rate_by_category
from jiesu.dispatch.tests.fakes import FakeClassifier, no_routing_model
from jiesu.workorders import services as workorders
from jiesu.workorders.models import Category

FANGZHUANG, YOUANMEN, FANGGUANJU, ZHUJIANWEI = "110106013", "110106001", "110106-D03", "110106-D01"


@pytest.fixture(autouse=True)
def fake_classifier(monkeypatch):
    monkeypatch.setattr(recommend, "_classifier", lambda: FakeClassifier())
    monkeypatch.setattr(recommend, "_routing_model", no_routing_model)
    locator.cache.clear()
    router.cache.clear()
    yield
    locator.cache.clear()
    router.cache.clear()


def property_order(users, n=0, address="丰台区芳群园二区3号楼"):
    order, _ = workorders.create_order(
        user=users["agent"],
        title="物业不作为",
        content=f"小区物业长期不清理垃圾，第{n}次反映",
        address=address,
        requester_phone=f"1380000{n:04d}",
    )
    return order


def dispatch_as_recommended(users, order):
    body = services.recommend_order(order_id=order.pk)
    lead = body["lead_units"][0]["unit_id"]
    category = Category.objects.get(code=body["category"]["chosen"]["code"])
    workorders.dispatch(user=users["dispatcher"], order_id=order.pk, lead_unit=lead, category=category)
    return body


def test_return_redispatch_and_rulings_become_corrections(users, units):
    order = property_order(users)
    dispatch_as_recommended(users, order)
    workorders.return_order(
        user=users["handler"], order_id=order.pk, reason="属房管局职责", suggested_unit=units[FANGGUANJU]
    )
    ret = Correction.objects.get(order_id=order.pk, kind=CorrectionKind.RETURN)
    assert ret.wrong_unit_id == units[FANGZHUANG].pk and ret.correct_unit_id == units[FANGGUANJU].pk
    assert ret.category.path == "城乡建设" and ret.street_id == units[FANGZHUANG].pk  # from the recommendation
    workorders.rule_dispute(
        user=users["dispatcher"], order_id=order.pk, upheld=True, reason="同意", new_lead_unit=units[FANGGUANJU]
    )
    upheld = Correction.objects.get(order_id=order.pk, kind=CorrectionKind.DISPUTE_UPHELD)
    assert (upheld.wrong_unit_id, upheld.correct_unit_id) == (units[FANGZHUANG].pk, units[FANGGUANJU].pk)
    workorders.redispatch(user=users["dispatcher"], order_id=order.pk, lead_unit=units[ZHUJIANWEI], reason="改由住建委")
    redo = Correction.objects.get(order_id=order.pk, kind=CorrectionKind.REDISPATCH)
    assert (redo.wrong_unit_id, redo.correct_unit_id) == (units[FANGGUANJU].pk, units[ZHUJIANWEI].pk)

    other = property_order(users, 1)
    dispatch_as_recommended(users, other)
    workorders.return_order(user=users["handler"], order_id=other.pk, reason="不属我街道")
    workorders.rule_dispute(user=users["dispatcher"], order_id=other.pk, upheld=False, reason="属地管理，退回无效")
    rejected = Correction.objects.get(order_id=other.pk, kind=CorrectionKind.DISPUTE_REJECTED)
    assert rejected.correct_unit_id == units[FANGZHUANG].pk and rejected.wrong_unit_id is None


def test_correction_loop_changes_a_later_recommendation(users, units):
    before = services.recommend_order(order_id=property_order(users, 0).pk)
    assert before["lead_units"][0]["code"] == FANGZHUANG
    for n in (1, 2):
        order = property_order(users, n)
        dispatch_as_recommended(users, order)
        workorders.redispatch(
            user=users["dispatcher"], order_id=order.pk, lead_unit=units[FANGGUANJU], reason="物业问题由房管局牵头"
        )
    result = services.retrain_routing_memory()
    assert result.corrections == 2 and result.rows > 0
    assert RoutingMemory.objects.filter(version=result.version, unit=units[FANGGUANJU], confirmed=2).exists()

    after = services.recommend_order(order_id=property_order(users, 3).pk)
    assert after["lead_units"][0]["code"] == FANGGUANJU
    assert any("派单经验" in r and "2 次" in r for r in after["lead_units"][0]["reasons"])
    assert after["model_version"].endswith(result.version)
    fangzhuang = next(u for u in after["lead_units"] if u["code"] == FANGZHUANG)
    assert any("退回/改走" in r for r in fangzhuang["reasons"])
    # Memory is per street: 右安门 still goes to its own street office.
    elsewhere = services.recommend_order(order_id=property_order(users, 4, address="右安门玉林东里2号").pk)
    assert elsewhere["lead_units"][0]["code"] == YOUANMEN


def test_a_failing_correction_never_blocks_the_return(users, units, monkeypatch):
    order = property_order(users)
    dispatch_as_recommended(users, order)

    def broken(**kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(services, "record_correction", broken)
    workorders.return_order(user=users["handler"], order_id=order.pk, reason="不属我街道")
    assert not Correction.objects.filter(order_id=order.pk).exists()
    monkeypatch.undo()
    assert services.sync_corrections() == 1
    assert Correction.objects.filter(order_id=order.pk, kind=CorrectionKind.RETURN).exists()


def test_return_rate_by_category_and_acceptance(users, units):
    orders = [property_order(users, n) for n in range(4)]
    for order in orders:
        dispatch_as_recommended(users, order)
    workorders.return_order(user=users["handler"], order_id=orders[0].pk, reason="不属我街道")
    bus, _ = workorders.create_order(user=users["agent"], title="公交", content="公交车不停站", address="方庄路")
    workorders.dispatch(
        user=users["dispatcher"],
        order_id=bus.pk,
        lead_unit=units["110106-D18"],
        category=Category.objects.get(path="交通运输"),
    )
    rows = {r["category_path"]: r for r in return_rate_by_category()}
    assert rows["城乡建设"]["dispatched"] == 4 and rows["城乡建设"]["returned"] == 1
    assert rows["城乡建设"]["return_rate"] == pytest.approx(0.25)
    assert rows["交通运输"]["return_rate"] == 0
    assert list(rows)[0] == "城乡建设"  # weakest routing first
    acceptance = recommendation_acceptance()
    assert acceptance["manually_dispatched"] == 4 and acceptance["acceptance_rate"] == 1.0


def test_return_rates_api_and_retrain_command(users, units, tmp_path):
    from rest_framework.test import APIClient

    order = property_order(users)
    dispatch_as_recommended(users, order)
    workorders.redispatch(user=users["dispatcher"], order_id=order.pk, lead_unit=units[FANGGUANJU], reason="改派")
    client = APIClient()
    client.force_authenticate(users["dispatcher"])
    body = client.get("/api/v1/dispatch/return-rates").json()
    assert body["results"][0]["redispatched"] == 1
    assert client.get("/api/v1/dispatch/return-rates?level=9").json()["code"] == "invalid_parameter"
    assert client.get("/api/v1/dispatch/return-rates?since=yesterday").status_code == 400

    out = tmp_path / "labels.csv"
    call_command("retrain_dispatch", "--export-labels", str(out), verbosity=0)
    lines = out.read_text(encoding="utf-8").splitlines()
    assert lines[0] == "title,content,label" and lines[1].endswith(",城乡建设")
