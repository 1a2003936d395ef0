"""Open311 settings, overridable in Django settings as JIESU_OPEN311 = {...}."""

from django.conf import settings

DEFAULTS = {
    # The jurisdiction this endpoint serves; clients may omit it (spec: only needed by endpoints
    # serving several), but a different value is answered with 404.
    "jurisdiction_id": "fengtai.bj.cn",
    # False: POST answers with service_request_id at once (services are type "realtime");
    # True: it answers with a token to resolve through tokens/{token} (type "batch").
    "return_token": False,
    "contact": "北京市丰台区接诉即办指挥部，电话 12345",
    "key_service": "API密钥由区接诉即办指挥部系统管理员在管理后台“Open311 API密钥”中签发",
    # When this API's shape last changed (discovery "changeset").
    "changeset": "2026-11-24T00:00:00+08:00",
    "max_requests": 1000,
    "max_days": 90,
}


def get(name: str):
    return {**DEFAULTS, **getattr(settings, "JIESU_OPEN311", {})}[name]
