import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from rest_framework.test import APIClient

from jiesu.attachments.models import Attachment
from jiesu.attachments.tests import samples
from jiesu.common.errors import Forbidden, InvalidInput, NotAllowed
from jiesu.hazards import selectors, services
from jiesu.hazards.indicators import hazard_rectification
from jiesu.hazards.models import Hazard, HazardEvent, HazardState, Inspection
from jiesu.hazards.timers import escalate_overdue
from jiesu.notify.models import Message

FANGZHUANG = "110106013"
MONDAY = timezone.make_aware(dt.datetime(2026, 11, 2, 9, 0))  # a working Monday


@pytest.fixture
def enterprise(units):
    services.load_checklists()
    return services.register_enterprise(
        name="和美餐厅", credit_code="91110106MA01ABCD1X", industry="餐饮", street=FANGZHUANG, lat=39.86, lng=116.42
    )


def answers(checklist_items, failed=()):
    return [
        services.ItemResult(item=i, passed=i not in failed, note="燃气报警器损坏" if i in failed else "")
        for i in checklist_items
    ]


def test_inspection_makes_hazards_with_working_day_deadlines(enterprise, users):
    inspection = services.inspect(
        user=users["handler"], enterprise_id=enterprise.pk, checklist="CATERING",
        results=answers(["C01", "C02", "C03"], failed=["C01", "C02"]), at=MONDAY,
        files=[SimpleUploadedFile("现场.jpg", samples.photo())],
    )  # fmt: skip
    hazards = {h.finding.item_code: h for h in Hazard.objects.filter(finding__inspection=inspection)}
    assert hazards["C01"].level == "major" and hazards["C02"].level == "general"
    # 10 working days from Monday 2 Nov 2026 = Monday 16 Nov (weekends skipped); 30 → 14 Dec.
    assert timezone.localtime(hazards["C02"].due_at).date() == dt.date(2026, 11, 16)
    assert timezone.localtime(hazards["C01"].due_at).date() == dt.date(2026, 12, 14)
    assert HazardEvent.objects.filter(action="create").count() == 2
    assert Attachment.objects.get().owner == inspection


@pytest.mark.parametrize(
    ("kwargs", "words"),
    [
        ({"checklist": "WAREHOUSE"}, "不适用于餐饮"),
        ({"results": answers(["C01", "C02"])}, "未填写：C03"),
        ({"files": [SimpleUploadedFile("a.jpg", samples.executable())]}, "可执行程序"),
    ],
)
def test_bad_inspection_stores_nothing(enterprise, users, kwargs, words, _attachments_in_tmp):
    args = {"checklist": "CATERING", "results": answers(["C01", "C02", "C03"], failed=["C01"]), **kwargs}
    with pytest.raises(InvalidInput, match=words):
        services.inspect(user=users["handler"], enterprise_id=enterprise.pk, at=MONDAY, **args)
    assert not Inspection.objects.exists() and not Hazard.objects.exists() and not Attachment.objects.exists()


def test_rectify_reinspect_and_close_through_the_table(enterprise, users):
    services.inspect(user=users["handler"], enterprise_id=enterprise.pk, checklist="CATERING",
                     results=answers(["C01", "C02", "C03"], failed=["C02"]), at=MONDAY)  # fmt: skip
    hazard = Hazard.objects.get()
    with pytest.raises(Forbidden, match="责任街镇"):
        services.report_rectified(user=users["other_handler"], hazard_id=hazard.pk, note="已整改")
    with pytest.raises(NotAllowed):
        services.reinspect(user=users["handler"], hazard_id=hazard.pk, passed=False, note="未整改")  # from open
    services.report_rectified(
        user=users["handler"], hazard_id=hazard.pk, note="已更换软管", at=MONDAY + dt.timedelta(days=1)
    )
    failed = services.reinspect(user=users["handler"], hazard_id=hazard.pk, passed=False, note="仍有老化",
                                at=MONDAY + dt.timedelta(days=2))  # fmt: skip
    assert failed.state == HazardState.OPEN and timezone.localtime(failed.due_at).date() == dt.date(2026, 11, 18)
    services.report_rectified(
        user=users["handler"], hazard_id=hazard.pk, note="已更换", at=MONDAY + dt.timedelta(days=3)
    )
    closed = services.reinspect(user=users["handler"], hazard_id=hazard.pk, passed=True, note="合格",
                                at=MONDAY + dt.timedelta(days=4))  # fmt: skip
    assert closed.state == HazardState.CLOSED
    assert list(closed.events.values_list("action", flat=True)) == [
        "create", "rectified", "reinspect_fail", "rectified", "reinspect_pass"]  # fmt: skip
    assert closed.events.last().payload["on_time"] is True


def test_overdue_hazards_escalate_once_per_level_and_notify(enterprise, users):
    services.inspect(user=users["handler"], enterprise_id=enterprise.pk, checklist="CATERING",
                     results=answers(["C01", "C02", "C03"], failed=["C02"]), at=MONDAY)  # fmt: skip
    hazard = Hazard.objects.get()
    assert escalate_overdue(now=hazard.due_at - dt.timedelta(hours=1)) == {"escalated": 0, "messages": 0}
    first = escalate_overdue(now=hazard.due_at + dt.timedelta(hours=1))
    assert first["escalated"] == 1 and first["messages"] >= 1
    assert escalate_overdue(now=hazard.due_at + dt.timedelta(hours=2))["escalated"] == 0  # once per level
    second = escalate_overdue(now=hazard.due_at + dt.timedelta(days=6))
    assert second["escalated"] == 1
    hazard.refresh_from_db()
    assert hazard.escalation_level == 2
    assert escalate_overdue(now=hazard.due_at + dt.timedelta(days=30))["escalated"] == 0
    recipients = set(Message.objects.filter(kind="hazard_overdue").values_list("recipient__username", flat=True))
    assert {"unit_leader", "dispatcher"} <= recipients and "other_handler" not in recipients


def test_figures_api_and_indicator(enterprise, users):
    services.inspect(user=users["handler"], enterprise_id=enterprise.pk, checklist="CATERING",
                     results=answers(["C01", "C02", "C03"], failed=["C01", "C02"]), at=MONDAY)  # fmt: skip
    h = Hazard.objects.get(finding__item_code="C02")
    services.reinspect(
        user=users["handler"], hazard_id=h.pk, passed=True, note="合格", at=MONDAY + dt.timedelta(days=3)
    )
    street = selectors.figures(by="street", now=MONDAY + dt.timedelta(days=20))[0]
    assert (street.total, street.closed, street.overdue, street.major) == (2, 1, 0, 1)
    by_industry = selectors.figures(by="industry")[0]
    assert by_industry.name == "餐饮" and by_industry.closure_rate == 50.0
    client = APIClient()
    client.force_authenticate(users["dispatcher"])
    body = client.get("/api/v1/hazards", {"state": "open"}).json()
    assert [r["level"] for r in body["results"]] == ["major"] and body["results"][0]["street"] == FANGZHUANG
    assert client.get("/api/v1/hazards", {"state": "nope"}).status_code == 400
    # November: the general hazard was due (16 Nov) and closed → 100 %; the major one is due in December.
    values = hazard_rectification(month=dt.date(2026, 11, 1), kind="street", spec=None)
    assert values[enterprise.street_id].value == 100.0


def test_pages(enterprise, users, client):
    services.inspect(user=users["handler"], enterprise_id=enterprise.pk, checklist="CATERING",
                     results=answers(["C01", "C02", "C03"], failed=["C02"]), at=MONDAY)  # fmt: skip
    hazard = Hazard.objects.get()
    client.force_login(users["handler"])
    assert "和美餐厅" in client.get("/hazards/").content.decode()
    page = client.get(f"/hazards/{hazard.pk}/").content.decode()
    assert "报告整改完成" in page
    client.post(f"/hazards/{hazard.pk}/act/rectified/", {"note": "已整改"})
    hazard.refresh_from_db()
    assert hazard.state == HazardState.AWAITING


def test_demo_marks_enterprises(units, settings, tmp_path):
    import yaml

    from jiesu.hazards.demo import load_hazard_demo

    spec = yaml.safe_load((settings.BASE_DIR / "data/hazards/demo.yaml").read_text(encoding="utf-8"))
    assert spec["count"] >= 200
    stats = load_hazard_demo(now=MONDAY)
    assert stats["enterprises"] == spec["count"] and stats["hazards"] > 0
    from jiesu.hazards.models import Enterprise

    assert not Enterprise.objects.filter(is_demo=False).exists()
    assert all("演示" in n for n in Enterprise.objects.values_list("name", flat=True)[:20])


def test_inspection_page(enterprise, users, client, _attachments_in_tmp):
    client.force_login(users["handler"])
    assert "和美餐厅" in client.get("/hazards/inspect/", {"q": "和美"}).content.decode()
    form = client.get("/hazards/inspect/", {"enterprise": enterprise.pk, "checklist": "CATERING"}).content.decode()
    assert "燃气泄漏报警装置" in form
    url = f"/hazards/inspect/?enterprise={enterprise.pk}&checklist=CATERING"
    bad = client.post(url, {"pass_C01": "0", "pass_C02": "1", "pass_C03": "1"})  # no note for the failed item
    assert bad.status_code == 400 and "请说明隐患情况" in bad.content.decode() and not Inspection.objects.exists()
    ok = client.post(
        url,
        {"pass_C01": "0", "note_C01": "报警器未通电", "pass_C02": "1", "pass_C03": "1",
         "photos": SimpleUploadedFile("现场.jpg", samples.photo())},
    )  # fmt: skip
    assert ok.status_code == 302
    hazard = Hazard.objects.get()
    assert hazard.level == "major" and Attachment.objects.get().owner == hazard.finding.inspection


def test_grid_worker_filters_the_list_to_their_grids(enterprise, units, users, client):
    from jiesu.grids.tests.helpers import FENGTAI, PHOTO_POINT, make_grid, make_worker

    grid = make_grid()
    worker = make_worker(units, grid)
    inside = services.register_enterprise(
        name="网格内五金店", credit_code="91110106MA01GRID1X", industry="餐饮", street=FENGTAI,
        lat=PHOTO_POINT[0], lng=PHOTO_POINT[1],
    )  # fmt: skip
    assert inside.grid_id == grid.pk and enterprise.grid_id != grid.pk
    for e in (enterprise, inside):
        services.inspect(user=users["handler"], enterprise_id=e.pk, checklist="CATERING",
                         results=answers(["C01", "C02", "C03"], failed=["C02"]), at=MONDAY)  # fmt: skip
    assert [h.enterprise for h in selectors.hazards(worker=worker)] == [inside]

    client.force_login(worker)
    everything = client.get("/hazards/").content.decode()
    assert "网格内五金店" in everything and "和美餐厅" in everything and 'id="only-mine"' in everything
    mine = client.get("/hazards/", {"mine": "1"}).content.decode()
    assert "网格内五金店" in mine and "和美餐厅" not in mine
    assert 'id="only-mine" checked' in mine

    # Other roles have no grids: the box is not offered and mine=1 changes nothing.
    client.force_login(users["dispatcher"])
    page = client.get("/hazards/", {"mine": "1"}).content.decode()
    assert 'id="only-mine"' not in page and "和美餐厅" in page and "网格内五金店" in page


def test_grid_worker_with_no_hazard_in_their_grids_is_told_so(enterprise, users, units, client):
    from jiesu.grids.tests.helpers import make_grid, make_worker

    services.inspect(user=users["handler"], enterprise_id=enterprise.pk, checklist="CATERING",
                     results=answers(["C01", "C02", "C03"], failed=["C02"]), at=MONDAY)  # fmt: skip
    client.force_login(make_worker(units, make_grid()))  # the grid is far from 和美餐厅
    page = client.get("/hazards/", {"mine": "1"}).content.decode()
    assert "和美餐厅" not in page and "您负责的网格内暂无隐患" in page
