"""Who may see the dashboard and the review; the leader's button generates the pack."""

import pytest
from django.urls import reverse

from jiesu.reports.models import ReviewPack

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("who", ["district_leader", "dispatcher", "admin", "auditor"])
def test_district_roles_see_dashboard_and_review(client, users, month_of_orders, who):
    client.force_login(users[who])
    page = client.get(reverse("reports:dashboard"), {"month": "2026-10"})
    assert page.status_code == 200
    text = page.content.decode()
    assert "方庄街道" in text and "dashboard-data" in text and "echarts.min.js" in text
    review = client.get(reverse("reports:review", args=["2026-10"]))
    assert review.status_code == 200
    assert "2026年10月接诉即办工作点评" in review.content.decode()


def test_dashboard_filters_by_unit_kind(client, users, ranked_month):
    client.force_login(users["district_leader"])
    page = client.get(reverse("reports:dashboard"), {"month": "2026-10", "kind": "department"})
    assert page.status_code == 200
    data = page.context["data"]
    assert data["kind"] == "department"
    assert [u["name"] for u in data["units"] if u["rank"]] == [
        "北京市丰台区住房和城乡建设委员会",
        "北京市丰台区房屋管理局",
        "北京市丰台区城市管理委员会",
    ]
    streets = client.get(reverse("reports:dashboard"), {"month": "2026-10"}).context["data"]
    assert [u["rank"] for u in streets["units"][:4]] == [1, 2, 3, 4]
    assert len(streets["map"]["streets"]) == 26 and streets["map"]["mode"] == "markers"


@pytest.mark.parametrize("query", [{"month": "2026-13"}, {"month": "2026-10", "kind": "town-hall"}])
def test_bad_filters_show_a_message_not_an_error(client, users, month_of_orders, query):
    client.force_login(users["district_leader"])
    page = client.get(reverse("reports:dashboard"), query)
    assert page.status_code == 200
    assert page.context["error"]


@pytest.mark.parametrize("who", ["handler", "unit_leader", "dept_handler", "agent"])
def test_unit_roles_are_refused(client, users, who):
    client.force_login(users[who])
    refused = client.get(reverse("reports:dashboard"))
    assert refused.status_code == 403 and "无权访问此页面" in refused.content.decode()
    assert client.get(reverse("reports:review", args=["2026-10"])).status_code == 403
    assert client.post(reverse("reports:generate"), {"month": "2026-10"}).status_code == 403


def test_anonymous_is_sent_to_login(client):
    response = client.get(reverse("reports:dashboard"))
    assert response.status_code == 302 and response["Location"].startswith("/login/")


def test_leader_button_generates_and_downloads_the_pack(client, users, month_of_orders, media):
    client.force_login(users["district_leader"])
    response = client.post(reverse("reports:generate"), {"month": "2026-10"})
    assert response.status_code == 302
    pack = ReviewPack.objects.get()
    assert pack.generated_by == users["district_leader"]
    pdf = client.get(reverse("reports:download", args=[pack.pk, "pdf"]))
    assert pdf.status_code == 200 and b"".join(pdf.streaming_content).startswith(b"%PDF")
    xlsx = client.get(reverse("reports:download", args=[pack.pk, "xlsx"]))
    assert xlsx.status_code == 200 and "attachment" in xlsx["Content-Disposition"]
    assert client.get(reverse("reports:download", args=[pack.pk, "doc"])).status_code == 404
    client.force_login(users["dispatcher"])  # may read, may not generate
    assert client.post(reverse("reports:generate"), {"month": "2026-10"}).status_code == 403
    assert client.get(reverse("reports:download", args=[pack.pk, "pdf"])).status_code == 200


@pytest.mark.parametrize(
    ("form", "message"), [({"month": "2026-13"}, "月份格式"), ({"month": "2026-10", "rule": "nope"}, "不存在")]
)
def test_bad_generate_request_is_a_message(client, users, month_of_orders, media, form, message):
    client.force_login(users["district_leader"])
    page = client.post(reverse("reports:generate"), form, follow=True)
    assert page.status_code == 200
    assert message in page.content.decode()
    assert not ReviewPack.objects.exists()


def test_dashboard_defaults_to_the_latest_month_with_orders(client, users, month_of_orders, settings):
    """Opened in December 2026 with history up to October (nothing in November): October, not an
    empty November."""
    import datetime as dt
    from unittest import mock

    client.force_login(users["district_leader"])
    with mock.patch("django.utils.timezone.localdate", return_value=dt.date(2026, 12, 3)):
        page = client.get(reverse("reports:dashboard"))
    assert page.status_code == 200 and page.context["month"] == dt.date(2026, 10, 1)
    with mock.patch("django.utils.timezone.localdate", return_value=dt.date(2026, 11, 20)):
        assert client.get(reverse("reports:dashboard")).context["month"] == dt.date(2026, 10, 1)
