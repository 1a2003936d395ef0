"""Rendering Open311 answers as XML or JSON, and the spec's error list.

The spec's JSON is the Spark-convention mapping of its XML: a list becomes a wrapper element
holding one child per item (services → service, attributes → attribute, …); booleans are
true/false, null is an empty element. Both are UTF-8."""

import json
import re
from xml.etree import ElementTree as ET

from django.http import HttpRequest, HttpResponse

JSON = "json"
XML = "xml"
CONTENT_TYPES = {XML: "text/xml; charset=utf-8", JSON: "application/json; charset=utf-8"}

# Wrapper element → item element, for every list the spec nests.
ITEM_NAMES = {
    "services": "service",
    "service_requests": "request",
    "attributes": "attribute",
    "values": "value",
    "endpoints": "endpoint",
    "formats": "format",
    "errors": "error",
}


def negotiate(request: HttpRequest, suffix: str | None) -> str:
    """The format named by the resource suffix (spec); without one, JSON only when the client's
    Accept header asks for it and XML otherwise (XML is the spec's required default)."""
    if suffix in (JSON, XML):
        return suffix
    accept = request.headers.get("Accept", "")
    if "application/json" in accept and "xml" not in accept:
        return JSON
    return XML


# Characters XML 1.0 cannot carry at all (imported texts sometimes hold them).
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return _NOT_XML.sub("", str(value))


def _append(parent: ET.Element, name: str, value) -> None:
    element = ET.SubElement(parent, name)
    if isinstance(value, list):
        item_name = ITEM_NAMES[name]
        for item in value:
            _append(element, item_name, item)
    elif isinstance(value, dict):
        for key, child in value.items():
            _append(element, key, child)
    else:
        element.text = _text(value)


def to_xml(root: str, data) -> bytes:
    element = ET.Element(root)
    if isinstance(data, list):
        for item in data:
            _append(element, ITEM_NAMES[root], item)
    else:
        for key, child in data.items():
            _append(element, key, child)
    body = ET.tostring(element, encoding="unicode")
    return ('<?xml version="1.0" encoding="UTF-8"?>\n' + body).encode("utf-8")


def render(data, *, root: str, fmt: str, status: int = 200) -> HttpResponse:
    """`root` is the XML root element (services, service_definition, service_requests, …)."""
    if fmt == JSON:
        body = json.dumps(data, ensure_ascii=False).encode("utf-8")
    else:
        body = to_xml(root, data)
    return HttpResponse(body, status=status, content_type=CONTENT_TYPES[fmt])


class Open311Error(Exception):
    """One or more errors, answered as the spec's list of {code, description}. `code` is a stable
    identifier (the spec allows codes more specific than the HTTP status); `status` is 400, 403
    or 404 as the spec prescribes."""

    def __init__(self, status: int, errors: list[tuple[str, str]]):
        self.status = status
        self.errors = errors
        super().__init__("; ".join(f"{code}: {text}" for code, text in errors))

    @classmethod
    def one(cls, status: int, code: str, description: str) -> "Open311Error":
        return cls(status, [(code, description)])


def render_error(error: Open311Error, *, fmt: str) -> HttpResponse:
    data = [{"code": code, "description": text} for code, text in error.errors]
    return render(data, root="errors", fmt=fmt, status=error.status)
