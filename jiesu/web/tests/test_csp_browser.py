"""The production Content Security Policy in real headless Chromium: every main page loads with no
CSP violation and no script error, the vendored htmx and ECharts run (charts are drawn), and the
bell shows the unread count. Saves screenshots of the inbox (docs/screenshots with
JIESU_SCREENSHOTS_DIR=docs/screenshots)."""

import pytest

from jiesu.common.testing.browser import login, shot
from jiesu.notify import services as notify

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PAGES = ["/console/", "/intake/", "/callback/", "/overview/", "/orders/", "/inbox/", "/inbox/settings/"]


def watch(page):
    problems = []
    # Chromium asks for /favicon.ico by itself; the site has none (a 404 that no page causes).
    page.on(
        "console",
        lambda m: (
            problems.append(f"{m.text} {m.location.get('url', '')}")
            if m.type == "error" and "favicon.ico" not in m.location.get("url", "")
            else None
        ),
    )
    page.on("pageerror", lambda e: problems.append(str(e)))
    return problems


def test_pages_run_under_the_csp_without_violations(new_page, users, busy_district):
    from django.core.management import call_command

    call_command("load_assessment_rules", verbosity=0)
    for n in range(3):
        notify.send(
            kind="admin_alert",
            context={
                "标题": f"测试告警{n}",
                "内容": "工单月度事实与事件日志不一致，请重建。",
                "时间": "2026-11-24 10:00",
            },
            users=[users["admin"]],
        )
    page = new_page(bypass_csp=False)
    problems = watch(page)
    login(page, "admin")
    for url in PAGES + [f"/orders/{busy_district[8].pk}/", "/reports/dashboard/"]:
        response = page.goto(url)
        page.wait_for_load_state("networkidle")
        assert response.status < 400, url
        assert "script-src 'self'" in response.headers["content-security-policy"], url
    assert not [p for p in problems if "Content Security Policy" in p or "Refused" in p], problems
    assert not problems, problems

    # ECharts draws under the policy (SVG on the overview, canvas on the dashboard and citizen map).
    page.goto("/overview/")
    page.wait_for_selector("[_echarts_instance_] svg path", state="attached")
    page.goto("/reports/dashboard/")
    page.wait_for_selector("[_echarts_instance_] canvas", state="attached")
    # htmx runs: the console's counters refresh themselves.
    page.goto("/console/")
    page.wait_for_selector("#counters")
    assert page.evaluate("typeof window.htmx") == "object"

    page.goto("/inbox/")
    assert page.inner_text(".bell .badge") == "3"
    shot(page, "inbox")
    page.click("text=全部标为已读")
    page.wait_for_load_state("networkidle")
    assert page.locator(".bell .badge").count() == 0
    assert not problems, problems

    citizen = new_page(bypass_csp=False)
    citizen_problems = watch(citizen)
    citizen.goto("/citizen/")
    citizen.wait_for_selector("[_echarts_instance_] canvas", state="attached")
    assert not citizen_problems, citizen_problems
