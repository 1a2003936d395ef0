import datetime as dt

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from jiesu.common.errors import Forbidden, InvalidInput, NotAllowed
from jiesu.grids import field_services, figures, verification
from jiesu.grids.models import ReportKind
from jiesu.grids.tests.helpers import gps_photo, make_grid, make_worker, order_datum
from jiesu.workorders import services as orders
from jiesu.workorders.models import WorkOrderEvent


@pytest.fixture
def setup(units, users):
    grid = make_grid()
    worker = make_worker(units, grid)
    lat, lng = order_datum(39.86, 116.29)
    order, _ = orders.create_order(user=users["agent"], content="楼道堆物", lat=lat, lng=lng)
    return grid, worker, order


def test_send_and_answer_verification(setup, users):
    # The worker's message is notify's, for live events (test_verification_actions.py); a request
    # replayed with a past `at` tells nobody.
    grid, worker, order = setup
    at = timezone.make_aware(dt.datetime(2026, 11, 30, 9, 0))  # a Monday, working hours
    sent = orders.request_verification(user=users["dispatcher"], order_id=order.pk, at=at)
    pending = sent.pending_verification
    assert pending["worker"] == worker.pk and pending["grid"] == grid.pk
    assert dt.datetime.fromisoformat(pending["due"]) == at + dt.timedelta(hours=2)  # 2 working hours (data)
    assert [o.pk for o in verification.pending_for(user=worker)] == [order.pk]
    with pytest.raises(NotAllowed, match="已派网格员核实"):
        orders.request_verification(user=users["dispatcher"], order_id=order.pk, at=at)
    other = make_worker(units=None, grid=make_grid(code="S9", around=(39.95, 116.40)), username="wg9")
    with pytest.raises(NotAllowed, match="其他网格员"):
        orders.verify(user=other, order_id=order.pk, result="confirmed", note="x", at=at)
    done = orders.verify(
        user=worker, order_id=order.pk, result="confirmed", note="现场属实", at=at + dt.timedelta(minutes=150)
    )
    assert done.pending_verification is None and done.state == "received"
    event = WorkOrderEvent.objects.get(order=order, action="verify")
    assert event.payload | {} == {
        "grid": grid.pk, "worker": worker.pk, "result": "confirmed", "result_label": "情况属实", "note": "现场属实",
        "requested_at": at.isoformat(), "verified_at": (at + dt.timedelta(minutes=150)).isoformat(),
        "minutes": 150, "late": True,
    }  # fmt: skip


def test_only_dispatchers_send_and_orders_need_a_grid(setup, users):
    grid, worker, order = setup
    with pytest.raises(Forbidden):
        orders.request_verification(user=users["handler"], order_id=order.pk)
    nowhere, _ = orders.create_order(user=users["agent"], content="没有坐标")
    with pytest.raises(InvalidInput, match="不在任何网格内"):
        orders.request_verification(user=users["dispatcher"], order_id=nowhere.pk)


def test_api_send_and_answer(setup, users):
    grid, worker, order = setup
    client = APIClient()
    client.force_authenticate(users["dispatcher"])
    sent = client.post(f"/api/v1/orders/{order.pk}/verification")
    assert sent.status_code == 200 and sent.json()["pending_verification"]["worker"] == worker.pk
    client.force_authenticate(worker)
    bad = client.post(f"/api/v1/orders/{order.pk}/verification/answer", {"result": "maybe", "note": "x"}, format="json")
    assert bad.status_code == 400
    ok = client.post(
        f"/api/v1/orders/{order.pk}/verification/answer", {"result": "handled", "note": "已处置"}, format="json"
    )
    assert ok.status_code == 200 and ok.json()["verification"]["result_label"] == "已现场处置"


def test_per_grid_figures(setup, users):
    grid, worker, order = setup
    field_services.report(user=worker, description="井盖破损", lat=39.861, lng=116.291)
    field_services.report(user=worker, description="小广告", kind=ReportKind.SELF_HANDLED, files=[gps_photo()])
    orders.request_verification(user=users["dispatcher"], order_id=order.pk)
    orders.verify(user=worker, order_id=order.pk, result="confirmed", note="属实")
    now = timezone.now()
    layer, rows = figures.per_grid(start=now - dt.timedelta(days=1), end=now + dt.timedelta(days=1), layer="T-1")
    assert layer.code == "T-1"
    row = rows[0]
    assert (row.code, row.volume, row.citizen, row.self_found, row.self_handled) == ("S1", 2, 1, 2, 1)
    assert row.self_found_share == pytest.approx(66.7)
    assert row.verifications == 1 and row.verification_median_min == 0 and row.late_verifications == 0


def test_review_pack_and_dashboard_show_the_grid_section(setup, users, client):
    import io

    from django.core.management import call_command
    from openpyxl import load_workbook

    from jiesu.reports.excel import review_workbook
    from jiesu.reports.grids_section import build_grid_section
    from jiesu.reports.review import build_review

    call_command("load_assessment_rules", verbosity=0)
    grid, worker, order = setup
    field_services.report(user=worker, description="井盖破损", lat=39.861, lng=116.291)
    month = timezone.localdate().replace(day=1)
    section = build_grid_section(month=month, layer="T-1")
    assert section.volume == 2 and section.citizen == 1 and section.self_found == 1
    review = build_review(month=month)
    assert review.grids is not None and review.grids.rows[0].code == "S1"
    sheet = load_workbook(io.BytesIO(review_workbook(review)))["热线+网格"]
    assert [c.value for c in sheet[2]][:4] == ["网格S1", 2, 1, 1]
    client.force_login(users["district_leader"])
    page = client.get("/reports/dashboard/", {"month": f"{month:%Y-%m}"}).content.decode()
    assert "热线+网格" in page and "网格S1" in page
    # The review page renders the same section (it raised on a template filter's missing argument).
    review_page = client.get(f"/reports/review/{month:%Y-%m}/")
    assert review_page.status_code == 200 and "网格S1" in review_page.content.decode()
