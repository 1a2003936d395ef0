import datetime as dt

import pytest
from django.utils import timezone

from jiesu.notify import rules, services
from jiesu.notify.models import RecipientProfile

TZ = timezone.get_fixed_timezone(8 * 60)


def at(*args) -> dt.datetime:
    return dt.datetime(*args, tzinfo=TZ)


@pytest.fixture(autouse=True)
def fresh_rules():
    # Rules and templates are cached per process; a test's rows are rolled back without a signal.
    rules.invalidate()
    services.invalidate_templates()
    yield
    rules.invalidate()
    services.invalidate_templates()


@pytest.fixture
def staff(users):
    """The fixture users with e-mail addresses and (some) mobile numbers."""
    for name, user in users.items():
        user.email = f"{name}@example.test"
        user.save(update_fields=["email"])
    RecipientProfile.objects.create(user=users["unit_leader"], phone="13900000001")
    return users
