"""Login protection (issue 14, point 2): lockout per account and per client address on /login/
and /api/v1/auth/token (429 with a Chinese message), 15 minutes; expiring, rotated tokens; audit."""

import datetime as dt

import pytest
import time_machine
from axes.models import AccessAttempt, AccessLog
from django.test import Client, override_settings
from django.utils import timezone
from rest_framework.test import APIClient

PASSWORD = "pw-test-123"


@pytest.fixture(autouse=True)
def _fresh_axes(db):
    AccessAttempt.objects.all().delete()


def token_for(client, username, password, **extra):
    return client.post("/api/v1/auth/token", {"username": username, "password": password}, format="json", **extra)


@pytest.mark.django_db
def test_twenty_wrong_passwords_lock_the_account_for_15_minutes_on_the_api(users):
    start = timezone.now()
    with time_machine.travel(start, tick=False) as clock:
        api = APIClient()
        for attempt in range(19):
            # each from another address: the lock is per account, not only per client
            assert token_for(api, "dispatcher", "wrong", REMOTE_ADDR=f"10.0.0.{attempt + 1}").status_code == 400
        assert token_for(api, "dispatcher", PASSWORD, REMOTE_ADDR="10.0.1.1").status_code == 200  # 19 < 20
        AccessAttempt.objects.all().delete()
        for attempt in range(20):
            token_for(api, "dispatcher", "wrong", REMOTE_ADDR=f"10.0.0.{attempt + 1}")
        locked = token_for(api, "dispatcher", PASSWORD, REMOTE_ADDR="10.0.2.2")
        assert locked.status_code == 429
        assert locked.json()["code"] == "locked_out" and "分钟" in locked.json()["message"]
        clock.shift(dt.timedelta(minutes=14))
        assert token_for(api, "dispatcher", PASSWORD, REMOTE_ADDR="10.0.2.2").status_code == 429
        clock.shift(dt.timedelta(minutes=1, seconds=1))
        assert token_for(api, "dispatcher", PASSWORD, REMOTE_ADDR="10.0.2.2").status_code == 200


@pytest.mark.django_db
def test_one_client_guessing_many_accounts_is_locked_by_address(users):
    api = APIClient()
    names = ["agent", "dispatcher", "callback", "auditor", "admin", "handler", "unit_leader"]
    for attempt in range(20):
        token_for(api, names[attempt % len(names)], "wrong", REMOTE_ADDR="203.0.113.9")
    assert token_for(api, "district_leader", PASSWORD, REMOTE_ADDR="203.0.113.9").status_code == 429
    # the accounts themselves are not locked for someone else
    assert token_for(api, "district_leader", PASSWORD, REMOTE_ADDR="198.51.100.1").status_code == 200


@pytest.mark.django_db
def test_web_login_locks_too(users):
    client = Client()
    for _ in range(20):
        response = client.post("/login/", {"username": "agent", "password": "wrong"})
        assert response.status_code in (200, 429)
    response = client.post("/login/", {"username": "agent", "password": PASSWORD}, REMOTE_ADDR="10.9.9.9")
    assert response.status_code == 429 and "锁定" in response.content.decode()


@pytest.mark.django_db
@override_settings(JIESU_TRUSTED_PROXY_COUNT=1)
def test_behind_a_trusted_proxy_the_forwarded_address_counts(users):
    api = APIClient()
    for _ in range(20):
        # a forged left-hand entry changes nothing: the proxy's own entry (rightmost) counts
        forged = f"192.0.2.{_ + 1}, 198.51.100.7"
        token_for(api, "nobody", "wrong", REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR=forged)
    # same proxy, another client: not locked; the guessing client is
    assert (
        token_for(api, "agent", PASSWORD, REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="198.51.100.8").status_code
        == 200
    )
    assert (
        token_for(api, "agent", PASSWORD, REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="198.51.100.7").status_code
        == 429
    )


@pytest.mark.django_db
def test_tokens_expire_and_rotate(users):
    api = APIClient()
    issued = token_for(api, "dispatcher", PASSWORD).json()
    assert issued["token"] and issued["expiry"]
    api.credentials(HTTP_AUTHORIZATION=f"Token {issued['token']}")
    assert api.get("/api/v1/orders").status_code == 200
    rotated = api.post("/api/v1/auth/token/refresh")
    assert rotated.status_code == 200 and rotated.json()["token"] != issued["token"]
    assert api.get("/api/v1/orders").status_code == 401  # the old token stopped working
    api.credentials(HTTP_AUTHORIZATION=f"Token {rotated.json()['token']}")
    assert api.get("/api/v1/orders").status_code == 200
    with time_machine.travel(timezone.now() + dt.timedelta(hours=10, minutes=1)):
        assert api.get("/api/v1/orders").status_code == 401
    api.credentials(HTTP_AUTHORIZATION=f"Token {token_for(APIClient(), 'dispatcher', PASSWORD).json()['token']}")
    assert api.post("/api/v1/auth/logout").status_code == 204
    assert api.get("/api/v1/orders").status_code == 401


@pytest.mark.django_db
def test_logins_are_audited(users):
    api = APIClient()
    token_for(api, "agent", "wrong", REMOTE_ADDR="192.0.2.5")
    token_for(api, "agent", PASSWORD, REMOTE_ADDR="192.0.2.5")
    Client().post("/login/", {"username": "auditor", "password": PASSWORD}, REMOTE_ADDR="192.0.2.6")
    assert AccessLog.objects.filter(username="agent", ip_address="192.0.2.5").exists()
    assert AccessLog.objects.filter(username="auditor", ip_address="192.0.2.6").exists()
    from axes.models import AccessFailureLog

    assert AccessFailureLog.objects.filter(username="agent", ip_address="192.0.2.5").exists()


@pytest.mark.django_db
def test_expired_tokens_are_refused_on_use_and_swept_nightly(users):
    from knox.models import get_token_model

    from jiesu.api.timers import purge_expired_tokens

    tokens = get_token_model().objects
    stale = APIClient()
    stale.credentials(HTTP_AUTHORIZATION=f"Token {token_for(APIClient(), 'dispatcher', PASSWORD).json()['token']}")
    later = timezone.now() + dt.timedelta(hours=9)
    with time_machine.travel(later):
        fresh = APIClient()
        fresh.credentials(HTTP_AUTHORIZATION=f"Token {token_for(APIClient(), 'dispatcher', PASSWORD).json()['token']}")
    with time_machine.travel(later + dt.timedelta(hours=1, minutes=5)):
        # The first token is past its 10 hours, the second is not: a request with the fresh one
        # works and leaves the other user's-token sweep to the timer; the stale one is refused.
        assert fresh.get("/api/v1/orders").status_code == 200
        assert tokens.filter(user=users["dispatcher"]).count() == 2
        assert stale.get("/api/v1/orders").status_code == 401
        assert tokens.filter(user=users["dispatcher"]).count() == 1  # refused and deleted on use
    stale.credentials(HTTP_AUTHORIZATION=f"Token {token_for(APIClient(), 'dispatcher', PASSWORD).json()['token']}")
    with time_machine.travel(timezone.now() + dt.timedelta(hours=12)):  # the third is past 10 hours, fresh is not
        assert purge_expired_tokens(now=timezone.now()) == {"deleted": 1}  # the unused third token
        assert fresh.get("/api/v1/orders").status_code == 200
    assert tokens.filter(user=users["dispatcher"]).count() == 1
