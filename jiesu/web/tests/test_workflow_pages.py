"""The 提级响应 queue and the 吹哨报到 page, and their forms on the order page."""

import datetime as dt

import pytest
from django.utils import timezone

from jiesu.workorders import services
from jiesu.workorders.models import State, WhistleCall
from jiesu.workorders.tests.factories import order_in_state

pytestmark = pytest.mark.django_db
ZHUJIANWEI = "110106-D01"


def test_escalation_from_the_order_page_shows_the_level_everywhere(client, users, units):
    order = order_in_state(State.IN_PROGRESS, users=users, units=units)
    client.force_login(users["dispatcher"])
    page = client.get(f"/orders/{order.pk}/").content.decode()
    assert "提级至 <b>区部门</b>" in page and 'name="coordinator_unit"' in page
    blank = client.post(f"/orders/{order.pk}/act/escalate/", {"reason": "重点件", "coordinator_unit": ""})
    assert blank.status_code == 400 and "请选择统筹单位" in blank.content.decode()
    client.post(
        f"/orders/{order.pk}/act/escalate/", {"reason": "重点件", "coordinator_unit": str(units[ZHUJIANWEI].pk)}
    )
    detail = client.get(f"/orders/{order.pk}/").content.decode()
    assert (
        'id="order-level">区部门 <span class="tag tag-level">已提级</span> · 统筹：北京市丰台区住房和城乡建设委员会'
        in detail
    )
    queue = client.get("/escalations/?level=department").content.decode()
    assert order.number in queue and "区部门" in queue
    assert order.number not in client.get("/escalations/?level=district").content.decode()
    listed = client.get("/orders/?level=department").content.decode()
    assert order.number in listed and "tag-level" in listed
    client.force_login(users["handler"])
    assert order.number in client.get("/workbench/?state=in_progress").content.decode()
    assert "区部门" in client.get("/workbench/?state=in_progress").content.decode()


def test_called_unit_reports_from_the_page_and_sees_its_rate(client, users, units):
    order = order_in_state(State.IN_PROGRESS, users=users, units=units)
    services.whistle(user=users["handler"], order_id=order.pk, units=[units[ZHUJIANWEI]], reason="需住建委到场")
    client.force_login(users["dept_handler"])
    mine = client.get("/whistle/").content.decode()
    assert order.number in mine and "去报到" in mine
    page = client.get(f"/orders/{order.pk}/").content.decode()
    assert 'data-button="report_in"' in page and 'data-button="contribute"' not in page
    client.post(f"/orders/{order.pk}/act/report_in/", {"note": "两人到场"})
    page = client.get(f"/orders/{order.pk}/").content.decode()
    assert 'data-button="report_in"' not in page and 'data-button="contribute"' in page
    client.post(f"/orders/{order.pk}/act/contribute/", {"contribution": "已责令施工方清运"})
    rates = client.get("/whistle/").content.decode()
    assert "已责令施工方清运" in rates and "100%" in rates


def test_a_late_report_shows_the_chinese_message_on_the_order_page(client, users, units):
    order = order_in_state(State.IN_PROGRESS, users=users, units=units)
    services.whistle(user=users["handler"], order_id=order.pk, units=[units[ZHUJIANWEI]], reason="需住建委到场")
    WhistleCall.objects.filter(order=order).update(report_due=timezone.now() - dt.timedelta(minutes=5))
    client.force_login(users["dept_handler"])
    response = client.post(f"/orders/{order.pk}/act/report_in/", {})
    text = response.content.decode()
    assert response.status_code == 409 and "已超过报到时限" in text and f"/orders/{order.pk}/" in text


def test_joint_handling_form(client, users, units):
    order = order_in_state(State.IN_PROGRESS, users=users, units=units)
    services.whistle(user=users["handler"], order_id=order.pk, units=[units[ZHUJIANWEI]], reason="需住建委到场")
    client.force_login(users["handler"])
    bad = client.post(f"/orders/{order.pk}/act/joint_handling/", {"participants": [], "held_at": "", "place": "x"})
    assert bad.status_code == 400
    client.post(
        f"/orders/{order.pk}/act/joint_handling/",
        {
            "participants": [str(units["110106013"].pk), str(units[ZHUJIANWEI].pk)],
            "held_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"),
            "place": "芳城园一区",
            "result": "渣土已清运",
        },
    )
    page = client.get(f"/orders/{order.pk}/").content.decode()
    assert "联合处置" in page and "渣土已清运" in page


def test_the_centre_spot_checks_from_the_console(client, users, units):
    from jiesu.workorders.tests.factories import do, spot_check_rates

    order = order_in_state(State.PENDING_CHECK, users=users, units=units)
    with spot_check_rates(1.0):
        do("approve_to_spot_check", order=order, users=users, units=units)
    client.force_login(users["dispatcher"])
    queue = client.get("/console/?tab=spot_checks").content.decode()
    assert order.number in queue and "抽查通过" in queue
    blank = client.post(f"/orders/{order.pk}/act/fail_spot_check/", {"reason": ""})
    assert blank.status_code == 400 and "请填写抽查意见" in blank.content.decode()
    done = client.post(f"/orders/{order.pk}/act/pass_spot_check/", {"next": "/console/?tab=spot_checks"}, follow=True)
    assert "已抽查通过（当前状态：已办结）" in done.content.decode()
    assert order.number not in client.get("/console/?tab=spot_checks").content.decode()
