"""Request guard: refuses before any view runs what no view should see — bodies over the size
limit (413), NUL or control characters in the path, the query or a form field (400), more form
fields than allowed (400). API clients (/api/, /open311/) get JSON, people a Chinese page.

The limits come from the validation layer (data/rules/input_limits.yaml)."""

from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent
from django.http import HttpResponse, JsonResponse
from django.template import loader

from jiesu.common import validation

_API_PREFIXES = ("/api/", "/open311/")


def _answer(request, status: int, code: str, message: str) -> HttpResponse:
    if request.path.startswith("/open311/"):
        body = [{"code": code, "description": message}]
        return JsonResponse(body, status=status, safe=False, json_dumps_params={"ensure_ascii": False})
    if request.path.startswith(_API_PREFIXES):
        return JsonResponse(
            {"code": code, "message": message}, status=status, json_dumps_params={"ensure_ascii": False}
        )
    context = {"status": status, "message": message, "request_id": getattr(request, "request_id", "")}
    return HttpResponse(loader.get_template("errors/4xx.html").render(context), status=status)


def too_large_message(limit: int) -> str:
    return f"请求内容过大，不能超过 {limit / 1024 / 1024:.1f} MB"


def _content_length(request) -> int:
    try:
        return int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return 0


def _has_control(values) -> bool:
    return any(validation.has_control_chars(v, multiline=True) for v in values if isinstance(v, str))


class RequestGuardMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        multipart = (request.META.get("CONTENT_TYPE") or "").startswith("multipart/")
        limit = validation.request_limit("max_upload_bytes" if multipart else "max_body_bytes")
        if _content_length(request) > limit:
            return _answer(request, 413, "request_too_large", too_large_message(limit))
        if validation.has_control_chars(request.path, multiline=False):
            return _answer(request, 400, "control_characters", "请求地址含有不可见的控制字符（如 NUL）")
        query = request.GET
        if _has_control(query.keys()) or any(_has_control(query.getlist(k)) for k in query):
            return _answer(request, 400, "control_characters", "查询参数含有不可见的控制字符（如 NUL）")
        if request.method == "POST" and (multipart or request.content_type == "application/x-www-form-urlencoded"):
            try:
                form = request.POST
            except RequestDataTooBig:
                return _answer(request, 413, "request_too_large", too_large_message(limit))
            except TooManyFieldsSent:
                return _answer(request, 400, "too_many_fields", "表单字段过多")
            if _has_control(form.keys()) or any(_has_control(form.getlist(k)) for k in form):
                return _answer(
                    request, 400, "control_characters", "提交内容含有不可见的控制字符（如 NUL），请删除后重试"
                )
        return self.get_response(request)
