"""The shapes GeoReport v2 gives for each answer, written from the spec's field tables
(wiki.open311.org/GeoReport_v2 and its Service Discovery page): JSON Schemas for the JSON
answers and an element-structure checker for the XML ones."""

import re
from xml.etree import ElementTree as ET

import jsonschema

W3C_DATETIME = r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$"
_dt = {"type": "string", "pattern": W3C_DATETIME}
_opt_dt = {"anyOf": [_dt, {"type": "null"}]}
_str = {"type": "string"}
_opt_str = {"type": ["string", "null"]}
_id = {"type": ["string", "integer"]}


def _obj(required: dict, optional: dict | None = None) -> dict:
    return {
        "type": "object",
        "required": list(required),
        "properties": {**required, **(optional or {})},
        "additionalProperties": False,
    }


SERVICE = _obj(
    {
        "service_code": _id,
        "service_name": _str,
        "description": _opt_str,
        "metadata": {"type": "boolean"},
        "type": {"enum": ["realtime", "batch", "blackbox"]},
        "keywords": _opt_str,
        "group": _opt_str,
    }
)
VALUE = _obj({"key": _id, "name": _str})
ATTRIBUTE = _obj(
    {
        "variable": {"type": "boolean"},
        "code": _id,
        "datatype": {"enum": ["string", "number", "datetime", "text", "singlevaluelist", "multivaluelist"]},
        "required": {"type": "boolean"},
        "datatype_description": _opt_str,
        "order": {"type": "integer", "minimum": 1},
        "description": _str,
    },
    {"values": {"type": "array", "items": VALUE}},
)
SERVICE_REQUEST = _obj(
    {
        "service_request_id": _id,
        "status": {"enum": ["open", "closed"]},
        "service_name": _opt_str,
        "service_code": {"type": ["string", "integer", "null"]},
        "description": _opt_str,
        "requested_datetime": _dt,
        "updated_datetime": _dt,
        "address": _opt_str,
        "address_id": {"type": ["string", "integer", "null"]},
        "zipcode": {"type": ["string", "integer", "null"]},
        "lat": {"type": ["number", "null"]},
        "long": {"type": ["number", "null"]},
        "media_url": _opt_str,
    },
    {
        "status_notes": _opt_str,
        "agency_responsible": _opt_str,
        "service_notice": _opt_str,
        "expected_datetime": _opt_dt,
    },
)
# POST answer: service_request_id XOR token (spec: "should not be returned if … is returned").
CREATED = {
    "type": "object",
    "properties": {"service_request_id": _id, "token": _id, "service_notice": _opt_str, "account_id": _opt_str},
    "additionalProperties": False,
    "oneOf": [{"required": ["service_request_id"]}, {"required": ["token"]}],
}
TOKEN = _obj({"service_request_id": _id, "token": _id})
ERROR = _obj({"code": {"type": ["string", "integer"]}, "description": {"type": "string", "minLength": 1}})

JSON_SCHEMAS = {
    "discovery": _obj(
        {
            "changeset": _dt,
            "contact": _str,
            "key_service": _str,
            "endpoints": {
                "type": "array",
                "minItems": 1,
                "items": _obj(
                    {
                        "specification": {"const": "http://wiki.open311.org/GeoReport_v2"},
                        "url": {"type": "string", "pattern": "^https?://"},
                        "changeset": _dt,
                        "type": {"enum": ["production", "test"]},
                        "formats": {"type": "array", "items": {"enum": ["text/xml", "application/json"]}},
                    }
                ),
            },
        }
    ),
    "services": {"type": "array", "items": SERVICE},
    "service_definition": _obj({"service_code": _id, "attributes": {"type": "array", "items": ATTRIBUTE}}),
    "service_requests": {"type": "array", "items": SERVICE_REQUEST},
    "created": {"type": "array", "minItems": 1, "maxItems": 1, "items": CREATED},
    "token": {"type": "array", "minItems": 1, "maxItems": 1, "items": TOKEN},
    "errors": {"type": "array", "minItems": 1, "items": ERROR},
}


def check_json(kind: str, data) -> None:
    jsonschema.validate(data, JSON_SCHEMAS[kind])


# XML: element → (required children, optional children); a child named in LISTS is a wrapper
# of repeated items. Leaf text is checked by the same type rules as the JSON.
_LEAF = {"string": None, "bool": r"^(true|false)$", "int": r"^\d+$", "num": r"^-?\d+(\.\d+)?$", "dt": W3C_DATETIME}
XML_SHAPES = {
    "discovery": (
        {"changeset": "dt", "contact": "string", "key_service": "string", "endpoints": "endpoints"},
        {},
    ),
    "endpoint": (
        {"specification": "string", "url": "string", "changeset": "dt", "type": "string", "formats": "formats"},
        {},
    ),
    "service": (
        {
            "service_code": "string",
            "service_name": "string",
            "description": "string",
            "metadata": "bool",
            "type": "string",
            "keywords": "string",
            "group": "string",
        },
        {},
    ),
    "service_definition": ({"service_code": "string", "attributes": "attributes"}, {}),
    "attribute": (
        {
            "variable": "bool",
            "code": "string",
            "datatype": "string",
            "required": "bool",
            "datatype_description": "string",
            "order": "int",
            "description": "string",
        },
        {"values": "values"},
    ),
    "value": ({"key": "string", "name": "string"}, {}),
    "request": (
        {},
        {
            "service_request_id": "string",
            "token": "string",
            "status": "string",
            "status_notes": "string",
            "service_name": "string",
            "service_code": "string",
            "description": "string",
            "agency_responsible": "string",
            "service_notice": "string",
            "requested_datetime": "dt",
            "updated_datetime": "dt",
            "expected_datetime": "dt",
            "address": "string",
            "address_id": "string",
            "zipcode": "string",
            "lat": "num",
            "long": "num",
            "media_url": "string",
            "account_id": "string",
        },
    ),
    "error": ({"code": "string", "description": "string"}, {}),
}
LISTS = {
    "services": "service",
    "service_requests": "request",
    "attributes": "attribute",
    "values": "value",
    "endpoints": "endpoint",
    "formats": "format",
    "errors": "error",
}
REQUEST_KINDS = {
    "service_requests": {"service_request_id", "status", "requested_datetime", "updated_datetime"},
    "created": set(),
    "token": {"service_request_id", "token"},
}


def _check_element(element: ET.Element, name: str, where: str) -> None:
    if name in LISTS:
        for child in element:
            assert child.tag == LISTS[name], f"{where}: <{child.tag}> in <{name}>, expected <{LISTS[name]}>"
            _check_element(child, child.tag, f"{where}/{child.tag}")
        return
    if name == "format":
        assert element.text in ("text/xml", "application/json"), f"{where}: format {element.text}"
        return
    required, optional = XML_SHAPES[name]
    allowed = {**required, **optional}
    tags = [child.tag for child in element]
    assert len(tags) == len(set(tags)), f"{where}: repeated elements {tags}"
    for tag in required:
        assert tag in tags, f"{where}: missing <{tag}>"
    for child in element:
        assert child.tag in allowed, f"{where}: unexpected <{child.tag}>"
        kind = allowed[child.tag]
        if kind in LISTS or kind == "endpoints":
            _check_element(child, child.tag, f"{where}/{child.tag}")
        elif child.text:
            assert len(child) == 0, f"{where}/{child.tag}: leaf has children"
            pattern = _LEAF[kind]
            assert pattern is None or re.match(pattern, child.text), (
                f"{where}/{child.tag}: {child.text!r} is not {kind}"
            )


def check_xml(root_name: str, body: bytes, *, request_kind: str = "service_requests") -> ET.Element:
    """Check declaration, encoding and structure; returns the parsed root."""
    assert body.startswith(b'<?xml version="1.0" encoding="UTF-8"?>'), body[:60]
    body.decode("utf-8")
    root = ET.fromstring(body)
    assert root.tag == root_name, f"root <{root.tag}>, expected <{root_name}>"
    _check_element(root, root_name, root_name)
    if root_name == "service_requests":
        for request in root:
            missing = REQUEST_KINDS[request_kind] - {child.tag for child in request}
            assert not missing, f"request lacks {missing}"
            if request_kind == "created":
                assert ("service_request_id" in [c.tag for c in request]) != ("token" in [c.tag for c in request])
    return root
