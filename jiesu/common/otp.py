"""Optional second factor (TOTP, django-otp) for the accounts an administrator enrols — meant for
admins and leaders. An account with a confirmed TOTP device must give the authenticator's current
code with its password, on the login page and for an API token; accounts without one log in as
before. Devices are added in the admin (OTP_TOTP › TOTP devices, with the QR code to scan)."""

from django.contrib.auth.signals import user_login_failed
from django_otp import match_token, user_has_device

OTP_MESSAGE = "该账号已启用动态口令：请输入身份验证器App中的6位动态口令"


def second_factor(user, token: str | None, *, request=None):
    """None when the account needs no second factor; the matched device when the token is right.
    Raises ValueError (with the Chinese message) when a needed token is missing or wrong. A wrong
    code counts as a failed login (django-axes locks the account and the address as for a wrong
    password), besides django-otp's own slowing down of guesses."""
    if not user_has_device(user, confirmed=True):
        return None
    device = match_token(user, (token or "").strip()) if token else None
    if device is None:
        if token and request is not None:
            user_login_failed.send(sender=__name__, credentials={"username": user.get_username()}, request=request)
        raise ValueError(OTP_MESSAGE)
    return device
