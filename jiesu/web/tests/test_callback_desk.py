"""The callback desk: the 回访 work queue (due first, today's orders, search, result filters,
paging, errors on the same page) and the 重办 queue (unit told, new deadline, repeat flag)."""

import datetime as dt

import pytest
from django.utils import timezone

from jiesu.notify.models import Channel, Message
from jiesu.workorders import services
from jiesu.workorders.models import State, WorkOrder

pytestmark = pytest.mark.django_db


def resolved_order(users, units, *, at=None, content="芳城园一区5号楼下水道堵塞", phone="13800001234"):
    """An order resolved by the platform's replay at `at` (default: an hour ago, but never before
    today's local midnight: tests read it as resolved "today", also when run just after midnight)."""
    midnight = timezone.localtime().replace(hour=0, minute=0, second=0, microsecond=0)
    at = at or max(timezone.now() - dt.timedelta(hours=1), midnight)
    order, _ = services.create_order(
        user=users["agent"], content=content, requester_phone=phone, at=at - dt.timedelta(hours=5)
    )
    services.dispatch(
        user=users["dispatcher"], order_id=order.pk, lead_unit=units["110106013"], at=at - dt.timedelta(hours=4)
    )
    services.acknowledge(user=None, order_id=order.pk, at=at - dt.timedelta(hours=3))
    services.respond(user=None, order_id=order.pk, at=at - dt.timedelta(hours=2))
    return services.resolve(user=None, order_id=order.pk, reply="已疏通", at=at)


@pytest.fixture
def desk(client, users):
    client.force_login(users["callback"])
    return client


def test_due_first_with_years_and_today_reachable(desk, users, units):
    old = resolved_order(users, units, at=timezone.make_aware(dt.datetime(2015, 3, 2, 10)), content="2015年的老工单")
    today = resolved_order(users, units, content="今天办结的工单")
    page = desk.get("/callback/").content.decode()
    assert page.index(old.number) < page.index(today.number)  # the earliest callback deadline first
    assert "2015-03-02 10:00" in page and "2015-03-04 10:00" in page  # 办结 and 回访期限, with the year
    only_today = desk.get("/callback/?when=today").content.decode()
    assert today.number in only_today and old.number not in only_today
    overdue = desk.get("/callback/?when=overdue").content.decode()
    assert old.number in overdue and today.number not in overdue


def test_search_by_number_phone_tail_and_text(desk, users, units):
    a = resolved_order(users, units, content="马家堡路灯不亮", phone="13911112222")
    b = resolved_order(users, units, content="方庄噪音扰民", phone="13933334444")
    for q, hit, miss in [(a.number, a, b), ("4444", b, a), ("路灯", a, b)]:
        page = desk.get("/callback/", {"q": q}).content.decode()
        assert hit.number in page and miss.number not in page, q
    assert "没有符合“无此词”的工单" in desk.get("/callback/", {"q": "无此词"}).content.decode()


def test_paging_keeps_the_filters(desk, users, units):
    from jiesu.web.queues import PAGE_SIZE

    orders = [resolved_order(users, units, content=f"路灯不亮第{i}处") for i in range(PAGE_SIZE + 2)]
    first = desk.get("/callback/?q=路灯").content.decode()
    assert f"共 {PAGE_SIZE + 2} 件" in first and "page=2" in first and "q=%E8%B7%AF%E7%81%AF" in first
    second = desk.get("/callback/?q=路灯&page=2").content.decode()
    assert orders[-1].number in second and orders[0].number not in second
    assert desk.get("/callback/?page=abc").status_code == 200


def test_blank_or_contradictory_answers_stay_on_the_page(desk, users, units):
    order = resolved_order(users, units)
    blank = desk.post(f"/callback/{order.pk}/", {"reached": "1", "solved": "", "satisfaction": "4", "note": "说了很多"})
    page = blank.content.decode()
    assert blank.status_code == 200 and "请选择是否解决" in page and 'class="row-error"' in page
    assert "说了很多" in page and "<h1>回访</h1>" in page  # the queue, with what was typed, not an error page
    none = desk.post(f"/callback/{order.pk}/", {"reached": "1", "solved": "", "satisfaction": ""})
    assert "请选择是否解决和满意度" in none.content.decode()
    odd = desk.post(f"/callback/{order.pk}/", {"reached": "1", "solved": "1", "satisfaction": "1"})
    assert "请在回访记录中说明原因" in odd.content.decode()
    fresh = WorkOrder.objects.get(pk=order.pk)
    assert fresh.state == State.RESOLVED and fresh.events.filter(action="callback").count() == 0


def test_saved_callback_gives_feedback_and_a_bad_one_goes_to_redo(desk, users, units):
    good, bad = resolved_order(users, units), resolved_order(users, units, content="井盖缺失")
    response = desk.post(f"/callback/{good.pk}/", {"reached": "1", "solved": "1", "satisfaction": "5"}, follow=True)
    assert f"回访已记录：{good.number} 已解决 · 非常满意" in response.content.decode()
    response = desk.post(f"/callback/{bad.pk}/", {"reached": "1", "solved": "0", "satisfaction": "2"}, follow=True)
    assert f"{bad.number} 回访未解决 · 不满意，已转入重办队列" in response.content.decode()
    redo = desk.get("/redo/").content.decode()
    assert bad.number in redo and good.number not in redo
    done = desk.get("/callback/?tab=done&result=unsolved").content.decode()
    assert bad.number in done and good.number not in done
    satisfied = desk.get("/callback/?tab=done&result=satisfied").content.decode()
    assert good.number in satisfied and bad.number not in satisfied


def test_redo_tells_the_unit_sets_a_new_deadline_and_flags_repeat_dissatisfaction(
    desk, users, units, django_capture_on_commit_callbacks
):
    order = resolved_order(users, units)
    services.callback(user=users["callback"], order_id=order.pk, solved=False, satisfaction=1)
    blank = desk.post(f"/redo/{order.pk}/", {"reason": "", "decision": "reopen"}, follow=True)
    assert "请填写重办理由" in blank.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        response = desk.post(f"/redo/{order.pk}/", {"reason": "诉求人称污水仍外溢", "decision": "reopen"}, follow=True)
    order.refresh_from_db()
    assert order.state == State.IN_PROGRESS and order.handling_due > timezone.now()
    assert "已退回方庄街道重办，新的办理期限" in response.content.decode()
    told = Message.objects.get(kind="unit_redo", channel=Channel.INBOX, recipient=users["handler"])
    assert "诉求人称污水仍外溢" in told.body and "非常不满意" in told.subject
    assert order.number in desk.get("/redo/?tab=redoing").content.decode()
    # second round: 不满意 again → flagged 重复不满意
    from jiesu.workorders.tests.factories import resolve_through_checks

    resolve_through_checks(order_id=order.pk, users=users)
    services.callback(user=users["callback"], order_id=order.pk, solved=True, satisfaction=2)
    order.refresh_from_db()
    assert order.dissatisfied_count == 2 and order.repeat_dissatisfied
    flagged = desk.get("/redo/?result=repeat").content.decode()
    assert order.number in flagged and "重复不满意" in flagged
    reopened = services.reopen(user=users["callback"], order_id=order.pk, reason="再次不满意")
    assert reopened.events.order_by("-seq").first().payload["repeat_dissatisfied"] is True


def test_redo_can_close_instead_and_other_roles_are_refused(desk, client, users, units):
    order = resolved_order(users, units)
    services.callback(user=users["callback"], order_id=order.pk, solved=True, satisfaction=2)
    desk.post(f"/redo/{order.pk}/", {"reason": "已解释政策，诉求人理解", "decision": "close"})
    assert WorkOrder.objects.get(pk=order.pk).state == State.CLOSED
    client.force_login(users["handler"])
    assert client.get("/redo/").status_code == 403 and client.get("/callback/").status_code == 403
