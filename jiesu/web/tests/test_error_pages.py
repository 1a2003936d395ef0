"""Chinese error pages everywhere, with DEBUG off (jiesu.test_settings) as in production, and with
DEBUG on (bin/start's demo) where Django's English technical pages are swapped for them; the
reports index itself is tested in jiesu/reports/tests/test_index.py."""

import pytest
from django.http import HttpResponse
from django.test import Client, override_settings
from django.urls import path

from jiesu.urls import urlpatterns as site_patterns

pytestmark = pytest.mark.django_db


def _boom(request):
    raise RuntimeError("deliberate failure for the 500 page")


def _ok(request):
    return HttpResponse("ok")


urlpatterns = [path("boom/", _boom), path("ok/", _ok), *site_patterns]
handler400 = "jiesu.web.views.errors.bad_request"
handler403 = "jiesu.web.views.errors.permission_denied"
handler404 = "jiesu.web.views.errors.not_found"
handler500 = "jiesu.web.views.errors.server_error"


def test_unknown_page_is_a_chinese_404_with_a_way_back(client, users):
    client.force_login(users["district_leader"])
    page = client.get("/reports/nowhere/", HTTP_REFERER="http://testserver/reports/dashboard/")
    html = page.content.decode()
    assert page.status_code == 404
    assert "页面不存在" in html and "Page not found" not in html
    assert 'href="/reports/dashboard/" id="error-back">返回上一页' in html and 'id="error-home"' in html


def test_a_foreign_referer_is_not_offered_as_the_way_back(client):
    html = client.get("/nowhere/", HTTP_REFERER="https://evil.example/phish").content.decode()
    assert "evil.example" not in html and "回到首页" in html and "登录" in html


def test_api_gets_code_and_message_not_a_page(client):
    page = client.get("/api/v1/nowhere")
    assert page.status_code == 404 and page.json() == {"code": "not_found", "message": "页面不存在"}


def test_forbidden_is_chinese(client, users):
    client.force_login(users["handler"])
    page = client.get("/reports/")
    assert page.status_code == 403
    assert "无权" in page.content.decode() and "Forbidden" not in page.content.decode()


def test_bad_request_is_chinese(client):
    page = client.get("/", HTTP_HOST="bad host name")  # DisallowedHost → 400
    assert page.status_code == 400
    assert "请求有误" in page.content.decode()


@override_settings(ROOT_URLCONF=__name__)
def test_server_error_is_chinese_and_names_the_request():
    client = Client(raise_request_exception=False)
    page = client.get("/boom/")
    html = page.content.decode()
    assert page.status_code == 500
    assert "系统出错" in html and "返回上一页" not in html and "回到首页" in html
    assert "Traceback" not in html and "RuntimeError" not in html


@override_settings(ROOT_URLCONF=__name__, DEBUG=True)
def test_debug_mode_swaps_the_technical_pages(client):
    page = client.get("/no-such-page/")
    html = page.content.decode()
    assert page.status_code == 404 and "页面不存在" in html and "DEBUG = True" not in html
    assert client.get("/ok/").content == b"ok"  # ordinary answers pass untouched
    failing = Client(raise_request_exception=False).get("/boom/")
    assert failing.status_code == 500 and "系统出错" in failing.content.decode()


@override_settings(ROOT_URLCONF=__name__, DEBUG=True, JIESU_TECHNICAL_ERRORS=True)
def test_developers_may_keep_the_technical_pages(client):
    assert "DEBUG = True" in client.get("/no-such-page/").content.decode()
