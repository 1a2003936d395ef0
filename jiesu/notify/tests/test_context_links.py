"""The links in messages (notify.context) are what reverse() gives, also after the public URL changes."""

from django.test import override_settings
from django.urls import reverse

from jiesu.notify import context


def test_links_are_the_reversed_urls():
    base = context.settings.JIESU_PUBLIC_URL.rstrip("/")
    for order_id in (1, 42, 1234567):
        assert context.order_link(order_id) == base + reverse("web:order", args=[order_id])
    assert context.track_link() == base + reverse("web:citizen_track")


@override_settings(JIESU_PUBLIC_URL="https://12345.example.gov.cn/")
def test_a_changed_public_url_is_followed():
    assert context.order_link(7) == "https://12345.example.gov.cn" + reverse("web:order", args=[7])
    assert context.track_link() == "https://12345.example.gov.cn" + reverse("web:citizen_track")


def test_order_context_carries_the_same_links():
    class Order:  # what order_context reads
        pk, number, title, lead_unit_id = 9, "JS0000009", "标题", None
        response_due = handling_due = None

    values = context.order_context(Order())
    assert values["链接"] == context.order_link(9)
    assert values["查询链接"] == context.track_link()
