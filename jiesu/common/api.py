"""API building blocks shared by the apps' views: the error body and query-parameter parsing."""

import datetime as dt

from rest_framework import serializers

from jiesu.common import validation
from jiesu.common.errors import InvalidInput

# The kind of limit (data/rules/input_limits.yaml, `text:`) of input fields by their usual names.
FIELD_KINDS = {
    "reason": "reason",
    "note": "note",
    "content": "content",
    "reply": "reply",
    "title": "title",
    "address": "address",
    "requester_name": "name",
    "requester_phone": "phone",
    "client_ref": "code",
    "master": "code",
}


class StrictInputSerializer(serializers.Serializer):
    """Base of the API's input serializers: every text, time and coordinate goes through the one
    validation layer (jiesu.common.validation) after DRF's type checks. Text fields take their
    maximum length from the limits file, so the OpenAPI schema documents the same number."""

    text_kinds: dict[str, str] = {}

    def _kind(self, name: str) -> str:
        return self.text_kinds.get(name) or FIELD_KINDS.get(name, "default")

    def get_fields(self):
        fields = super().get_fields()
        for name, field in fields.items():
            if isinstance(field, serializers.CharField) and not isinstance(field, serializers.ChoiceField):
                field.max_length = validation.max_length(self._kind(name))
        return fields

    def validate(self, attrs):
        attrs = super().validate(attrs)
        for name, value in list(attrs.items()):
            label = str(getattr(self.fields.get(name), "label", None) or name)
            if isinstance(value, str):
                attrs[name] = validation.clean_text(value, kind=self._kind(name), field=name, label=label)
            elif isinstance(value, dt.datetime):
                validation.clean_datetime(value, field=name, label=label)
            elif isinstance(value, dt.date):
                validation.clean_date(value, field=name, label=label)
            elif isinstance(value, dict | list):
                validation.clean_json(value, field=name, label=label)
        if attrs.get("lat") is not None or attrs.get("lng") is not None:
            attrs["lat"], attrs["lng"] = validation.clean_point(attrs.get("lat"), attrs.get("lng"))
        return attrs


class ErrorSerializer(serializers.Serializer):
    """Every API error: a stable code for machines and a Chinese message for people."""

    code = serializers.CharField()
    message = serializers.CharField()


# Every error an endpoint may answer, documented (Schemathesis checks status codes against them):
# 401 without valid credentials, 413 for an oversized body, 503 while the database is away.
ERROR_RESPONSES = {
    400: ErrorSerializer,
    401: ErrorSerializer,
    403: ErrorSerializer,
    404: ErrorSerializer,
    409: ErrorSerializer,
    413: ErrorSerializer,
    503: ErrorSerializer,
}


def bool_param(value: str | None, *, name: str) -> bool | None:
    if value in (None, ""):
        return None
    if value.lower() in ("1", "true", "yes"):
        return True
    if value.lower() in ("0", "false", "no"):
        return False
    raise InvalidInput(f"参数 {name} 只能是 true 或 false", code="invalid_parameter")


def date_param(value: str | None, *, name: str) -> dt.date | None:
    """A YYYY-MM-DD query parameter inside the platform's time window (jiesu.common.validation)."""
    try:
        return validation.parse_date(value, field=name, label=f"参数 {name} ")
    except InvalidInput as error:
        raise InvalidInput(error.message, code="invalid_parameter", details=error.details) from None
