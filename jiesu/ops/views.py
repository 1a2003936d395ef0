"""GET /healthz: 200 while this instance can serve (database and Redis answer), 503 otherwise;
`status` ok / warn / fail with Chinese and English messages per check. No login (a load balancer
asks), nothing secret in the answer."""

from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from jiesu.ops.checks import FAIL, run_all

_LABELS = {"ok": "正常", "warn": "需关注", "fail": "故障"}


@never_cache
@require_GET
def healthz(request):
    overall, checks = run_all()
    body = {
        "status": overall,
        "status_zh": _LABELS[overall],
        "checks": {c.name: c.as_dict() for c in checks},
    }
    return JsonResponse(
        body,
        status=503 if overall == FAIL and _serving_broken(checks) else 200,
        json_dumps_params={"ensure_ascii": False},
    )


def _serving_broken(checks) -> bool:
    return any(c.status == FAIL and c.name in ("database", "redis") for c in checks)
