"""Reading the pages' POST data into service arguments. Bad input raises InvalidInput with a Chinese
message, like the services do, so the page shows one kind of error."""

import datetime as dt

from django.http import QueryDict
from django.utils import timezone

from jiesu.common import validation
from jiesu.common.errors import InvalidInput
from jiesu.org.models import Unit
from jiesu.workorders.models import Category


def text(data: QueryDict, name: str, default: str = "") -> str:
    return (data.get(name) or default).strip()


def optional_float(data: QueryDict, name: str, label: str) -> float | None:
    raw = text(data, name)
    if not raw:
        return None
    try:
        return float(raw)
    except ValueError:
        raise InvalidInput(f"{label}须为数字", code="invalid_number", details={"field": name}) from None


def integer(data: QueryDict, name: str, label: str) -> int:
    raw = text(data, name)
    if not raw or len(raw) > 18:
        raise InvalidInput(f"请填写{label}（整数）", code="invalid_number", details={"field": name})
    try:
        return int(raw)
    except ValueError:
        raise InvalidInput(f"请填写{label}（整数）", code="invalid_number", details={"field": name}) from None


def boolean(data: QueryDict, name: str, label: str, *, required: bool = True) -> bool | None:
    raw = text(data, name)
    if raw in ("1", "true", "yes", "on"):
        return True
    if raw in ("0", "false", "no"):
        return False
    if required:
        raise InvalidInput(f"请选择{label}", code="required", details={"field": name})
    return None


def category(data: QueryDict, name: str = "category", *, required: bool = False) -> Category | None:
    code = text(data, name)
    if not code:
        if required:
            raise InvalidInput("请选择诉求类别（可输入名称或拼音首字母检索）", code="required", details={"field": name})
        return None
    found = Category.objects.filter(code=code, is_active=True).first()
    if found is None:
        raise InvalidInput("诉求类别无效", code="invalid_category", details={"field": name})
    return found


def unit(data: QueryDict, name: str, label: str = "单位", *, required: bool = True) -> Unit | None:
    raw = text(data, name)
    if not raw:
        if required:
            raise InvalidInput(f"请选择{label}", code="required", details={"field": name})
        return None
    found = Unit.objects.filter(pk=raw).first() if raw.isdigit() else Unit.objects.filter(code=raw).first()
    if found is None:
        raise InvalidInput(f"{label}无效", code="invalid_unit", details={"field": name})
    return found


def units(data: QueryDict, name: str) -> list[Unit]:
    ids = [v for v in data.getlist(name) if v.strip()]
    if not all(v.isdigit() for v in ids):
        raise InvalidInput("单位无效", code="invalid_unit", details={"field": name})
    found = list(Unit.objects.filter(pk__in=ids))
    if len(found) != len(set(ids)):
        raise InvalidInput("单位无效", code="invalid_unit", details={"field": name})
    return found


def local_datetime(data: QueryDict, name: str, label: str) -> dt.datetime:
    """A `datetime-local` field (YYYY-MM-DDTHH:MM) in the site's time zone."""
    raw = text(data, name)
    try:
        value = dt.datetime.fromisoformat(raw)
    except ValueError:
        raise InvalidInput(f"请填写{label}", code="required", details={"field": name}) from None
    return timezone.make_aware(value) if timezone.is_naive(value) else value


def date(raw: str | None) -> dt.date | None:
    """A filter's date; unreadable or outside the platform's time window counts as not given."""
    try:
        return validation.parse_date(raw)
    except InvalidInput:
        return None


def local_text(value: dt.datetime | None) -> str:
    """A time for a message to the user: with the year, in local time."""
    return f"{timezone.localtime(value):%Y-%m-%d %H:%M}" if value else "—"


def today() -> dt.date:
    return timezone.localdate()


def _decision(data: QueryDict) -> dict:
    """How the unit was chosen: the recommendation taken as is, or a manual pick. The browser's
    `confidence` is never trusted: the page's view fills it from the stored recommendation."""
    if text(data, "recommended") == "1":
        return {"method": "recommendation"}
    return {"method": "manual"}


def action_arguments(action: str, data: QueryDict) -> dict:
    """Service keyword arguments for an action posted from a button's form."""
    if action in ("acknowledge", "request_verification"):
        return {}
    if action == "verify":
        return {"result": text(data, "result"), "note": text(data, "note")}
    if action == "respond":
        return {"note": text(data, "note"), "contact_method": text(data, "contact_method", "phone")}
    if action == "return":
        return {"reason": text(data, "reason"), "suggested_unit": unit(data, "suggested_unit", required=False)}
    if action == "rule_dispute":
        upheld = boolean(data, "upheld", "裁定结果")
        return {
            "upheld": upheld,
            "reason": text(data, "reason"),
            "new_lead_unit": unit(data, "new_lead_unit", "新主办单位", required=upheld),
        }
    if action == "dispatch":
        return {
            "lead_unit": unit(data, "lead_unit", "主办单位"),
            "assisting_units": units(data, "assisting_units"),
            "category": category(data),
            "reason": text(data, "reason"),
            "decision": _decision(data),
        }
    if action == "redispatch":
        return {"lead_unit": unit(data, "lead_unit", "主办单位"), "reason": text(data, "reason")}
    if action == "request_extension":
        return {
            "days": integer(data, "days", "延期天数"),
            "reason": text(data, "reason"),
            "requester_informed": text(data, "requester_informed") in ("1", "on"),
        }
    if action in ("approve_extension", "deny_extension", "supervise", "reopen"):
        return {"reason": text(data, "reason")}
    if action == "escalate":
        return {
            "reason": text(data, "reason"),
            "coordinator_unit": unit(data, "coordinator_unit", "统筹单位", required=False),
            "lead_unit": unit(data, "lead_unit", "新主办单位", required=False),
        }
    if action == "report_in":
        return {"note": text(data, "note")}
    if action == "contribute":
        return {"contribution": text(data, "contribution")}
    if action == "joint_handling":
        return {
            "participants": units(data, "participants"),
            "held_at": local_datetime(data, "held_at", "处置时间"),
            "place": text(data, "place"),
            "result": text(data, "result"),
        }
    if action == "whistle":
        return {"units": units(data, "units"), "reason": text(data, "reason")}
    if action in ("resolve", "submit_check"):
        return {"reply": text(data, "reply")}
    if action in ("approve_check", "approve_to_spot_check", "pass_spot_check"):
        return {"note": text(data, "note")}
    if action in ("send_back", "fail_spot_check"):
        return {"reason": text(data, "reason")}
    if action == "callback":
        reached = text(data, "reached", "1") != "0"
        satisfaction = text(data, "satisfaction")
        if reached and not satisfaction:
            solved_given = text(data, "solved")
            label = "满意度" if solved_given else "是否解决和满意度"
            raise InvalidInput(f"请选择{label}", code="required", details={"field": "satisfaction"})
        return {
            "reached": reached,
            "solved": boolean(data, "solved", "是否解决", required=reached),
            "satisfaction": int(satisfaction) if satisfaction.isdigit() else None,
            "note": text(data, "note"),
            "strict": True,
        }
    if action == "close":
        return {"note": text(data, "note")}
    if action == "mark_unreasonable":
        return {"kind": text(data, "kind"), "reason": text(data, "reason")}
    if action == "recategorize":
        return {"category": category(data, required=True), "by": "dispatcher", "reason": text(data, "reason")}
    if action == "set_property":
        return {"property_project": property_project(data), "reason": text(data, "reason")}
    raise InvalidInput("该操作不能在此页面执行", code="unsupported_action")


def property_project(data: QueryDict) -> int | None:
    """The project picked in a type-ahead: its id, or its label (名称 · 物业企业 · 街镇); empty: none."""
    from jiesu.org.selectors import find_property_project

    pk = text(data, "property_project")
    if pk:
        return int(pk) if pk.isdigit() else pk
    label = text(data, "property_project_label")
    if not label:
        return None
    project = find_property_project(label=label)
    if project is None:
        raise InvalidInput(
            f"物业项目“{label}”不存在或不唯一，请从下拉列表中选择",
            code="property_project_not_found",
            details={"field": "property_project"},
        )
    return project.pk
