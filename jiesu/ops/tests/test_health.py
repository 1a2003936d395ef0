"""/healthz, the error pages with DEBUG off, request ids in the logs, and the security headers."""

import json
import logging
import re

import pytest
from django.http import HttpResponse
from django.test import override_settings
from django.urls import path

from jiesu.timers import services as timers


def test_healthz_reports_each_check_in_chinese_and_english_without_secrets(db, client, settings):
    response = client.get("/healthz")
    assert response.status_code == 200
    body = response.json()
    assert set(body["checks"]) == {"database", "redis", "timers", "calendar"}
    assert body["checks"]["database"]["status"] == "ok"
    for check in body["checks"].values():
        assert check["message"] and check["message_en"]
    # Before any tick the timers are "never ran": a warning, not a failure (the web still serves).
    assert body["checks"]["timers"]["status"] == "warn" and "从未运行" in body["checks"]["timers"]["message"]
    assert body["status"] == "warn" and body["status_zh"] == "需关注"
    text = response.content.decode()
    assert settings.SECRET_KEY not in text
    assert "postgres://" not in text and "password" not in text.lower()
    timers.beat(name="celery")
    assert client.get("/healthz").json()["checks"]["timers"]["status"] == "ok"
    assert response["Cache-Control"].startswith("max-age=0")


def test_healthz_calendar_check_uses_the_horizon_warning(db, client, monkeypatch):
    monkeypatch.setattr("jiesu.worktime.selectors.horizon_warning", lambda **_: "官方节假日日历即将到期")
    check = client.get("/healthz").json()["checks"]["calendar"]
    assert check["status"] == "warn" and check["message"] == "官方节假日日历即将到期"


def test_healthz_is_503_when_the_database_is_away(db, client, monkeypatch):
    from jiesu.ops import checks

    monkeypatch.setattr(checks, "database", lambda: checks.Check("database", checks.FAIL, "数据库不可用", "db down"))
    response = client.get("/healthz")
    assert response.status_code == 503 and response.json()["status"] == "fail"


def test_chinese_404_pages_and_json_for_api_clients(db, client):
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    html = response.content.decode()
    assert "页面不存在" in html and "Traceback" not in html and "Django" not in html
    api = client.get("/api/v1/nothing-here")
    assert api.status_code == 404 and api.json() == {"code": "not_found", "message": "页面不存在"}


def _boom(request):
    raise RuntimeError("secret detail: SELECT * FROM jiesu")


urlpatterns = [path("boom/", _boom), path("api/boom/", _boom), path("ok/", lambda r: HttpResponse("ok"))]
handler500 = "jiesu.web.views.errors.server_error"  # as in jiesu/urls.py


@override_settings(ROOT_URLCONF=__name__)
def test_a_500_shows_a_chinese_page_and_no_detail(db, client):
    client.raise_request_exception = False
    response = client.get("/boom/")
    assert response.status_code == 500
    html = response.content.decode()
    assert "系统出错" in html and "secret detail" not in html and "Traceback" not in html
    api = client.get("/api/boom/")
    assert api.status_code == 500 and api.json()["code"] == "server_error"


@override_settings(ROOT_URLCONF=__name__)
def test_request_ids_are_echoed_and_logged(db, client, caplog):
    with caplog.at_level(logging.INFO, logger="jiesu.request"):
        response = client.get("/ok/", HTTP_X_REQUEST_ID="req-abc-12345")
        fresh = client.get("/ok/", HTTP_X_REQUEST_ID="bad id with spaces")
    assert response["X-Request-ID"] == "req-abc-12345"
    assert re.fullmatch(r"[0-9a-f]{32}", fresh["X-Request-ID"])
    lines = [r for r in caplog.records if r.name == "jiesu.request"]
    assert [r.request_id for r in lines] == ["req-abc-12345", fresh["X-Request-ID"]]
    assert lines[0].path == "/ok/" and lines[0].status == 200


def test_json_log_lines_carry_the_request_id():
    from pythonjsonlogger.json import JsonFormatter

    from jiesu.common.requestlog import RequestIdFilter, bind_request_id, reset_request_id

    formatter = JsonFormatter("%(levelname)s %(name)s %(message)s %(request_id)s")
    record = logging.LogRecord("jiesu.x", logging.INFO, __file__, 1, "已派单", None, None)
    token = bind_request_id("req-xyz-0001")
    try:
        RequestIdFilter().filter(record)
    finally:
        reset_request_id(token)
    line = json.loads(formatter.format(record))
    assert line == {"levelname": "INFO", "name": "jiesu.x", "message": "已派单", "request_id": "req-xyz-0001"}


def test_pages_carry_a_csp_whose_nonce_matches_the_inline_scripts(users, client):
    client.force_login(users["agent"])
    response = client.get("/intake/")
    policy = response["Content-Security-Policy"]
    assert "script-src 'self' 'nonce-" in policy and "object-src 'none'" in policy
    nonce = re.search(r"'nonce-([^']+)'", policy).group(1)
    scripts = re.findall(r"<script(?![^>]*\bsrc=)([^>]*)>", response.content.decode())
    assert scripts and all(f'nonce="{nonce}"' in attrs for attrs in scripts)
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"


@pytest.mark.parametrize(
    "url", ["/console/", "/intake/", "/callback/", "/overview/", "/orders/", "/reports/dashboard/"]
)
def test_no_inline_script_without_the_nonce_on_any_page(users, client, url):
    client.force_login(users["admin"])
    response = client.get(url, follow=True)
    html = response.content.decode()
    found = re.search(r"'nonce-([^']+)'", response["Content-Security-Policy"])
    inline = [a for a in re.findall(r"<script(?![^>]*\bsrc=)([^>]*)>", html) if "application/json" not in a]
    # A page without inline scripts gets no nonce at all (django-csp adds one when a template uses it).
    assert bool(found) == bool(inline)
    for attrs in inline:
        assert f'nonce="{found.group(1)}"' in attrs
    assert not re.search(r"\son(click|submit|change|load)=", html)
    assert "javascript:" not in html
