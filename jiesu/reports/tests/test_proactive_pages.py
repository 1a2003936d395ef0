"""The proactive pages read the stored findings: hotspots (list, map data, one hotspot with masked
members), the seasonal calendar and the forecasts; district roles only; the overview shows the top
hotspots. Screenshots in headless Chromium go to var/screenshots (docs/screenshots on request)."""

import pytest
from django.urls import reverse
from django.utils import timezone

from jiesu.insights.models import Hotspot
from jiesu.insights.services import refresh_forecasts, refresh_hotspots, refresh_seasonal
from jiesu.insights.testing import history

pytestmark = pytest.mark.django_db


@pytest.fixture
def findings(units):
    now = timezone.now()
    history(now=now)
    refresh_hotspots(now=now)
    refresh_seasonal(now=now)
    refresh_forecasts(now=now)
    return now


def test_hotspot_pages_show_the_stored_hotspot_with_map_and_masked_members(client, users, findings):
    client.force_login(users["district_leader"])
    page = client.get(reverse("reports:hotspots"))
    assert page.status_code == 200
    spot = Hotspot.objects.filter(place__contains="青禾家园").get()
    text = page.content.decode()
    assert spot.title in text and "方庄街道" in text
    data = page.context["map"]["points"]
    assert any(p["key"] == spot.key and not p["approx"] for p in data)
    detail = client.get(reverse("reports:hotspot", args=[spot.key]))
    assert detail.status_code == 200
    body = detail.content.decode()
    assert f"hotspot:{spot.key}" in body and spot.lead_unit.name in body
    assert "139****" in body  # phones masked
    assert client.get(reverse("reports:hotspot", args=["HS-none"])).status_code == 404


def test_seasonal_and_forecast_pages(client, users, findings):
    client.force_login(users["dispatcher"])
    page = client.get(reverse("reports:seasonal"))
    assert page.status_code == 200
    body = page.content.decode()
    assert "未来三个月" in body and "每年同一地点复发的问题" in body
    assert "右安门街道" in body  # the July waterlogging comes back there
    for freq in ("W", "M", "bad"):
        forecast = client.get(reverse("reports:forecasts") + f"?freq={freq}")
        assert forecast.status_code == 200
        assert "全区" in forecast.content.decode()


def test_pages_are_for_district_roles_and_empty_state_is_explained(client, users):
    client.force_login(users["auditor"])
    page = client.get(reverse("reports:hotspots"))
    assert page.status_code == 200 and "尚未计算" in page.content.decode()
    client.force_login(users["handler"])
    for name in ("reports:hotspots", "reports:seasonal", "reports:forecasts"):
        assert client.get(reverse(name)).status_code == 403


def test_overview_lists_the_top_hotspots(client, users, findings):
    client.force_login(users["district_leader"])
    page = client.get(reverse("web:overview"))
    assert page.status_code == 200
    body = page.content.decode()
    assert "当前热点" in body and Hotspot.objects.order_by("-heat").first().title[:20] in body
