"""The admin is in Chinese; reference data is editable there, orders and events are not."""

import pytest
from django.test import Client

from jiesu.workorders.models import State
from jiesu.workorders.tests.factories import order_in_state


@pytest.fixture
def admin_client_(users):
    client = Client()
    client.force_login(users["admin"])
    return client


@pytest.mark.django_db
@pytest.mark.parametrize(
    "url",
    [
        "/admin/org/unit/",
        "/admin/org/responsibilityrule/",
        "/admin/worktime/calendarday/",
        "/admin/worktime/calendaryear/",
        "/admin/workorders/deadlinerule/",
        "/admin/workorders/category/",
        "/admin/workorders/workorder/",
    ],
)
def test_admin_pages_in_chinese(admin_client_, url):
    response = admin_client_.get(url)
    assert response.status_code == 200
    assert "接诉即办平台" in response.content.decode()


@pytest.mark.django_db
def test_orders_are_read_only_in_admin(admin_client_, users, units):
    order = order_in_state(State.DISPATCHED, users=users, units=units)
    assert admin_client_.get("/admin/workorders/workorder/add/").status_code == 403
    page = admin_client_.get(f"/admin/workorders/workorder/{order.pk}/change/")
    assert page.status_code == 200 and 'name="_save"' not in page.content.decode()
    response = admin_client_.post(f"/admin/workorders/workorder/{order.pk}/change/", {"title": "改掉"})
    assert response.status_code == 403
    assert admin_client_.post(f"/admin/workorders/workorder/{order.pk}/delete/", {"post": "yes"}).status_code == 403
    order.refresh_from_db()
    assert order.title != "改掉"


@pytest.mark.django_db
def test_calendar_entry_in_admin_takes_effect(admin_client_):
    import datetime as dt

    from jiesu.worktime import calendar

    calendar.invalidate()
    assert calendar.is_workday(dt.date(2026, 10, 9))
    response = admin_client_.post(
        "/admin/worktime/calendarday/add/", {"date": "2026-10-09", "is_workday": "", "name": "临时放假"}
    )
    assert response.status_code == 302
    assert not calendar.is_workday(dt.date(2026, 10, 9))
    calendar.invalidate()
