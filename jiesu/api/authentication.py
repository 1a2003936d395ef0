"""How API requests authenticate (DEFAULT_AUTHENTICATION_CLASSES): its own module, because DRF
imports it while its views module is still loading."""

import binascii
from hmac import compare_digest

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from knox.auth import TokenAuthentication
from knox.crypto import hash_token
from knox.models import get_token_model
from knox.settings import CONSTANTS, knox_settings
from rest_framework import exceptions

from jiesu.common.compiled import CompiledQuery


def _tokens(*, key: None, token_key: str):
    return get_token_model().objects.filter(token_key=token_key).select_related("user")


# knox's lookup of the tokens with a key, with their users, compiled once: every API request makes it.
_TOKENS = CompiledQuery(_tokens, token_key=str)


class ExpiringTokenAuthentication(TokenAuthentication):
    """knox's token check without its per-request sweep: knox reads every other token of the user on
    each request to delete the expired ones (a second query on the busiest path). An expired token is
    refused here all the same; the sweep runs nightly (`api.purge_expired_tokens`)."""

    def authenticate_credentials(self, token):
        """knox 5.1's, with the lookup compiled once (test_token_lookup_equals_knox)."""
        msg = _("Invalid token.")
        token = token.decode("utf-8")
        for auth_token in _TOKENS.run(None, token_key=token[: CONSTANTS.TOKEN_KEY_LENGTH]):
            if self._cleanup_token(auth_token):
                continue
            try:
                digest = hash_token(token)
            except (TypeError, binascii.Error):
                raise exceptions.AuthenticationFailed(msg) from None
            if compare_digest(digest, auth_token.digest):
                if knox_settings.AUTO_REFRESH and auth_token.expiry:
                    self.renew_token(auth_token)
                return self.validate_user(auth_token)
        raise exceptions.AuthenticationFailed(msg)

    def _cleanup_token(self, auth_token) -> bool:
        if auth_token.expiry is not None and auth_token.expiry < timezone.now():
            auth_token.delete()
            return True
        return False
