"""Pages and permissions through Django's test client."""

import pytest

from jiesu.workorders import services
from jiesu.workorders.models import State, WorkOrder, WorkOrderEvent
from jiesu.workorders.tests.factories import resolve_through_checks, spot_check_rates

pytestmark = pytest.mark.django_db


def login(client, user):
    client.force_login(user)
    return client


@pytest.mark.parametrize(
    ("role", "home"),
    [
        ("agent", "/intake/"),
        ("dispatcher", "/console/"),
        ("callback", "/callback/"),
        ("handler", "/workbench/"),
        ("unit_leader", "/workbench/"),
        ("district_leader", "/overview/"),
        ("auditor", "/orders/"),
    ],
)
def test_each_role_lands_on_its_home(client, users, role, home):
    response = client.post("/login/", {"username": role, "password": "pw-test-123"}, follow=True)
    assert response.redirect_chain[-1][0] == home
    assert response.status_code == 200


def test_wrong_password_shows_chinese_error(client, users):
    response = client.post("/login/", {"username": "agent", "password": "nope"})
    assert "用户名或密码不正确" in response.content.decode()


def test_pages_need_login(client):
    response = client.get("/console/")
    assert response.status_code == 302 and response["Location"].startswith("/login/")


@pytest.mark.parametrize("path", ["/console/", "/intake/", "/callback/", "/overview/"])
def test_unit_handler_cannot_open_centre_pages(client, users, path):
    assert login(client, users["handler"]).get(path).status_code == 403


def test_intake_creates_order_and_shows_number(client, users, units):
    response = login(client, users["agent"]).post(
        "/intake/",
        {
            "content": "马路边井盖缺失，有安全隐患",
            "address": "方庄路12号",
            "requester_phone": "13911112222",
            "urgency": "urgent",
            "street": units["110106013"].pk,
            "client_ref": "ref-1",
        },
    )
    order = WorkOrder.objects.get(client_ref="ref-1")
    assert order.number in response.content.decode()
    assert order.urgency == "urgent" and order.street == units["110106013"]
    assert WorkOrderEvent.objects.filter(order=order, action="create", actor=users["agent"]).exists()


def test_intake_bad_input_shows_service_message_and_keeps_text(client, users):
    response = login(client, users["agent"]).post("/intake/", {"content": "路灯不亮", "requester_phone": "abc"})
    body = response.content.decode()
    assert response.status_code == 400
    assert "联系电话格式不正确" in body and "路灯不亮" in body
    assert not WorkOrder.objects.exists()


def test_dispatch_from_console_and_counters(client, users, units, make_order):
    order = make_order()
    page = login(client, users["dispatcher"]).get("/console/").content.decode()
    assert order.number in page
    response = client.post(
        f"/orders/{order.pk}/act/dispatch/", {"lead_unit": units["110106013"].pk, "next": "/console/"}
    )
    assert response.status_code == 302 and response["Location"] == "/console/"
    order.refresh_from_db()
    assert order.state == State.DISPATCHED and order.lead_unit == units["110106013"]
    event = order.events.get(action="dispatch")
    assert event.payload["decision"] == {"method": "manual"}
    counters = client.get("/console/counters/").content.decode()
    assert 'data-counter="waiting">0<' in counters


def test_bulk_dispatch_sends_selected_rows_only(client, users, units, make_order):
    first, second, third = make_order(), make_order("另一件事"), make_order("第三件")
    login(client, users["dispatcher"]).post(
        "/console/bulk-dispatch/", {"order": [first.pk, third.pk], "lead_unit": units["110106001"].pk}
    )
    states = dict(WorkOrder.objects.values_list("pk", "state"))
    assert states == {first.pk: "dispatched", second.pk: "received", third.pk: "dispatched"}


def test_other_unit_cannot_see_order(client, users, dispatched):
    client = login(client, users["other_handler"])
    assert client.get(f"/orders/{dispatched.pk}/").status_code == 404
    assert client.post(f"/orders/{dispatched.pk}/act/acknowledge/").status_code == 404
    assert dispatched.number not in client.get("/orders/").content.decode()
    dispatched.refresh_from_db()
    assert dispatched.state == State.DISPATCHED


def test_buttons_follow_the_state_machine(client, users, dispatched):
    page = login(client, users["handler"]).get(f"/orders/{dispatched.pk}/").content.decode()
    assert 'data-button="acknowledge"' in page and 'data-button="return"' in page
    assert 'data-button="resolve"' not in page and 'data-button="dispatch"' not in page


def test_action_not_allowed_answers_403_or_409(client, users, dispatched):
    handler = login(client, users["handler"])
    # The role may not dispatch at all: 403.
    assert handler.post(f"/orders/{dispatched.pk}/act/dispatch/", {"lead_unit": 1}).status_code == 403
    # The role may submit its resolution for 多级核查, but not in this state: 409.
    assert handler.post(f"/orders/{dispatched.pk}/act/submit_check/", {"reply": "好"}).status_code == 409
    # A street's handler never resolves directly (utilities do): 403.
    assert handler.post(f"/orders/{dispatched.pk}/act/resolve/", {"reply": "好"}).status_code == 403
    assert handler.post(f"/orders/{dispatched.pk}/act/no_such/").status_code == 404
    dispatched.refresh_from_db()
    assert dispatched.state == State.DISPATCHED


def test_unit_handles_order_through_the_workbench(client, users, dispatched):
    client = login(client, users["handler"])
    assert dispatched.number in client.get("/workbench/").content.decode()
    client.post(f"/orders/{dispatched.pk}/act/acknowledge/")
    client.post(f"/orders/{dispatched.pk}/act/respond/", {"note": "已电话联系"})
    response = client.post(f"/orders/{dispatched.pk}/act/submit_check/", {"reply": ""})
    assert response.status_code == 400 and "请填写答复意见" in response.content.decode()
    client.post(f"/orders/{dispatched.pk}/act/submit_check/", {"reply": "已疏通下水道"})
    dispatched.refresh_from_db()
    assert dispatched.state == State.PENDING_CHECK and dispatched.reply == "已疏通下水道"
    # 多级核查: the unit leader lands on his 待核查 queue and approves from the order page.
    leader = login(client, users["unit_leader"])
    queue = leader.get("/workbench/").content.decode()
    assert dispatched.number in queue and '<a href="?state=pending_check" class="active">' in queue
    with spot_check_rates(0.0):
        leader.post(f"/orders/{dispatched.pk}/act/approve_check/", {"note": "已电话核实"})
    dispatched.refresh_from_db()
    assert dispatched.state == State.RESOLVED


def test_leader_sends_back_and_the_wrong_unit_gets_a_chinese_403(client, users, units, dispatched):
    from jiesu.org.models import Role
    from jiesu.org.services import create_user

    for action, kwargs in [("acknowledge", {}), ("respond", {})]:
        services.ACTIONS[action](user=users["handler"], order_id=dispatched.pk, **kwargs)
    services.submit_check(user=users["handler"], order_id=dispatched.pk, reply="已处理")
    other = create_user(username="l_youanmen", password="pw-test-123", role=Role.UNIT_LEADER, unit=units["110106001"])
    client.force_login(other)
    refused = client.post(f"/orders/{dispatched.pk}/act/approve_check/")
    assert refused.status_code == 404  # another unit's order is not even visible
    leader = login(client, users["unit_leader"])
    blank = leader.post(f"/orders/{dispatched.pk}/act/send_back/", {"reason": ""})
    assert blank.status_code == 400 and "请填写退回理由" in blank.content.decode()
    leader.post(f"/orders/{dispatched.pk}/act/send_back/", {"reason": "答复未写明处理结果"})
    dispatched.refresh_from_db()
    assert dispatched.state == State.IN_PROGRESS
    page = login(client, users["handler"]).get(f"/orders/{dispatched.pk}/").content.decode()
    assert "答复未写明处理结果" in page and 'data-button="submit_check"' in page


def test_return_requires_reason_and_shows_in_disputes(client, users, dispatched):
    handler = login(client, users["handler"])
    assert handler.post(f"/orders/{dispatched.pk}/act/return/", {"reason": ""}).status_code == 400
    handler.post(f"/orders/{dispatched.pk}/act/return/", {"reason": "属于物业管理范围，非本街道职责"})
    page = login(client, users["dispatcher"]).get("/console/?tab=disputes").content.decode()
    assert dispatched.number in page and "属于物业管理范围" in page


def test_extension_request_and_whistle(client, users, units, dispatched):
    handler = login(client, users["handler"])
    handler.post(f"/orders/{dispatched.pk}/act/acknowledge/")
    handler.post(
        f"/orders/{dispatched.pk}/act/request_extension/",
        {"days": "5", "reason": "需协调产权单位", "requester_informed": "1"},
    )
    handler.post(
        f"/orders/{dispatched.pk}/act/whistle/", {"units": [units["110106-D01"].pk], "reason": "需住建委现场核查"}
    )
    dispatched.refresh_from_db()
    assert dispatched.pending_extension["days"] == 5
    assert list(dispatched.assisting_units.all()) == [units["110106-D01"]]
    page = login(client, users["dispatcher"]).get("/console/?tab=extensions").content.decode()
    assert dispatched.number in page


def test_agent_edits_received_order_only(client, users, units, make_order, dispatched):
    order = make_order()
    agent = login(client, users["agent"])
    agent.post(
        f"/orders/{order.pk}/edit/",
        {
            "title": "下水道堵塞",
            "content": order.content,
            "address": "芳城园一区5号楼东侧",
            "urgency": "utility",
            "requester_name": "",
            "requester_phone": order.requester_phone,
            "category": "",
            "street": "",
        },
    )
    order.refresh_from_db()
    assert (order.title, order.address, order.urgency) == ("下水道堵塞", "芳城园一区5号楼东侧", "utility")
    assert order.events.filter(action="edit").exists()
    assert agent.get(f"/orders/{dispatched.pk}/edit/").status_code == 409


def test_callback_screen_records_satisfaction(client, users, dispatched):
    for action, kwargs in [("acknowledge", {}), ("respond", {})]:
        services.ACTIONS[action](user=users["handler"], order_id=dispatched.pk, **kwargs)
    resolve_through_checks(order_id=dispatched.pk, users=users, reply="已处理")
    staff = login(client, users["callback"])
    assert dispatched.number in staff.get("/callback/").content.decode()
    staff.post(f"/orders/{dispatched.pk}/act/callback/", {"solved": "1", "satisfaction": "5", "next": "/callback/"})
    dispatched.refresh_from_db()
    assert dispatched.state == State.CALLBACK_DONE and dispatched.solved and dispatched.satisfaction == 5


def test_order_list_filters_and_keyset_pages(client, users, units, make_order):
    for i in range(55):
        make_order(f"第{i}件诉求内容", street=units["110106013"] if i % 2 else units["110106001"])
    client = login(client, users["auditor"])
    first = client.get("/orders/").content.decode()
    assert first.count('href="/orders/') >= 50 and 'id="next-page"' in first
    import re

    after = re.search(r"after=([0-9._]+)", first).group(1)
    second = client.get(f"/orders/?after={after}").content.decode()
    assert "第0件" in second and 'id="next-page"' not in second
    only_fangzhuang = client.get(f"/orders/?street={units['110106013'].pk}").content.decode()
    assert "第1件" in only_fangzhuang and "第2件" not in only_fangzhuang


def test_overview_figures(client, users, make_order, dispatched):
    make_order()
    page = login(client, users["district_leader"]).get("/overview/").content.decode()
    assert 'id="kpi-today">2<' in page and 'id="kpi-open">1<' in page


def test_open_and_near_deadline_filters(client, users, units, make_order, dispatched):
    waiting = make_order("还没派单的诉求")
    client = login(client, users["auditor"])
    open_page = client.get("/orders/?state=open").content.decode()
    assert dispatched.number in open_page and waiting.number not in open_page
    # A general order dispatched now is due in days, not within 24 hours.
    assert dispatched.number not in client.get("/orders/?due=24h").content.decode()
    urgent = make_order("燃气泄漏味道很重", urgency="urgent")
    services.dispatch(user=users["dispatcher"], order_id=urgent.pk, lead_unit=units["110106013"])
    near = client.get("/orders/?due=24h").content.decode()
    assert urgent.number in near and dispatched.number not in near


def test_callback_screen_shows_the_phone_to_call_only_to_callback_staff(client, users, dispatched):
    for action, kwargs in [("acknowledge", {}), ("respond", {})]:
        services.ACTIONS[action](user=users["handler"], order_id=dispatched.pk, **kwargs)
    resolve_through_checks(order_id=dispatched.pk, users=users, reply="已处理")
    assert "13800001234" in login(client, users["callback"]).get("/callback/").content.decode()
    page = login(client, users["dispatcher"]).get("/callback/").content.decode()
    assert "13800001234" not in page and "138****1234" in page
