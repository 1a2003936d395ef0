"""Schemathesis over /api/schema/, bounded (issue 14, schema truth): generated requests against every
operation, authenticated as an admin, with 0 server errors and every response matching the
schema (status codes, content types, bodies). JIESU_SCHEMATHESIS_EXAMPLES sets the examples per
operation and generation mode, valid and invalid requests (default 15; raise it for a longer run)."""

import os

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, Phase, given, settings
from knox.models import AuthToken
from schemathesis import GenerationMode

from jiesu.workorders import services

EXAMPLES = int(os.environ.get("JIESU_SCHEMATHESIS_EXAMPLES", "15"))
CHECKS = [
    schemathesis.checks.not_a_server_error,
    schemathesis.checks.status_code_conformance,
    schemathesis.checks.content_type_conformance,
    schemathesis.checks.response_schema_conformance,
]
NEGATIVE_CHECKS = [
    schemathesis.checks.not_a_server_error,
    schemathesis.checks.status_code_conformance,
    schemathesis.checks.content_type_conformance,
]


@pytest.fixture
def admin(users, units):
    order, _ = services.create_order(user=users["agent"], content="马家堡东路井盖缺失", requester_phone="13800001234")
    services.dispatch(user=users["dispatcher"], order_id=order.pk, lead_unit=units["110106013"])
    return users["admin"]


def _failure_text(error: BaseException) -> str:
    return " ".join(str(error).split())[:400]


def _runner(operation, mode: GenerationMode, admin, calls: list):
    checks = CHECKS if mode == GenerationMode.POSITIVE else NEGATIVE_CHECKS

    @given(case=operation.as_strategy(mode))
    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        derandomize=True,
        database=None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    def run(case):
        calls.append(1)
        # A fresh token per call (logout and refresh revoke theirs); set on the case, where a
        # generated Authorization header would otherwise win.
        token = AuthToken.objects.create(user=admin)[1]
        case.headers = {**(case.headers or {}), "Authorization": f"Token {token}"}
        # Invalid requests (negative mode) must be refused with a documented 4xx, never a 5xx.
        case.call_and_validate(checks=checks)

    return run


@pytest.fixture
def keep_connection():
    """Requests go straight to the WSGI handler, whose request_finished would close the test's
    connection (inside its transaction on PostgreSQL); Django's own test client disconnects the
    same receivers."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.mark.slow
def test_api_matches_its_schema(admin, keep_connection):
    schema = schemathesis.openapi.from_wsgi("/api/schema/", get_wsgi_application())
    failures: dict[str, str] = {}
    calls: list = []
    for result in schema.get_all_operations():
        operation = result.ok()
        for mode in GenerationMode:
            try:
                _runner(operation, mode, admin, calls)()
            except (Exception, BaseExceptionGroup) as error:  # every failure is collected, then reported together
                failures[f"{operation.label} ({mode.value})"] = _failure_text(error)
    print(f"schemathesis: {len(calls)} calls, {len(failures)} failing operations")
    assert not failures, "\n".join(f"{label}: {text}" for label, text in failures.items())
