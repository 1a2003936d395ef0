"""The bell with the unread count in the top bar, the inbox page, marking read, and each user's
settings (opt-outs, mobile number)."""

import re

from jiesu.notify import services
from jiesu.notify.models import Channel, Message, OptOut, RecipientProfile


def bell(html: str) -> str | None:
    found = re.search(r'data-unread="(\d+)"', html)
    return found.group(1) if found else None


def give(user, n):
    for i in range(n):
        services.send(kind="admin_alert", context={"标题": f"第{i}条", "内容": "内容", "时间": "现在"}, users=[user])


def test_bell_counts_unread_and_the_inbox_marks_read(users, client):
    handler = users["handler"]
    client.force_login(handler)
    assert bell(client.get("/workbench/").content.decode()) is None
    give(handler, 3)
    give(users["other_handler"], 2)  # someone else's
    page = client.get("/workbench/").content.decode()
    assert bell(page) == "3" and 'href="/inbox/"' in page
    inbox = client.get("/inbox/").content.decode()
    assert inbox.count('class="msg-item unread"') == 3 and "未读 3 条" in inbox
    first = Message.objects.filter(recipient=handler, channel=Channel.INBOX).order_by("id").first()
    client.post("/inbox/read/", {"id": first.pk})
    assert bell(client.get("/inbox/").content.decode()) == "2"
    # Someone else's message cannot be marked by this user.
    theirs = Message.objects.filter(recipient=users["other_handler"]).first()
    client.post("/inbox/read/", {"id": theirs.pk})
    theirs.refresh_from_db()
    assert theirs.read_at is None
    client.post("/inbox/read/")
    assert bell(client.get("/inbox/").content.decode()) is None
    assert "没有未读消息" in client.get("/inbox/?unread=1").content.decode()
    assert client.post("/inbox/read/", {"id": "x"}).status_code == 302


def test_the_inbox_needs_a_login(db, client):
    response = client.get("/inbox/")
    assert response.status_code == 302 and "/login/" in response["Location"]


def test_settings_page_saves_opt_outs_and_the_mobile_number(users, client):
    user = users["unit_leader"]
    client.force_login(user)
    page = client.get("/inbox/settings/").content.decode()
    assert "临期预警" in page and page.count('type="checkbox"') == 2 * page.count("<tr><td>")
    form = {"phone": "13911112222"}
    # Keep everything but the SMS for warnings.
    for name in re.findall(r'name="((?:email|sms):[a-z_]+)"', page):
        if name != "sms:unit_warning":
            form[name] = "on"
    assert client.post("/inbox/settings/", form).status_code == 302
    assert RecipientProfile.objects.get(user=user).phone == "13911112222"
    assert set(OptOut.objects.filter(user=user).values_list("channel", "kind")) == {("sms", "unit_warning")}
    response = client.post("/inbox/settings/", {"phone": "13x"}, follow=True)
    assert "手机号格式不正确" in response.content.decode()
    assert RecipientProfile.objects.get(user=user).phone == "13911112222"
