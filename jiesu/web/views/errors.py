"""The platform's own 400/403/404/500 answers: Chinese pages for people, {code, message} for API
clients (/api/, /open311/). With DEBUG off nothing of Django's debug pages can show."""

from django.http import HttpResponse, JsonResponse
from django.template import loader

_API_PREFIXES = ("/api/", "/open311/")
_TEXTS = {
    400: ("bad_request", "请求格式有误"),
    403: ("forbidden", "无权访问"),
    404: ("not_found", "页面不存在"),
    500: ("server_error", "服务器内部错误，请稍后再试；问题已记录"),
}


def _answer(request, status: int, *, template: str, use_request: bool = True) -> HttpResponse:
    code, message = _TEXTS[status]
    if request.path.startswith(_API_PREFIXES):
        return JsonResponse(
            {"code": code, "message": message}, status=status, json_dumps_params={"ensure_ascii": False}
        )
    context = {"status": status, "message": message, "request_id": getattr(request, "request_id", "")}
    # The 500 page renders without context processors or the navigation: whatever broke may be
    # what they need (the database, a template tag).
    html = loader.get_template(template).render(context, request if use_request else None)
    return HttpResponse(html, status=status)


def bad_request(request, exception=None):
    return _answer(request, 400, template="errors/4xx.html")


def permission_denied(request, exception=None):
    return _answer(request, 403, template="errors/4xx.html")


def not_found(request, exception=None):
    return _answer(request, 404, template="errors/4xx.html")


def server_error(request):
    return _answer(request, 500, template="errors/500.html", use_request=False)
