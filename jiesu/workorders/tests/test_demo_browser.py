"""The demo (演示数据) in real headless Chromium: the leader's dashboard opens on a month full of
figures with n beside the rates, the top bar says 演示数据, an order shows its side lines with
natural times. Screenshots: var/screenshots (JIESU_SCREENSHOTS_DIR=docs/screenshots for the docs')."""

from pathlib import Path

import pytest
from django.conf import settings
from django.core.cache import cache

from jiesu.common.testing.browser import login, shot
from jiesu.workorders.demo import create_demo_users
from jiesu.workorders.demo_recent import load_recent_demo
from jiesu.workorders.models import WorkOrder

SHARED = Path(settings.SHARED_DIR) / "data"
pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(not (SHARED / "haikou12345" / "orders.csv").exists(), reason="shared data absent"),
]


def test_demo_pages(new_page, users):
    from jiesu.assessment.services import load_rule_file

    load_rule_file(path=Path(settings.BASE_DIR) / "data" / "assessment" / "rules-huairou-2021.yaml")
    create_demo_users(spec_path=settings.BASE_DIR / "data" / "org" / "demo_users.yaml")
    load_recent_demo(shared=SHARED, months=2, per_month=1500)
    cache.delete("jiesu:demo-loaded")
    page = new_page()
    errors = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    login(page, "district_leader")
    assert page.locator(".topbar .demo-mark").inner_text() == "演示数据"

    page.goto("/reports/dashboard/")
    page.wait_for_selector("#chart-ranking canvas")
    assert int(page.locator(".cards .card .v").first.inner_text()) > 100  # the default month is full
    assert page.locator("th", has_text="有效回访（n）").count() == 1
    shot(page, "dashboard-demo")

    order = (
        WorkOrder.objects.filter(escalation_level__gt=0, supervision_count__gt=0).first()
        or WorkOrder.objects.filter(escalation_level__gt=0).first()
    )
    page.goto(f"/orders/{order.pk}/")
    assert page.locator("h1 .demo-tag").count() == 1
    timeline = page.locator(".timeline").inner_text()
    assert "提级响应" in timeline
    shot(page, "order-demo")
    assert errors == []
