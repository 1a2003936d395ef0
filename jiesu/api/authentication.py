"""How API requests authenticate (DEFAULT_AUTHENTICATION_CLASSES): its own module, because DRF
imports it while its views module is still loading."""

from django.utils import timezone
from knox.auth import TokenAuthentication


class ExpiringTokenAuthentication(TokenAuthentication):
    """knox's token check without its per-request sweep: knox reads every other token of the user on
    each request to delete the expired ones (a second query on the busiest path). An expired token is
    refused here all the same; the sweep runs nightly (`api.purge_expired_tokens`)."""

    def _cleanup_token(self, auth_token) -> bool:
        if auth_token.expiry is not None and auth_token.expiry < timezone.now():
            auth_token.delete()
            return True
        return False
