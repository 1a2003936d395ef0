"""Intake's contact rule (a phone or an explicit 匿名 with its reason), feedback after actions,
labelled and coloured actions from the state-machine data, the unit picker."""

import pytest

from jiesu.workorders import state_machine
from jiesu.workorders.models import State, WorkOrder
from jiesu.workorders.tests.factories import order_in_state

pytestmark = pytest.mark.django_db


def form(**extra):
    return {"content": "小区东门路灯坏了一周，晚上很黑", "address": "方庄路8号", "urgency": "general", **extra}


def test_intake_needs_a_phone_or_an_explicit_anonymous_reason(client, users):
    client.force_login(users["agent"])
    for data, message in [
        (form(), "请填写联系电话；来电人不愿留电话时，勾选“匿名”并说明原因"),
        (form(anonymous="1"), "匿名受理须说明原因"),
        (form(anonymous="1", anonymous_reason="怕被报复", requester_phone="13911112222"), "请清空联系电话"),
    ]:
        response = client.post("/intake/", data)
        page = response.content.decode()
        assert response.status_code == 400 and message in page, message
        assert "小区东门路灯坏了一周" in page  # what was typed stays in the form
    assert not WorkOrder.objects.exists()
    client.post("/intake/", form(anonymous="1", anonymous_reason="担心打击报复", client_ref="anon-1"))
    order = WorkOrder.objects.get()
    assert order.requester_phone == ""
    assert order.events.get(action="create").payload["anonymous_reason"] == "担心打击报复"
    client.force_login(users["dispatcher"])
    assert "担心打击报复" in client.get(f"/orders/{order.pk}/").content.decode()
    client.force_login(users["agent"])
    client.post("/intake/", form(requester_phone="13911112222", client_ref="p-1"))
    assert WorkOrder.objects.filter(requester_phone="13911112222").exists()


def test_every_action_says_what_it_did(client, users, units):
    order = order_in_state(State.RECEIVED, users=users, units=units)
    client.force_login(users["dispatcher"])
    response = client.post(
        f"/orders/{order.pk}/act/dispatch/", {"lead_unit": units["110106013"].pk, "next": "/console/"}, follow=True
    )
    assert f"{order.number} 已派单至方庄街道，办理期限 " in response.content.decode()
    client.force_login(users["handler"])
    page = client.post(f"/orders/{order.pk}/act/acknowledge/", follow=True).content.decode()
    assert f"{order.number} 已签收（当前状态：已签收）" in page


def test_action_panel_is_titled_and_coloured_from_the_table(client, users, units):
    order = order_in_state(State.ACKNOWLEDGED, users=users, units=units)
    client.force_login(users["handler"])
    page = client.get(f"/orders/{order.pk}/").content.decode()
    for t in state_machine.allowed_actions(user=users["handler"], order=order):
        assert f'<h3 class="action-title">{t.label}</h3>' in page
        assert f'class="{t.style}" data-button="{t.action}"' in page
    assert state_machine.get("return").style == "danger" and 'class="danger" data-button="return"' in page
    assert state_machine.get("whistle").style == "secondary"
    # the unit picker: a filter box and a checkbox list, not a Ctrl-click multi-select
    assert '<select name="units" multiple' not in page and "data-picker-list" in page
    assert 'data-picker-for="pick-whistle"' in page and "picker.js" in page


def test_bulk_dispatch_says_how_many_went_where(client, users, units):
    orders = [order_in_state(State.RECEIVED, users=users, units=units) for _ in range(3)]
    client.force_login(users["dispatcher"])
    response = client.post(
        "/console/bulk-dispatch/",
        {"order": [o.pk for o in orders], "lead_unit": units["110106013"].pk},
        follow=True,
    )
    assert "已派发 3 件（方庄街道 3 件）" in response.content.decode()
