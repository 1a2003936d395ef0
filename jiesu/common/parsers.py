"""The API's JSON parser, limited: a body over the size limit is 413, nesting deeper than the
limit or a NUL anywhere is 400 — instead of a RecursionError or a database error further on."""

import json

from rest_framework import status
from rest_framework.exceptions import APIException, ParseError
from rest_framework.parsers import JSONParser

from jiesu.common import validation
from jiesu.common.errors import InvalidInput
from jiesu.common.guard import too_large_message


class RequestTooLarge(APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_code = "request_too_large"
    default_detail = "请求内容过大"


class LimitedJSONParser(JSONParser):
    def parse(self, stream, media_type=None, parser_context=None):
        limit = validation.request_limit("max_body_bytes")
        raw = stream.read(limit + 1) if stream is not None else b""
        if len(raw) > limit:
            raise RequestTooLarge(too_large_message(limit))
        encoding = (parser_context or {}).get("encoding", "utf-8")
        try:
            data = json.loads(raw.decode(encoding))
        except RecursionError:
            raise InvalidInput(
                f"JSON 嵌套层数不能超过{validation.request_limit('json_max_depth')}层", code="too_deep"
            ) from None
        except ValueError as error:
            raise ParseError(f"JSON parse error - {error}") from None
        return validation.clean_json(data, label="请求内容")
