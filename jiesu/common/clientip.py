"""The client's address for lockouts and rate limits.

Without a proxy it is REMOTE_ADDR. Behind JIESU_TRUSTED_PROXY_COUNT = N reverse proxies that each
append the address they saw to X-Forwarded-For (nginx `proxy_add_x_forwarded_for`), it is the N-th
entry from the right: entries further left were written by the client and can be forged, so a
client changing its "source address" in the header gains nothing."""

import ipaddress

from django.conf import settings


def client_ip(request) -> str:
    remote = request.META.get("REMOTE_ADDR", "") or ""
    count = int(getattr(settings, "JIESU_TRUSTED_PROXY_COUNT", 0) or 0)
    if count <= 0:
        return remote
    entries = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if part.strip()]
    if len(entries) < count:
        return remote
    candidate = entries[-count]
    try:
        return str(ipaddress.ip_address(candidate))
    except ValueError:
        return remote
