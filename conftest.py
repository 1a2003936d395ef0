"""Shared fixtures: reference data (taxonomy, units, responsibility list, deadline rules) and one
user per role."""

import pytest
from django.core.management import call_command

from jiesu.org.models import Role, Unit
from jiesu.org.services import create_user

# The browser tests' fixtures (Chromium, desk and phone pages, login, screenshots).
pytest_plugins = ["jiesu.common.testing.browser"]

CENTRE = "110106-JSJB"
FANGZHUANG = "110106013"  # 方庄街道
YOUANMEN = "110106001"  # 右安门街道
ZHUJIANWEI = "110106-D01"  # 区住建委


def ensure_reference_data() -> None:
    from jiesu.workorders.models import DeadlineRule

    # Transactional tests flush the database; reload what they removed.
    if not DeadlineRule.objects.exists():
        call_command("load_reference", verbosity=0)


def pytest_configure(config):
    from django.conf import settings

    # Hashing strength is not under test; PBKDF2 would spend seconds per test creating users.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    _travel_to_test_now()


def _travel_to_test_now() -> None:
    """JIESU_TEST_NOW=2027-01-04T10:00+08:00 runs the whole suite with the clock moved there (and
    ticking), to check that nothing depends on today's date — e.g. the end of a calendar library."""
    import datetime as dt
    import os

    import time_machine

    when = os.environ.get("JIESU_TEST_NOW")
    if when:
        time_machine.travel(dt.datetime.fromisoformat(when), tick=True).start()


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        ensure_reference_data()


@pytest.fixture
def reference(db):
    ensure_reference_data()


@pytest.fixture
def units(reference):
    return {u.code: u for u in Unit.objects.all()}


@pytest.fixture
def users(units):
    def make(name, role, unit_code):
        return create_user(username=name, password="pw-test-123", role=role, unit=units[unit_code], display_name=name)

    return {
        "agent": make("agent", Role.AGENT, CENTRE),
        "dispatcher": make("dispatcher", Role.DISPATCHER, CENTRE),
        "callback": make("callback", Role.CALLBACK_AGENT, CENTRE),
        "district_leader": make("district_leader", Role.DISTRICT_LEADER, "110106"),
        "auditor": make("auditor", Role.AUDITOR, CENTRE),
        "admin": make("admin", Role.ADMIN, CENTRE),
        "handler": make("handler", Role.HANDLER, FANGZHUANG),
        "unit_leader": make("unit_leader", Role.UNIT_LEADER, FANGZHUANG),
        "other_handler": make("other_handler", Role.HANDLER, YOUANMEN),
        "dept_handler": make("dept_handler", Role.HANDLER, ZHUJIANWEI),
    }


@pytest.fixture(autouse=True)
def _attachments_in_tmp(settings, tmp_path_factory):
    """Attachment files of a test go to a fresh folder, never to var/media."""
    folder = tmp_path_factory.mktemp("attachments")
    settings.STORAGES = {
        **settings.STORAGES,
        "attachments": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(folder), "base_url": None},
        },
    }
    return folder


@pytest.fixture(autouse=True)
def _empty_cache():
    """Django's cache starts empty in every test: stored pages (jiesu.reports.stored) are keyed by
    row counts and ids, which a rolled-back SQLite test hands out again to the next one."""
    from django.core.cache import cache

    cache.clear()
