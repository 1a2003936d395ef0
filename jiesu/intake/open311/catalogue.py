"""Our category taxonomy as Open311 services: every active second-level category is a service,
its first-level category the `group`, its third-level names the `keywords`. Every service has the
same small definition (attributes); the third-level categories are the values of `subcategory`."""

import datetime as dt
from dataclasses import dataclass, field

from django.utils import timezone

from jiesu.intake.open311 import conf
from jiesu.intake.open311.formats import Open311Error
from jiesu.workorders import deadlines
from jiesu.workorders.models import Category, DeadlineRule, Urgency

_UNIT_LABELS = dict(DeadlineRule.UNITS)


@dataclass(frozen=True)
class Attribute:
    code: str
    datatype: str  # string, number, datetime, text, singlevaluelist, multivaluelist
    description: str
    order: int
    required: bool = False
    datatype_description: str | None = None
    max_length: int | None = None
    values: list[dict] = field(default_factory=list)

    def as_spec(self) -> dict:
        return {
            "variable": True,
            "code": self.code,
            "datatype": self.datatype,
            "required": self.required,
            "datatype_description": self.datatype_description,
            "order": self.order,
            "description": self.description,
            "values": self.values,
        }


def _services_qs():
    return Category.objects.filter(level=2, is_active=True, parent__is_active=True).select_related("parent")


def find_service(code: str) -> Category:
    category = _services_qs().filter(code=code).first()
    if category is None:
        raise Open311Error.one(404, "service_not_found", f"服务编码“{code}”不存在")
    return category


def service_of(category: Category | None) -> Category | None:
    """The level-2 category (the Open311 service) an order's category belongs to."""
    while category is not None and category.level > 2:
        category = category.parent
    return category if category is not None and category.level == 2 else None


def deadline_notice(*, urgency: str, on: dt.date | None = None) -> str:
    """What the requester can expect, from the deadline rule in force (条例第十三条)."""
    try:
        rule = deadlines.rule_for(urgency=urgency, on=on or timezone.localdate())
    except Exception:  # no rule configured: say nothing rather than something wrong
        return ""
    response = f"{rule.response_amount.normalize():f}{_UNIT_LABELS[rule.response_unit]}"
    handling = f"{rule.handling_amount.normalize():f}{_UNIT_LABELS[rule.handling_unit]}"
    return f"受理后派至承办单位办理：{Urgency(urgency).label}诉求{response}内响应、{handling}内办结，办结后回访。"


def list_services() -> list[dict]:
    kind = "batch" if conf.get("return_token") else "realtime"
    children: dict[int, list[str]] = {}
    for parent_id, name in Category.objects.filter(level=3, is_active=True).values_list("parent_id", "name"):
        children.setdefault(parent_id, []).append(name)
    result = []
    for category in _services_qs():
        names = children.get(category.pk, [])
        result.append(
            {
                "service_code": category.code,
                "service_name": category.name,
                "description": f"{category.path}。{deadline_notice(urgency=category.default_urgency)}",
                "metadata": True,
                "type": kind,
                "keywords": ", ".join(names),
                "group": category.parent.name,
            }
        )
    return result


def attributes_for(category: Category) -> list[Attribute]:
    subcategories = [{"key": c.code, "name": c.name} for c in Category.objects.filter(parent=category, is_active=True)]
    return [
        Attribute(
            code="subcategory",
            datatype="singlevaluelist",
            order=1,
            description="具体问题类型（三级分类），便于准确派单",
            values=subcategories,
        ),
        Attribute(
            code="title",
            datatype="string",
            order=2,
            description="诉求标题，不填则取描述的前30字",
            datatype_description="不超过200字，不含换行",
            max_length=200,
        ),
        Attribute(
            code="occurred_at",
            datatype="datetime",
            order=3,
            description="问题发生的时间",
            datatype_description="ISO 8601 日期时间，须带时区，如 2026-11-24T09:30:00+08:00",
        ),
        Attribute(
            code="affected_households",
            datatype="number",
            order=4,
            description="涉及户数（多户共同反映时填写）",
            datatype_description="非负整数",
        ),
    ]


def service_definition(code: str) -> dict:
    category = find_service(code)
    return {"service_code": category.code, "attributes": [a.as_spec() for a in attributes_for(category)]}
