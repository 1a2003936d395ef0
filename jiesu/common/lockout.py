"""What a locked-out client sees (django-axes' AXES_LOCKOUT_CALLABLE): 429 with a Chinese message,
JSON `{code, message}` for API clients, a page for people. Also used by the token view."""

from django.conf import settings
from django.http import HttpResponse, JsonResponse
from django.template import loader


def lockout_message() -> str:
    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    return f"密码错误次数过多，账号或本机已被暂时锁定，请 {minutes} 分钟后再试；如需立即解锁请联系系统管理员"


def lockout_response(request, original_response=None, credentials=None) -> HttpResponse:
    message = lockout_message()
    if request.path.startswith(("/api/", "/open311/")):
        response = JsonResponse(
            {"code": "locked_out", "message": message}, status=429, json_dumps_params={"ensure_ascii": False}
        )
    else:
        context = {"status": 429, "message": message, "request_id": getattr(request, "request_id", "")}
        response = HttpResponse(loader.get_template("errors/4xx.html").render(context), status=429)
    response["Retry-After"] = str(int(settings.AXES_COOLOFF_TIME.total_seconds()))
    return response
