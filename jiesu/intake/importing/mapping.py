"""Which source column feeds which order field, from a small YAML file or command-line flags.

YAML shape (see jiesu/intake/mappings/*.yaml):
    encoding: utf-8            # or gbk, utf-8-sig …
    columns: {external_ref: 工单编号, received_at: 受理时间, content: 诉求内容, …}
    constants: {state: resolved, lead_unit: 110106-D01}   # fields without a column
    states: {已办结: resolved, …}      # source state texts → our states (added to the defaults)
    datetime_formats: ["%Y/%m/%d %H:%M:%S"]              # tried after ISO 8601
    unreasonable_kinds: {重复诉求: repeat}
"""

from dataclasses import dataclass, field
from pathlib import Path

import yaml

from jiesu.workorders.models import State

FIELDS = {
    "external_ref": "来源工单编号",
    "received_at": "受理时间",
    "content": "诉求内容",
    "title": "标题",
    "address": "地址",
    "lat": "纬度",
    "lng": "经度",
    "requester_name": "诉求人",
    "requester_phone": "联系电话",
    "category": "诉求类别",
    "urgency": "紧急程度",
    "street": "所属街镇",
    "lead_unit": "主办单位",
    "state": "状态",
    "dispatched_at": "派单时间",
    "acknowledged_at": "签收时间",
    "responded_at": "响应时间",
    "resolved_at": "办结时间",
    "callback_at": "回访时间",
    "closed_at": "归档时间",
    "handling_due": "办理期限",
    "reply": "答复意见",
    "solved": "是否解决",
    "satisfaction": "满意度",
    "unreasonable_kind": "不合理诉求类型",
    "property_project": "物业项目",
    "property_company": "物业企业",
}
REQUIRED = ("external_ref", "received_at", "content")
DATETIME_FIELDS = (
    "received_at",
    "dispatched_at",
    "acknowledged_at",
    "responded_at",
    "resolved_at",
    "callback_at",
    "closed_at",
    "handling_due",
)
DEFAULT_STATES = {
    **{s.value: s.value for s in State},
    **{s.label: s.value for s in State},
    "待派单": State.RECEIVED,
    "已签收": State.ACKNOWLEDGED,
    "处理中": State.IN_PROGRESS,
    "已答复": State.RESOLVED,
    "已办结": State.RESOLVED,
    "已结案": State.CLOSED,
    "已关闭": State.CLOSED,
}


class MappingError(ValueError):
    """The mapping itself is wrong (a file-level problem)."""


@dataclass
class Mapping:
    columns: dict[str, str]
    constants: dict[str, str] = field(default_factory=dict)
    states: dict[str, str] = field(default_factory=dict)
    datetime_formats: list[str] = field(default_factory=list)
    unreasonable_kinds: dict[str, str] = field(default_factory=dict)
    encoding: str = "utf-8"

    def __post_init__(self):
        unknown = (set(self.columns) | set(self.constants)) - set(FIELDS)
        if unknown:
            raise MappingError(f"映射中有未知字段：{'、'.join(sorted(unknown))}；可用字段：{'、'.join(FIELDS)}")
        missing = [f for f in REQUIRED if f not in self.columns]
        if missing:
            labels = "、".join(f"{f}（{FIELDS[f]}）" for f in missing)
            raise MappingError(f"映射缺少必需字段的列：{labels}")
        bad_states = {v for v in self.states.values() if v not in State.values}
        if bad_states:
            raise MappingError(f"映射的状态取值无效：{'、'.join(sorted(bad_states))}")
        self.states = {**DEFAULT_STATES, **self.states}

    @classmethod
    def from_dict(cls, data: dict) -> "Mapping":
        if not isinstance(data, dict) or "columns" not in data:
            raise MappingError("映射文件须包含 columns 一节（字段: 列名）")
        known = {"columns", "constants", "states", "datetime_formats", "unreasonable_kinds", "encoding"}
        extra = set(data) - known
        if extra:
            raise MappingError(f"映射文件有未知的节：{'、'.join(sorted(extra))}")
        return cls(
            columns={str(k): str(v) for k, v in (data.get("columns") or {}).items()},
            constants={str(k): str(v) for k, v in (data.get("constants") or {}).items()},
            states={str(k): str(v) for k, v in (data.get("states") or {}).items()},
            datetime_formats=[str(f) for f in data.get("datetime_formats") or []],
            unreasonable_kinds={str(k): str(v) for k, v in (data.get("unreasonable_kinds") or {}).items()},
            encoding=str(data.get("encoding") or "utf-8"),
        )

    @classmethod
    def from_yaml(cls, path: Path) -> "Mapping":
        try:
            data = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, yaml.YAMLError) as error:
            raise MappingError(f"无法读取映射文件 {path}：{error}") from None
        return cls.from_dict(data)
