"""One place that turns every error into `{"code": ..., "message": "中文说明"}` with its status."""

import logging

from django.core.exceptions import PermissionDenied
from django.db import DatabaseError
from django.http import Http404
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from jiesu.common.errors import DomainError
from jiesu.common.parsers import RequestTooLarge

log = logging.getLogger(__name__)

_DRF_MESSAGES = {
    exceptions.NotAuthenticated: ("not_authenticated", "请先登录或提供有效的令牌"),
    exceptions.AuthenticationFailed: ("authentication_failed", "身份认证失败，令牌无效"),
    exceptions.PermissionDenied: ("forbidden", "无权执行该操作"),
    exceptions.NotFound: ("not_found", "未找到"),
    exceptions.MethodNotAllowed: ("method_not_allowed", "不支持该请求方法"),
    exceptions.UnsupportedMediaType: ("unsupported_media_type", "不支持的请求内容类型，请使用 JSON"),
    exceptions.ParseError: ("parse_error", "请求内容无法解析，请检查 JSON 格式"),
    exceptions.Throttled: ("throttled", "请求过于频繁，请稍后再试"),
    exceptions.NotAcceptable: ("not_acceptable", "无法提供所请求的格式"),
}


def _first_field_error(detail) -> tuple[str, str]:
    if isinstance(detail, dict):
        for field, errors in detail.items():
            message = errors[0] if isinstance(errors, list) and errors else errors
            if isinstance(message, dict):
                return _first_field_error(message)
            return field, str(message)
    if isinstance(detail, list) and detail:
        return "", str(detail[0])
    return "", str(detail)


def exception_handler(exc, context):
    if isinstance(exc, DomainError):
        body = {"code": exc.code, "message": exc.message}
        if exc.details:
            body["details"] = exc.details
        return Response(body, status=exc.status)
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied()
    if isinstance(exc, exceptions.ValidationError):
        field, message = _first_field_error(exc.detail)
        label = f"字段 {field}：" if field and field != "non_field_errors" else ""
        return Response(
            {"code": "invalid_input", "message": f"输入内容有误：{label}{message}", "details": exc.detail},
            status=status.HTTP_400_BAD_REQUEST,
        )
    response = drf_exception_handler(exc, context)
    if response is not None and isinstance(exc, RequestTooLarge):
        response.data = {"code": "request_too_large", "message": str(exc.detail)}
        return response
    if response is not None:
        code, message = _DRF_MESSAGES.get(type(exc), ("error", "请求无法处理"))
        response.data = {"code": code, "message": message}
        return response
    if isinstance(exc, DatabaseError):
        log.exception("database error in API")
        return Response(
            {"code": "database_unavailable", "message": "数据库暂时不可用，请稍后重试"},
            status=status.HTTP_503_SERVICE_UNAVAILABLE,
        )
    log.exception("unexpected API error")
    return Response(
        {"code": "internal_error", "message": "服务器内部错误，已记录，请稍后重试"},
        status=status.HTTP_500_INTERNAL_SERVER_ERROR,
    )
