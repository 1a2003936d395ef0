"""Optional TOTP (django-otp): an account with a confirmed device needs the authenticator's code
on the login page and for an API token; accounts without one are unaffected."""

import pytest
from django.test import Client
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice
from rest_framework.test import APIClient

PASSWORD = "pw-test-123"


def current_code(device: TOTPDevice) -> str:
    return f"{totp(device.bin_key, device.step, device.t0, device.digits, device.drift):06d}"


@pytest.fixture
def device(users):
    return TOTPDevice.objects.create(user=users["district_leader"], name="领导手机", confirmed=True)


@pytest.mark.django_db
def test_login_page_needs_the_code_for_an_enrolled_leader(users, device):
    client = Client()
    missing = client.post("/login/", {"username": "district_leader", "password": PASSWORD})
    assert missing.status_code == 200 and "动态口令" in missing.content.decode()
    assert "_auth_user_id" not in client.session
    wrong = client.post("/login/", {"username": "district_leader", "password": PASSWORD, "otp_token": "000000"})
    assert wrong.status_code == 200 and "_auth_user_id" not in client.session
    device.refresh_from_db()
    assert device.throttling_failure_count == 1  # django-otp slows down guessing of codes
    device.throttle_reset()
    right = client.post(
        "/login/", {"username": "district_leader", "password": PASSWORD, "otp_token": current_code(device)}
    )
    assert right.status_code == 302 and client.session["_auth_user_id"] == str(users["district_leader"].pk)
    assert client.session.get("otp_device_id") == device.persistent_id


@pytest.mark.django_db
def test_accounts_without_a_device_log_in_as_before(users, device):
    assert Client().post("/login/", {"username": "agent", "password": PASSWORD}).status_code == 302


@pytest.mark.django_db
def test_api_token_needs_the_code_too(users, device):
    api = APIClient()
    refused = api.post("/api/v1/auth/token", {"username": "district_leader", "password": PASSWORD}, format="json")
    assert refused.status_code == 400 and refused.json()["code"] == "otp_required"
    issued = api.post(
        "/api/v1/auth/token",
        {"username": "district_leader", "password": PASSWORD, "otp_token": current_code(device)},
        format="json",
    )
    assert issued.status_code == 200 and issued.json()["token"]


@pytest.mark.django_db
def test_admin_login_goes_through_the_platform_login():
    response = Client().get("/admin/login/")
    assert response.status_code == 302 and response["Location"].startswith("/login/?next=/admin/")


@pytest.mark.django_db
def test_wrong_codes_count_toward_the_lockout_like_wrong_passwords(users, device, settings):
    """Right password, wrong code: a failed login for django-axes, on the page and on the API, so
    guessing codes locks the account as guessing passwords does."""
    from axes.models import AccessAttempt

    settings.AXES_FAILURE_LIMIT = 3
    client = Client()
    for _ in range(2):
        client.post("/login/", {"username": "district_leader", "password": PASSWORD, "otp_token": "000000"})
        device.throttle_reset()
    api = APIClient()
    api.post(
        "/api/v1/auth/token",
        {"username": "district_leader", "password": PASSWORD, "otp_token": "000000"},
        format="json",
    )
    device.throttle_reset()
    attempts = AccessAttempt.objects.filter(username="district_leader")
    assert sum(a.failures_since_start for a in attempts) == 3
    # Locked now: even the right code is refused.
    locked = api.post(
        "/api/v1/auth/token",
        {"username": "district_leader", "password": PASSWORD, "otp_token": current_code(device)},
        format="json",
    )
    assert locked.status_code == 429 and locked.json()["code"] == "locked_out"
    # A missing code is a question, not a guess: nothing counted for accounts asked for it.
    AccessAttempt.objects.all().delete()
    client.post("/login/", {"username": "district_leader", "password": PASSWORD})
    assert not AccessAttempt.objects.filter(username="district_leader").exists()
