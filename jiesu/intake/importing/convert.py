"""One source row → a HistoricalOrder, or a RowProblem with the reason in Chinese."""

import datetime as dt
from zoneinfo import ZoneInfo

from django.conf import settings

from jiesu.common import validation
from jiesu.common.errors import DomainError, InvalidInput
from jiesu.intake.importing.mapping import DATETIME_FIELDS, FIELDS, REQUIRED, Mapping
from jiesu.intake.importing.reader import parse_datetime
from jiesu.org.models import PropertyProject, Unit
from jiesu.workorders import deadlines
from jiesu.workorders.bulk import HistoricalOrder
from jiesu.workorders.models import Category, Channel, DeadlineRule, State, Urgency
from jiesu.workorders.services import UNREASONABLE_KINDS
from jiesu.worktime import calendar
from jiesu.worktime.services import add_limit, limit_source

_TRUE = {"是", "已解决", "解决", "true", "1", "yes", "y"}
_FALSE = {"否", "未解决", "false", "0", "no", "n"}
_SATISFACTION = {"非常满意": 5, "满意": 4, "基本满意": 3, "不满意": 2, "非常不满意": 1}
_URGENCY = {**{u.value: u.value for u in Urgency}, **{u.label: u.value for u in Urgency}}


class RowProblem(ValueError):
    pass


class Lookups:
    """Reference data looked up by code or name, loaded once per import."""

    def __init__(self) -> None:
        self.units: dict[str, Unit] = {}
        for unit in Unit.objects.all():
            for key in (unit.code, unit.name, unit.short_name):
                if key:
                    self.units.setdefault(key, unit)
        self.categories: dict[str, Category | None] = {}
        names: dict[str, list[Category]] = {}
        for category in Category.objects.all():
            self.categories[category.code] = category
            self.categories[category.path] = category
            names.setdefault(category.name, []).append(category)
        for name, found in names.items():
            self.categories.setdefault(name, found[0] if len(found) == 1 else None)  # None: ambiguous
        self.projects: dict[str, list[PropertyProject]] = {}
        for project in PropertyProject.objects.select_related("company"):
            self.projects.setdefault(project.name, []).append(project)
        rules = list(DeadlineRule.objects.order_by("effective_from"))
        self.earliest_rule_day: dt.date | None = rules[0].effective_from if rules else None
        self.tz = ZoneInfo(settings.TIME_ZONE)
        self.workday_ends: dict[tuple[dt.date, object], dt.datetime] = {}

    def unit(self, value: str, *, label: str) -> Unit:
        unit = self.units.get(value)
        if unit is None:
            raise RowProblem(f"{label}“{value}”不存在（可填单位编码、全称或简称）")
        return unit

    def property_project(self, name: str, company: str = "") -> PropertyProject:
        """By the project's name, and the company's name when several companies have a project of
        that name. An unknown name rejects the row: a wrong or missing link would move a company
        on the red/black list, and a rejected row can be fixed and imported again."""
        found = self.projects.get(name, [])
        if company:
            found = [p for p in found if p.company.name == company]
        if not found:
            suffix = f"（物业企业“{company}”）" if company else ""
            raise RowProblem(f"物业项目“{name}”{suffix}未登记，请先在物业项目中登记或改正名称")
        if len(found) > 1:
            raise RowProblem(f"物业项目名称“{name}”不唯一，请在“物业企业”列填写其物业企业")
        return found[0]

    def category(self, value: str) -> Category:
        if value not in self.categories:
            raise RowProblem(f"诉求类别“{value}”不存在（可填编码、路径或名称）")
        category = self.categories[value]
        if category is None:
            raise RowProblem(f"诉求类别名称“{value}”不唯一，请填编码或完整路径")
        return category


def _deadlines(item: HistoricalOrder, due: dt.datetime | None, lookups: Lookups) -> deadlines.Deadlines:
    """Deadlines of a dispatched historical order: the source's handling deadline if given;
    otherwise the rule in force; orders older than every rule get the earliest rule's limits."""
    start = item.times.get("dispatched_at") or item.received_at
    day = start.astimezone(lookups.tz).date()
    if lookups.earliest_rule_day and day < lookups.earliest_rule_day:
        day = lookups.earliest_rule_day
    rule = deadlines.rule_for(urgency=item.urgency, on=day)
    response_due = _limit(start, rule.response_amount, rule.response_unit, lookups)
    sources = [limit_source(start, response_due, unit=rule.response_unit)]
    if due is None:
        due = _limit(start, rule.handling_amount, rule.handling_unit, lookups)
        sources.append(limit_source(start, due, unit=rule.handling_unit))
    # else the source's own handling deadline: only the response limit rests on our calendar.
    used = [source for source in sources if source]
    return deadlines.Deadlines(response_due, due, rule.version, calendar.weakest(used) if used else None)


def _limit(start: dt.datetime, amount, unit: str, lookups: Lookups) -> dt.datetime:
    if unit != "workdays":
        return add_limit(start, amount=float(amount), unit=unit)
    # A working-day deadline is the end of the N-th working day after the start *date*
    # (worktime.services): one calendar walk per date and limit serves every order of that day.
    key = (start.astimezone(lookups.tz).date(), amount)
    if key not in lookups.workday_ends:
        lookups.workday_ends[key] = add_limit(start, amount=float(amount), unit=unit)
    return lookups.workday_ends[key]


def _check_inputs(item: HistoricalOrder) -> None:
    """The same limits as every other way in (jiesu.common.validation): a row over them is rejected
    with the reason, never written cut or with NUL characters the database refuses."""
    texts = {
        "content": ("content", "诉求内容"),
        "title": ("title", "标题"),
        "address": ("address", "地址"),
        "requester_name": ("name", "诉求人"),
        "requester_phone": ("phone", "联系电话"),
        "reply": ("reply", "答复意见"),
    }
    try:
        for name, (kind, label) in texts.items():
            setattr(item, name, validation.clean_text(getattr(item, name), kind=kind, field=name, label=label))
        validation.clean_datetime(item.received_at, field="received_at", label="受理时间")
        for name, value in item.times.items():
            validation.clean_datetime(value, field=name, label=name)
        if item.lat is not None or item.lng is not None:
            item.lat, item.lng = validation.clean_point(item.lat, item.lng)
    except InvalidInput as error:
        raise RowProblem(error.message) from None


def to_order(record: dict, mapping: Mapping, lookups: Lookups) -> HistoricalOrder:
    values = {name: record.get(column, "") for name, column in mapping.columns.items()}
    for name, constant in mapping.constants.items():
        if values.get(name) in (None, ""):
            values[name] = constant
    values = {k: (v.strip() if isinstance(v, str) else v) for k, v in values.items()}
    for name in REQUIRED:
        if values.get(name) in (None, ""):
            raise RowProblem(f"缺少{FIELDS[name]}（列“{mapping.columns[name]}”为空）")

    times: dict[str, dt.datetime] = {}
    for name in DATETIME_FIELDS:
        try:
            parsed = parse_datetime(values.get(name), mapping.datetime_formats, lookups.tz)
        except ValueError:
            raise RowProblem(f"{FIELDS[name]}“{values.get(name)}”不是可识别的日期时间") from None
        if parsed is not None:
            times[name] = parsed
    received_at = times.pop("received_at")
    handling_due = times.pop("handling_due", None)

    state_text = str(values.get("state") or State.RECEIVED)
    state = mapping.states.get(state_text)
    if state is None:
        raise RowProblem(f"状态“{state_text}”无法识别，请在映射 states 中说明它对应的状态")
    urgency = _URGENCY.get(str(values.get("urgency") or ""), None)
    if values.get("urgency") and urgency is None:
        raise RowProblem(f"紧急程度“{values['urgency']}”无法识别（一般/紧急/水电气热/疑难复杂）")
    category = lookups.category(str(values["category"])) if values.get("category") else None
    urgency = urgency or (category.default_urgency if category else Urgency.GENERAL)

    solved = None
    if values.get("solved") not in (None, ""):
        text = str(values["solved"]).lower()
        if text not in _TRUE | _FALSE:
            raise RowProblem(f"是否解决“{values['solved']}”无法识别（是/否）")
        solved = text in _TRUE
    satisfaction = None
    if values.get("satisfaction") not in (None, ""):
        text = str(values["satisfaction"])
        satisfaction = _SATISFACTION.get(text) or (int(text) if text.isdigit() else None)
        if satisfaction is None:
            raise RowProblem(f"满意度“{text}”无法识别（1–5 或 非常满意…非常不满意）")
    kind = ""
    if state == State.UNREASONABLE:
        raw_kind = str(values.get("unreasonable_kind") or "")
        kind = mapping.unreasonable_kinds.get(raw_kind, raw_kind)
        if kind not in UNREASONABLE_KINDS:
            raise RowProblem(f"不合理诉求类型“{raw_kind}”无法识别，请在映射 unreasonable_kinds 中说明")

    lat = lng = None
    if values.get("lat") not in (None, "") or values.get("lng") not in (None, ""):
        try:
            lat, lng = float(values.get("lat")), float(values.get("lng"))
        except (TypeError, ValueError):
            raise RowProblem("经纬度须为数字且同时填写") from None

    item = HistoricalOrder(
        external_ref=str(values["external_ref"])[:64],
        content=str(values["content"]),
        received_at=received_at,
        state=state,
        title=str(values.get("title") or "")[:200],
        channel=Channel.IMPORT,
        address=str(values.get("address") or ""),
        lat=lat,
        lng=lng,
        requester_name=str(values.get("requester_name") or ""),
        requester_phone=str(values.get("requester_phone") or ""),
        urgency=urgency,
        category=category,
        street=lookups.unit(str(values["street"]), label="所属街镇") if values.get("street") else None,
        lead_unit=lookups.unit(str(values["lead_unit"]), label="主办单位") if values.get("lead_unit") else None,
        times=times,
        reply=str(values.get("reply") or ""),
        solved=solved,
        satisfaction=satisfaction,
        unreasonable_kind=kind,
        property_project=(
            lookups.property_project(str(values["property_project"]), str(values.get("property_company") or ""))
            if values.get("property_project")
            else None
        ),
        source={"import": {"external_ref": str(values["external_ref"])[:64]}},
    )
    _check_inputs(item)
    if item.lead_unit is not None:
        try:
            item.deadlines = _deadlines(item, handling_due, lookups)
        except DomainError as error:
            raise RowProblem(error.message) from None
    return item
