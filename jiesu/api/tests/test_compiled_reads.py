"""get_order through a query compiled once (jiesu.common.compiled) gives what the ORM's .get() gave:
the same SQL, the same instance with the same related objects, the same refusals."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from jiesu.common.compiled import CompiledQuery
from jiesu.common.errors import NotFound
from jiesu.org.models import Role, User
from jiesu.workorders import selectors
from jiesu.workorders.models import State, WorkOrder
from jiesu.workorders.tests.factories import any_property_project, grid_worker, make_order, order_in_state

RELATED = ("lead_unit", "category", "street", "property_project")


def orm_get(user, order_id):
    """get_order as it was: the ORM's .get()."""
    return (
        selectors.visible_orders(user=user)
        .select_related("lead_unit", "category", "street", "property_project__company")
        .defer("lead_unit__boundary", "street__boundary")
        .get(pk=order_id)
    )


def snapshot(order: WorkOrder) -> dict:
    def fields(obj):
        deferred = obj.get_deferred_fields()
        return {f.attname: getattr(obj, f.attname) for f in obj._meta.concrete_fields if f.attname not in deferred}

    related = {}
    for name in RELATED:
        assert order._meta.get_field(name).is_cached(order) or getattr(order, f"{name}_id") is None
        value = getattr(order, name)
        related[name] = None if value is None else (fields(value), sorted(value.get_deferred_fields()))
    project = order.property_project
    return {
        "order": fields(order),
        "deferred": sorted(order.get_deferred_fields()),
        "related": related,
        "company": None if project is None else fields(project.company),
        "db": order._state.db,
        "adding": order._state.adding,
    }


@pytest.mark.django_db
def test_get_order_equals_the_orm(users, units):
    received = make_order(users=users)
    dispatched = order_in_state(State.DISPATCHED, users=users, units=units)
    resolved = order_in_state(State.RESOLVED, users=users, units=units)
    project = any_property_project(units)
    WorkOrder.objects.filter(pk=resolved.pk).update(property_project=project)
    worker = grid_worker(units)
    no_unit = User.objects.create(username="no_unit_handler", role=Role.HANDLER, unit=None)
    people = [*users.values(), worker, no_unit]
    seen = 0
    for user in people:
        for order_id in (received.pk, dispatched.pk, resolved.pk, 987654321):
            orm_sql = CaptureQueriesContext(connection)
            with orm_sql:  # the context keeps the queries only when it ends without an exception
                try:
                    wanted = snapshot(orm_get(user, order_id))
                except WorkOrder.DoesNotExist:
                    wanted = None
            try:
                with CaptureQueriesContext(connection) as our_sql:
                    got = selectors.get_order(user=user, order_id=order_id)
                with CaptureQueriesContext(connection) as extra:
                    got = snapshot(got)
                assert len(extra) == 0  # every related object came with the order
            except NotFound as error:
                assert error.code == "order_not_found"
                got = None
            assert got == wanted, (user.username, order_id)
            # The same SQL text (parameters included) whenever the ORM had something to send.
            assert [q["sql"] for q in our_sql.captured_queries] == [q["sql"] for q in orm_sql.captured_queries]
            seen += wanted is not None
    assert seen >= 3 * 6  # the district-wide roles see all three; the unit's people some; others none
    # The compiled path was the one taken (not the ORM fallback) for district-wide and unit roles.
    plans = selectors._ORDER_QUERY._plans
    assert plans[(Role.DISPATCHER, True)] is not None and plans[(Role.HANDLER, True)] is not None


@pytest.mark.django_db
def test_get_order_takes_a_text_id_through_the_orm(users):
    order = make_order(users=users)
    assert selectors.get_order(user=users["dispatcher"], order_id=str(order.pk)).pk == order.pk


@pytest.mark.django_db
def test_a_value_django_transforms_is_left_to_the_orm(users):
    first = make_order(users=users)
    make_order(users=users)
    number = WorkOrder.objects.get(pk=first.pk).number
    # startswith turns the value into a LIKE pattern: it is not a plain parameter, so no plan is kept.
    by_prefix = CompiledQuery(lambda *, key, prefix: WorkOrder.objects.filter(number__startswith=prefix), prefix=str)
    assert [o.pk for o in by_prefix.run("k", prefix=number)] == [first.pk]
    assert by_prefix._plans == {"k": None}
    # A plain parameter is kept, and the plan gives each value its own rows.
    by_number = CompiledQuery(lambda *, key, number: WorkOrder.objects.filter(number=number), number=str)
    assert [o.pk for o in by_number.run("k", number=number)] == [first.pk]
    assert by_number._plans["k"] is not None
    assert by_number.run("k", number="nope") == []


@pytest.mark.django_db
def test_token_lookup_equals_knox(users):
    """The compiled token lookup sends knox's SQL and gives the same token and user; wrong, expired and
    inactive tokens are refused as before."""
    import datetime as dt

    from django.utils import timezone
    from knox.models import AuthToken
    from rest_framework.exceptions import AuthenticationFailed

    from jiesu.api import authentication

    auth = authentication.ExpiringTokenAuthentication()
    instance, token = AuthToken.objects.create(user=users["dispatcher"])
    key = token[:15]
    with CaptureQueriesContext(connection) as knox_sql:
        wanted = list(AuthToken.objects.filter(token_key=key).select_related("user"))
    with CaptureQueriesContext(connection) as our_sql:
        user, found = auth.authenticate_credentials(token.encode())
    assert [q["sql"] for q in our_sql.captured_queries] == [q["sql"] for q in knox_sql.captured_queries]
    assert authentication._TOKENS._plans[None] is not None  # the compiled path, not the ORM fallback
    assert found.digest == wanted[0].digest and user == users["dispatcher"]
    with CaptureQueriesContext(connection) as extra:
        assert (user.username, user.role, user.unit_id) == (
            "dispatcher",
            users["dispatcher"].role,
            users["dispatcher"].unit_id,
        )
    assert len(extra) == 0
    with pytest.raises(AuthenticationFailed):
        auth.authenticate_credentials((key + "0" * (len(token) - 15)).encode())  # the key, another secret
    users["dispatcher"].is_active = False
    users["dispatcher"].save(update_fields=["is_active"])
    with pytest.raises(AuthenticationFailed):
        auth.authenticate_credentials(token.encode())
    users["dispatcher"].is_active = True
    users["dispatcher"].save(update_fields=["is_active"])
    AuthToken.objects.filter(pk=instance.pk).update(expiry=timezone.now() - dt.timedelta(minutes=1))
    with pytest.raises(AuthenticationFailed):
        auth.authenticate_credentials(token.encode())
    assert not AuthToken.objects.filter(pk=instance.pk).exists()  # deleted when used
