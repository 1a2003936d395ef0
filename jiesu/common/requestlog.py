"""Request ids and one structured log line per request.

Every request gets an id — the caller's X-Request-ID when it is a sane token (a proxy or load
balancer may set one), else a fresh one — echoed in the response header and attached to every log
record written while the request runs (RequestIdFilter), so one request's lines can be found
across gunicorn workers and in the JSON logs. Celery tasks carry their task id the same way."""

import logging
import re
import time
import uuid
from contextvars import ContextVar

_request_id: ContextVar[str] = ContextVar("request_id", default="-")
_SANE = re.compile(r"^[A-Za-z0-9._:-]{8,64}$")
log = logging.getLogger("jiesu.request")


def current_request_id() -> str:
    return _request_id.get()


def bind_request_id(value: str):
    """Set the id for the running context (a task, a timer pass); returns the token to reset."""
    return _request_id.set(value)


def reset_request_id(token) -> None:
    _request_id.reset(token)


class RequestIdFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "request_id"):
            record.request_id = _request_id.get()
        return True


class RequestIdMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        given = request.headers.get("X-Request-ID", "")
        request_id = given if _SANE.match(given) else uuid.uuid4().hex
        request.request_id = request_id
        token = _request_id.set(request_id)
        started = time.perf_counter()
        status = 500
        try:
            response = self.get_response(request)
            status = response.status_code
            response["X-Request-ID"] = request_id
            return response
        finally:
            user = getattr(request, "user", None)
            log.info(
                "request",
                extra={
                    "method": request.method,
                    "path": request.path,
                    "status": status,
                    "ms": round((time.perf_counter() - started) * 1000, 1),
                    "user": user.pk if user is not None and user.is_authenticated else None,
                },
            )
            _request_id.reset(token)

    def process_exception(self, request, exception):
        """The database pool stayed busy past its timeout: a quick, honest 503 (the client may
        retry) rather than a 500 — the connection limit is doing its job."""
        cause = exception.__cause__ or exception
        if type(cause).__name__ == "PoolTimeout":
            from django.http import HttpResponse

            log.warning("database pool busy", extra={"path": request.path})
            response = HttpResponse(
                "系统繁忙，请稍后再试（Service busy, please retry）",
                status=503,
                content_type="text/plain; charset=utf-8",
            )
            response["Retry-After"] = "2"
            return response
        return None
