"""What every browser test shares (a pytest plugin, registered from the root conftest.py): one headless
Chromium per run, desk and phone pages against the live server, logging in, screenshots and the
no-horizontal-scroll check.

Chromium is Debian's /usr/bin/chromium; when it is missing these tests fail (never skip), so CI
cannot pass without having run them. Screenshots go to var/screenshots/, or to the folder in
JIESU_SCREENSHOTS_DIR (`JIESU_SCREENSHOTS_DIR=docs/screenshots` refreshes the documentation's
images; by default a test run leaves the committed images alone)."""

import os
from pathlib import Path

import pytest

CHROMIUM = "/usr/bin/chromium"
PASSWORD = "pw-test-123"
DESK = {"width": 1440, "height": 900}
PHONE = {"width": 390, "height": 844}


def shots_dir() -> Path:
    from django.conf import settings

    return Path(settings.BASE_DIR) / os.environ.get("JIESU_SCREENSHOTS_DIR", "var/screenshots")


def _shot(name: str) -> Path:
    """The path of screenshot `name` (the folder is made)."""
    folder = shots_dir()
    folder.mkdir(parents=True, exist_ok=True)
    return folder / f"{name}.png"


def shot(page, name: str) -> None:
    page.screenshot(path=str(_shot(name)), full_page=True)


def login(page, username: str, *, password: str = PASSWORD) -> None:
    page.goto("/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.click("button[type=submit]")
    page.wait_for_load_state("networkidle")


def post_with_csrf(page, path: str, data: dict | None = None):
    token = next(c["value"] for c in page.context.cookies() if c["name"] == "csrftoken")
    return page.request.post(path, form=data or {}, headers={"X-CSRFToken": token, "Referer": page.url})


def no_horizontal_scroll(page, *, width: int = PHONE["width"], controls: bool = True) -> None:
    """The page does not scroll sideways at `width` — measured on the styled page: a page reached by a
    click may be laid out before its stylesheet arrives (CI once measured an unstyled table, 461 px).
    With `controls`, no input, button or link reaches past the screen's edge either (those inside a
    box that scrolls sideways by itself, such as a wide table on a phone, excepted)."""
    page.wait_for_load_state("load")
    scroll_width = page.evaluate("document.documentElement.scrollWidth")
    assert scroll_width <= width, f"{page.url}: the page is {scroll_width} px wide at {width} px"
    if controls:
        widest = page.evaluate(
            """() => {
                 const inScroller = e => {
                   for (let a = e.parentElement; a && a !== document.body; a = a.parentElement)
                     if (['auto', 'scroll'].includes(getComputedStyle(a).overflowX)) return true;
                   return false;
                 };
                 let widest = [0, ""];
                 for (const e of document.querySelectorAll('input,select,button,label,a')) {
                   const right = e.getClientRects().length && !inScroller(e) ? e.getBoundingClientRect().right : 0;
                   if (right > widest[0]) widest = [right, e.outerHTML.slice(0, 120)];
                 }
                 return widest;
               }"""
        )
        assert widest[0] <= width, f"{page.url}: a control reaches {widest[0]} px at {width} px: {widest[1]}"


@pytest.fixture(scope="session")
def browser():
    assert Path(CHROMIUM).exists(), f"{CHROMIUM} is missing: apt-get install chromium"
    # Playwright's sync API runs an event loop; Django must allow sync DB access beside it.
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        yield browser
        browser.close()


@pytest.fixture
def new_context(browser, live_server):
    """new_context(**options): a fresh browser context on the live server, closed after the test."""
    contexts = []

    def make(**options):
        options = {"base_url": live_server.url, "viewport": DESK, "locale": "zh-CN", **options}
        context = browser.new_context(**options)
        contexts.append(context)
        return context

    yield make
    for context in contexts:
        context.close()


@pytest.fixture
def new_page(new_context):
    """new_page(width=1440): a desk page. Playwright's polling waits (wait_for_function) evaluate
    strings in the page, which the production CSP refuses, so the policy is bypassed unless
    bypass_csp=False (the policy itself is checked in the *_csp/map browser tests)."""

    def make(width: int = DESK["width"], *, height: int = DESK["height"], bypass_csp: bool = True, **options):
        context = new_context(viewport={"width": width, "height": height}, bypass_csp=bypass_csp, **options)
        page = context.new_page()
        page.set_default_timeout(20000)
        return page

    return make


@pytest.fixture
def phone_page(new_context):
    """phone_page(**options): a 390 × 844 touch phone page (geolocation etc. as options), under the
    production CSP unless bypass_csp=True."""

    def make(**options):
        context = new_context(viewport=PHONE, device_scale_factor=2, is_mobile=True, has_touch=True, **options)
        page = context.new_page()
        page.set_default_timeout(20000)
        return page

    return make
