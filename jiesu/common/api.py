"""API building blocks shared by the apps' views: the error body and query-parameter parsing."""

import datetime as dt

from rest_framework import serializers

from jiesu.common.errors import InvalidInput


class ErrorSerializer(serializers.Serializer):
    """Every API error: a stable code for machines and a Chinese message for people."""

    code = serializers.CharField()
    message = serializers.CharField()


ERROR_RESPONSES = {400: ErrorSerializer, 403: ErrorSerializer, 404: ErrorSerializer, 409: ErrorSerializer}


def bool_param(value: str | None, *, name: str) -> bool | None:
    if value in (None, ""):
        return None
    if value.lower() in ("1", "true", "yes"):
        return True
    if value.lower() in ("0", "false", "no"):
        return False
    raise InvalidInput(f"参数 {name} 只能是 true 或 false", code="invalid_parameter")


def date_param(value: str | None, *, name: str) -> dt.date | None:
    if not value:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise InvalidInput(f"参数 {name} 须为 YYYY-MM-DD 格式的日期", code="invalid_parameter") from None
