import datetime as dt

import pytest
from django.urls import reverse

from jiesu.insights.models import MonthlyTopic
from jiesu.insights.topic import TZ
from jiesu.workorders import services
from jiesu.workorders.models import Category


@pytest.fixture
def october(units):
    category = Category.objects.get(path="城乡建设/安全生产")
    for day, n in ((10, 1), (11, 12)):
        for i in range(n):
            services.create_order(
                user=None,
                content="工地夜间施工扰民",
                category=category,
                street=units["110106013"],
                at=dt.datetime(2026, 9 if day == 10 else 10, day, 9, i, tzinfo=TZ),
            )


def test_leader_computes_and_reads_the_topic(client, users, october):
    client.force_login(users["district_leader"])
    response = client.post(reverse("insights:compute"), {"month": "2026-10"})
    assert response.status_code == 302
    assert MonthlyTopic.objects.filter(month=dt.date(2026, 10, 1), rank=1).exists()
    page = client.get(reverse("insights:topic", args=["2026-10"]))
    assert page.status_code == 200
    text = page.content.decode()
    assert "城乡建设/安全生产" in text and "区应急管理局" in text
    assert client.get(reverse("insights:index")).status_code == 302


@pytest.mark.parametrize("who", ["dispatcher", "auditor", "admin"])
def test_district_roles_may_read(client, users, who):
    client.force_login(users[who])
    assert client.get(reverse("insights:topic", args=["2026-10"])).status_code == 200


def test_unit_handler_is_refused_and_anonymous_sent_to_login(client, users):
    client.force_login(users["handler"])
    assert client.get(reverse("insights:topic", args=["2026-10"])).status_code == 403
    assert client.post(reverse("insights:compute"), {"month": "2026-10"}).status_code == 403
    client.logout()
    response = client.get(reverse("insights:topic", args=["2026-10"]))
    assert response.status_code == 302 and response["Location"].startswith("/login/")


def test_dispatcher_may_not_compute_and_bad_month_is_a_message(client, users):
    client.force_login(users["dispatcher"])
    assert client.post(reverse("insights:compute"), {"month": "2026-10"}).status_code == 403
    client.force_login(users["admin"])
    response = client.post(reverse("insights:compute"), {"month": "2026-13"}, follow=True)
    assert response.status_code == 200
    assert "应为 YYYY-MM" in response.content.decode()
