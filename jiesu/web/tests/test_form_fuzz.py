"""Form fuzzer (issue 14, schema truth for the pages): every POST form the pages render, every
field × bad values (NUL, 100,000 characters, year 9999, not a number) posted through Django's test
client as the roles that use the form — no answer may be a 5xx."""

import re
from html.parser import HTMLParser

import pytest
from django.test import Client

from jiesu.workorders import services
from jiesu.workorders.models import State
from jiesu.workorders.tests.factories import order_in_state

BAD_VALUES = ["a\x00b", "长" * 100_000, "9999-12-31", "abc", "-1e309", "0001-01-01T00:00:00Z"]


class _Forms(HTMLParser):
    """<form method=post> elements: action and the names (with first values) of their fields."""

    def __init__(self):
        super().__init__()
        self.forms: list[dict] = []
        self._current: dict | None = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form" and (attrs.get("method") or "").lower() == "post":
            self._current = {"action": attrs.get("action") or "", "fields": {}}
            self.forms.append(self._current)
        elif self._current is not None and tag in ("input", "textarea", "select") and attrs.get("name"):
            if attrs["name"] != "csrfmiddlewaretoken":
                self._current["fields"].setdefault(attrs["name"], attrs.get("value") or "")

    def handle_endtag(self, tag):
        if tag == "form":
            self._current = None


def post_forms(client: Client, page: str) -> list[dict]:
    response = client.get(page)
    assert response.status_code < 500, (page, response.status_code)
    parser = _Forms()
    parser.feed(response.content.decode())
    forms = []
    for form in parser.forms:
        action = form["action"] or page
        if action.startswith("/") and "logout" not in action:
            forms.append({"action": action, "fields": form["fields"]})
    return forms


@pytest.fixture
def district(users, units):
    """Orders in the states whose pages carry the most forms."""
    states = [State.RECEIVED, State.DISPATCHED, State.RETURNED, State.ACKNOWLEDGED, State.IN_PROGRESS, State.RESOLVED]
    orders = {state: order_in_state(state, users=users, units=units) for state in states}
    services.request_extension(
        user=users["handler"], order_id=orders[State.IN_PROGRESS].pk, days=3, reason="需协调", requester_informed=True
    )
    return orders


# role → pages it works on (order pages are added per order)
PAGES = {
    "agent": ["/intake/"],
    "dispatcher": ["/console/", "/console/?tab=disputes", "/console/?tab=extensions"],
    "handler": ["/workbench/"],
    "callback": ["/callback/"],
    "admin": ["/inbox/settings/"],
}


@pytest.mark.slow
@pytest.mark.django_db
def test_no_form_field_gives_a_5xx(users, district):
    failures, posts = [], 0
    anonymous = Client(raise_request_exception=False)
    targets = [(anonymous, "/citizen/"), (anonymous, "/citizen/track/?number=x&tail=0000")]
    for role, pages in PAGES.items():
        client = Client(raise_request_exception=False)
        client.force_login(users[role])
        for page in pages:
            targets.append((client, page))
        for order in district.values():
            targets.append((client, f"/orders/{order.pk}/"))
            if role in ("agent", "dispatcher"):
                targets.append((client, f"/orders/{order.pk}/edit/"))
    seen = set()
    for client, page in targets:
        for form in post_forms(client, page):
            # one order's form stands for the same form on every order (keeps the run to a few minutes)
            signature = (id(client), re.sub(r"/\d+/", "/N/", form["action"]), tuple(sorted(form["fields"])))
            if signature in seen:
                continue
            seen.add(signature)
            for field in form["fields"]:
                for bad in BAD_VALUES:
                    data = {**form["fields"], field: bad}
                    response = client.post(form["action"], data)
                    posts += 1
                    if response.status_code >= 500:
                        failures.append(f"{form['action']} {field}={bad[:20]!r} → {response.status_code}")
    print(f"form fuzzer: {len(seen)} forms, {posts} posts, {len(failures)} 5xx")
    assert len(seen) >= 15
    assert not failures, "\n".join(failures[:50])
