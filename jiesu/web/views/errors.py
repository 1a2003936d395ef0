"""The platform's own 400/403/404/500 answers: Chinese pages for people, {code, message} for API
clients (/api/, /open311/). With DEBUG off nothing of Django's debug pages can show."""

from urllib.parse import urlsplit

from django.conf import settings
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
    context = {
        "status": status,
        "message": message,
        "request_id": getattr(request, "request_id", ""),
        "back": _back_link(request),
    }
    # The 500 page renders without context processors or the navigation: whatever broke may be
    # what they need (the database, a template tag).
    html = loader.get_template(template).render(context, request if use_request else None)
    return HttpResponse(html, status=status)


def _back_link(request) -> str:
    """The page the user came from, when it is on this site (never an open redirect elsewhere)."""
    referer = request.META.get("HTTP_REFERER", "")
    parts = urlsplit(referer)
    if not referer or (parts.netloc and parts.netloc != request.get_host()):
        return ""
    back = parts.path + (f"?{parts.query}" if parts.query else "")
    return back if back.startswith("/") and back != request.get_full_path() else ""


def bad_request(request, exception=None):
    return _answer(request, 400, template="errors/4xx.html")


def permission_denied(request, exception=None):
    return _answer(request, 403, template="errors/4xx.html")


def not_found(request, exception=None):
    return _answer(request, 404, template="errors/4xx.html")


def server_error(request):
    return _answer(request, 500, template="errors/500.html", use_request=False)


_HANDLERS = {400: bad_request, 403: permission_denied, 404: not_found}


class ChineseErrorPagesMiddleware:
    """With DEBUG on (bin/start's demo) Django answers errors with its English technical pages;
    this swaps them for the platform's Chinese pages so a demo user never meets one.
    JIESU_TECHNICAL_ERRORS=1 keeps Django's pages for a developer who wants the traceback."""

    _MARKER = b"DEBUG = True"  # in every technical 404/500 page Django renders

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if not settings.DEBUG or getattr(settings, "JIESU_TECHNICAL_ERRORS", False):
            return response
        status = response.status_code
        if status not in (400, 403, 404, 500) or getattr(response, "streaming", False):
            return response
        if self._MARKER not in response.content[:200_000]:
            return response
        return server_error(request) if status == 500 else _HANDLERS[status](request)
