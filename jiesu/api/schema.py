"""OpenAPI: the token scheme of ExpiringTokenAuthentication is knox's (drf-spectacular's contrib)."""

from drf_spectacular.contrib.knox_auth_token import KnoxTokenScheme


class ExpiringTokenScheme(KnoxTokenScheme):
    target_class = "jiesu.api.authentication.ExpiringTokenAuthentication"
