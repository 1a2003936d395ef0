"""POST requests: validate an Open311 form and create an ordinary work order (channel open311)
through jiesu.workorders.services.create_order, so it is dispatched like any other request."""

import datetime as dt

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator, validate_email
from django.db import transaction
from django.utils import timezone

from jiesu.common import validation
from jiesu.common.errors import DomainError, InvalidInput
from jiesu.dispatch.services import recommend_on_create
from jiesu.intake.models import ApiKey, Open311Submission
from jiesu.intake.open311 import catalogue, conf, params
from jiesu.intake.open311.formats import Open311Error
from jiesu.org.models import Community, Grid
from jiesu.workorders.models import Category, Channel
from jiesu.workorders.services import create_order

# The spec limits description to 4,000 characters (our own orders may be longer).
MAX_DESCRIPTION = 4000
_STATUS_OF = {400: 400, 403: 403, 404: 404}
# Field names of create_order's errors → the Open311 parameter the client sent.
_PARAM_OF = {"requester_phone": "phone", "content": "description", "title": "attribute[title]", "lat": "lat"}


def authenticate(data) -> ApiKey:
    key = params.text(data, "api_key")
    if not key:
        raise Open311Error.one(403, "api_key_missing", "缺少 api_key：提交诉求须提供有效的API密钥")
    api_key = ApiKey.objects.filter(key=key, is_active=True).first()
    if api_key is None:
        raise Open311Error.one(403, "api_key_invalid", "api_key 无效或已停用，无法提交诉求")
    return api_key


def optional_key(data) -> bool:
    """Reads: no api_key means the public subset; a given key must be valid (403 otherwise)."""
    if not params.text(data, "api_key"):
        return False
    authenticate(data)
    return True


def _attributes(data) -> dict[str, list[str]]:
    """attribute[code]=v and attribute[code][]=v1&attribute[code][]=v2 (multivaluelist)."""
    found: dict[str, list[str]] = {}
    for name in data:
        if not name.startswith("attribute[") or not name.endswith("]"):
            continue
        code = name[len("attribute[") :].removesuffix("[]").rstrip("]")
        found.setdefault(code, []).extend(v for v in data.getlist(name) if v.strip())
    return found


def _check_attributes(category: Category, given: dict[str, list[str]], errors: list) -> dict:
    definitions = {a.code: a for a in catalogue.attributes_for(category)}
    clean: dict = {}
    for code in sorted(set(given) - set(definitions)):
        errors.append(("attribute_unknown", f"服务 {category.code} 没有属性 attribute[{code}]"))
    for code, attribute in definitions.items():
        values = given.get(code, [])
        if not values:
            if attribute.required:
                errors.append(("attribute_required", f"请填写 attribute[{code}]（{attribute.description}）"))
            continue
        if attribute.datatype != "multivaluelist" and len(values) > 1:
            errors.append(("attribute_invalid", f"attribute[{code}] 只能有一个值"))
            continue
        value = values[0].strip()
        if attribute.datatype in ("singlevaluelist", "multivaluelist"):
            keys = {str(v["key"]) for v in attribute.values}
            bad = [v for v in values if v not in keys]
            if bad:
                errors.append(("attribute_invalid", f"attribute[{code}] 的取值无效：{'、'.join(bad)}"))
                continue
            clean[code] = values if attribute.datatype == "multivaluelist" else value
        elif attribute.datatype == "number":
            try:  # bounded by the validation layer: a 5,000-digit number is refused, not converted
                number = validation.clean_number(value, kind="attribute", field=f"attribute[{code}]")
                if number is None or number < 0:
                    raise InvalidInput
            except InvalidInput:
                errors.append(("attribute_invalid", f"attribute[{code}] 须为不超过十亿的非负数字：{value[:40]}"))
                continue
            clean[code] = int(number) if float(number).is_integer() else number
        elif attribute.datatype == "datetime":
            try:
                clean[code] = params.w3_datetime(value, field=f"attribute[{code}]")
            except Open311Error as error:
                errors.extend(error.errors)
        else:
            if attribute.max_length and len(value) > attribute.max_length:
                errors.append(("attribute_too_long", f"attribute[{code}] 不能超过{attribute.max_length}字"))
                continue
            if attribute.datatype == "string" and "\n" in value:
                errors.append(("attribute_invalid", f"attribute[{code}] 不能包含换行"))
                continue
            clean[code] = value
    return clean


def _location(data, errors: list) -> dict:
    lat_text, long_text = params.text(data, "lat"), params.text(data, "long")
    address, address_id = params.text(data, "address_string"), params.text(data, "address_id")
    place: dict = {"address": address[:300], "lat": None, "lng": None, "street": None, "address_id": ""}
    if lat_text or long_text:
        try:
            place["lat"], place["lng"] = validation.clean_point(lat_text, long_text)
        except InvalidInput as error:
            errors.append(("invalid_location", f"lat 与 long 须同时提供，且为有效的 WGS84 经纬度：{error.message}"))
    if address_id:
        community = Community.objects.select_related("street").filter(code=address_id).first()
        grid = None if community else Grid.objects.select_related("street").filter(code=address_id).first()
        place_obj = community or grid
        if place_obj is None:
            errors.append(("address_id_not_found", f"address_id“{address_id}”不是已登记的社区或网格编码"))
        else:
            place["address_id"] = address_id
            place["street"] = place_obj.street
            place["address"] = place["address"] or f"{place_obj.street.name}{place_obj.name}"
    if not (lat_text or long_text or address or address_id):
        errors.append(("location_required", "请提供位置：lat 与 long、address_string 或 address_id 三者之一"))
    return place


def _contact(data, errors: list) -> dict:
    email = params.text(data, "email")
    if email:
        try:
            validate_email(email)
        except ValidationError:
            errors.append(("invalid_email", f"email 格式不正确：{email}"))
    media_url = params.text(data, "media_url")
    if media_url:
        try:
            URLValidator(schemes=["http", "https"])(media_url)
            if len(media_url) > 500:
                raise ValidationError("too long")
        except ValidationError:
            errors.append(("invalid_media_url", "media_url 须为不超过500字符的 http(s) 链接"))
    name = (params.text(data, "last_name") + params.text(data, "first_name"))[:64]  # 姓在前
    return {
        "name": name,
        "phone": params.text(data, "phone"),
        "email": email,
        "device_id": params.text(data, "device_id")[:128],
        "account_id": params.text(data, "account_id")[:128],
        "media_url": media_url,
    }


def _json_safe(attributes: dict) -> dict:
    return {k: v.isoformat() if isinstance(v, dt.datetime) else v for k, v in attributes.items()}


def submit_request(data) -> dict:
    """Validate the form (all problems at once where they are of the same kind) and create the
    order. Returns the spec's answer for one created request."""
    api_key = authenticate(data)
    params.check_jurisdiction(data)
    code = params.text(data, "service_code")
    if not code:
        raise Open311Error.one(400, "service_code_missing", "缺少 service_code：请先调用 services 获取服务编码")
    category = catalogue.find_service(code)
    errors: list[tuple[str, str]] = []
    attributes = _check_attributes(category, _attributes(data), errors)
    place = _location(data, errors)
    contact = _contact(data, errors)
    description = params.text(data, "description")
    if not description:
        errors.append(("description_required", "请填写 description（诉求描述）"))
    elif len(description) > MAX_DESCRIPTION:
        errors.append(("description_too_long", f"description 不能超过{MAX_DESCRIPTION}字"))
    if errors:
        raise Open311Error(400, errors)

    chosen = Category.objects.get(code=attributes["subcategory"]) if "subcategory" in attributes else category
    try:
        with transaction.atomic():
            order, _created = create_order(
                user=None,
                channel=Channel.OPEN311,
                content=description,
                title=attributes.get("title", ""),
                address=place["address"],
                lat=place["lat"],
                lng=place["lng"],
                street=place["street"],
                occurred_at=attributes.get("occurred_at"),
                requester_name=contact["name"],
                requester_phone=contact["phone"],
                urgency=chosen.default_urgency,
                category=chosen,
                payload={"open311": {"api_key": api_key.name, "service_code": category.code}},
            )
            submission = Open311Submission.objects.create(
                order=order,
                api_key=api_key,
                service_code=category.code,
                address_id=place["address_id"],
                email=contact["email"],
                device_id=contact["device_id"],
                account_id=contact["account_id"],
                media_url=contact["media_url"],
                attributes=_json_safe(attributes),
            )
            ApiKey.objects.filter(pk=api_key.pk).update(last_used_at=timezone.now())
    except DomainError as error:
        field = _PARAM_OF.get(error.details.get("field", ""), "")
        message = error.message + (f"（{field}）" if field else "")
        raise Open311Error.one(_STATUS_OF.get(error.status, 400), error.code, message) from None
    # Like every channel: the dispatch proposal (and auto-dispatch when the centre allows it).
    recommend_on_create(user=None, order_id=order.pk)
    answer = {
        "service_notice": catalogue.deadline_notice(urgency=order.urgency),
        "account_id": contact["account_id"] or None,
    }
    if conf.get("return_token"):
        return {"token": submission.token, **answer}
    return {"service_request_id": order.number, **answer}


def resolve_token(token: str) -> dict:
    """tokens/{token}: our tokens, and — because POST may have answered with the id directly —
    the service_request_id of an Open311 request used as its own token."""
    submission = (
        Open311Submission.objects.select_related("order").filter(token=token).first()
        or Open311Submission.objects.select_related("order").filter(order__number=token).first()
    )
    if submission is None:
        raise Open311Error.one(404, "token_not_found", f"令牌“{token}”不存在")
    return {"service_request_id": submission.order.number, "token": token}
