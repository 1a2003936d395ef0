"""The indicator catalogue of the monthly review (月度工作点评会) as a typed, validated value.

A CatalogueVersion row keeps the document of data/indicators/catalogue-*.yaml (or what an
administrator entered); `parse_catalogue` checks it and fills defaults, so the scorecard never meets
a missing or malformed key. Every threshold here is data, not a constant: see docs/indicators.md."""

import datetime as dt
import re
from dataclasses import dataclass, field
from functools import cached_property

from jiesu.common.errors import InvalidInput

DIRECTIONS = {"higher": "越高越好", "lower": "越低越好"}
KINDS = {"street": "街镇", "department": "区直部门", "district": "全区（市级排名）"}
PERIODS = {"month": "当月数", "cumulative": "年度累计数"}
YTD_RULES = {"sum": "逐月相加", "mean": "逐月平均", "last": "取最近一月"}
JUDGE = {"month": "按当月", "ytd": "按年度累计"}
SOURCES = {"platform": "平台计算", "import": "外部导入"}
MEASURES = {"value": "数值", "rank": "名次"}
SPEAKER_BASES = ("overall",)  # or an indicator code
_CODE = re.compile(r"^[a-z][a-z0-9_]{0,47}$")


@dataclass(frozen=True)
class IndicatorSpec:
    """One indicator: who owns it, what it measures, how it is ranked and judged."""

    code: str
    name: str
    owner: str  # owner department (name as the district writes it)
    unit: str  # 计量单位: %, 分, 家, 起, 微克/立方米, 名
    direction: str  # higher | lower (is better)
    kinds: tuple[str, ...]  # which units it is reported for
    area: str  # 方面: the word the 点评 uses ("垃圾分类", "民生保障")
    source: str = "import"  # platform (a registered provider computes it) | import
    provider: str = ""  # who provides it, shown to people ("考评", "督办（民生项目池）")
    period: str = "month"  # month: the month's own figure | cumulative: the year so far, as reported
    ytd: str = "mean"  # how monthly figures add up to the year so far (period month)
    judge: str = "month"  # the figure the review ranks and judges: the month's or the year so far
    top_n: int = 3
    bottom_n: int = 3
    target: float | None = None  # worse than this is a shortfall, whatever the rank
    minimum: float | None = None  # values outside [minimum, maximum] are refused at import
    maximum: float | None = None
    integer: bool = False  # counts and places: whole numbers only
    decimals: int = 2
    weight: float = 1.0  # weight in the overall standing (综合排位)
    count_top_months: bool = False  # say "累计N次…排名前列"
    phrase_first: str = ""  # said instead of "排名{group}首位" for a unit alone in first place
    phrase_top: str = ""  # said instead of "排名{group}前列" (e.g. "为{group}较少" for fires)
    measure: str = "value"  # value | rank (a city ranking: the value is the district's place)
    participants: int | None = None  # rank measure: how many take part (全市17个参评区)
    max_lag_months: int = 0  # a month without a value may show the latest of this many months before
    description: str = ""  # 口径说明
    short: str = ""  # a short label for narrow places (the overview's column heads); default: the name
    params: dict = field(default_factory=dict)  # the provider's own rules (e.g. 七有/五性 scoring)

    @property
    def higher_is_better(self) -> bool:
        return self.direction == "higher"

    def better(self, a: float, b: float) -> bool:
        return a > b if self.higher_is_better else a < b

    def worse_than_target(self, value: float | None) -> bool:
        if value is None or self.target is None:
            return False
        return value < self.target if self.higher_is_better else value > self.target

    def shown(self, value: float | None) -> str:
        if value is None:
            return "—"
        if self.integer:
            text = f"{int(round(value))}"
        else:
            text = f"{value:.{self.decimals}f}"
        return f"{text}%" if self.unit == "%" else f"{text}{self.unit}"


@dataclass(frozen=True)
class SpeakerRule:
    """Who must speak at the meeting: the `count` lowest-ranked units of `kind` on `basis`
    ("overall" = the overall standing across all indicators, or one indicator's code)."""

    basis: str = "overall"
    count: int = 4
    kind: str = "street"
    include_topic_lead: bool = True  # the lead department of the month's 每月一题 speaks too


@dataclass(frozen=True)
class Catalogue:
    version: str
    effective_from: dt.date
    indicators: tuple[IndicatorSpec, ...]
    name: str = ""
    source: str = ""
    max_tie_share: float = 0.5  # a value shared by this share of the units or more is no distinction
    top_months_min: int = 3  # "累计N次…前列" is said from N on
    history_months: int = 24  # the overall standing's trend shown per unit
    speakers: SpeakerRule = field(default_factory=SpeakerRule)
    follow_up_workdays: int = 20  # default time for a 点评 follow-up, in working days

    def get(self, code: str) -> IndicatorSpec | None:
        return next((i for i in self.indicators if i.code == code), None)

    def for_kind(self, kind: str) -> list[IndicatorSpec]:
        return [i for i in self.indicators if kind in i.kinds]

    @cached_property
    def _by_key(self) -> dict[str, IndicatorSpec]:
        return {key: i for i in self.indicators for key in (i.name, i.code)}

    def lookup(self, text: str) -> IndicatorSpec | None:
        """By code or by name (as a clerk writes it in a spreadsheet)."""
        return self._by_key.get((text or "").strip())


def _bad(message: str) -> InvalidInput:
    return InvalidInput(f"指标体系有误：{message}", code="invalid_catalogue")


def _number(value, *, what: str, low: float | None = None, high: float | None = None) -> float:
    if isinstance(value, bool):
        raise _bad(f"{what}须为数字")
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise _bad(f"{what}须为数字") from None
    if (low is not None and number < low) or (high is not None and number > high):
        raise _bad(f"{what}须在{low if low is not None else '-∞'}到{high if high is not None else '∞'}之间")
    return number


def _integer(value, *, what: str, low: int, high: int) -> int:
    number = _number(value, what=what, low=low, high=high)
    if number != int(number):
        raise _bad(f"{what}须为整数")
    return int(number)


def _choice(value, *, what: str, choices) -> str:
    if value not in choices:
        raise _bad(f"{what}只能是 {' / '.join(choices)}（现为“{value}”）")
    return value


def _text(value, *, what: str, required: bool = True, limit: int = 100) -> str:
    text = "" if value is None else str(value).strip()
    if required and not text:
        raise _bad(f"缺少{what}")
    if len(text) > limit:
        raise _bad(f"{what}不能超过{limit}个字")
    return text


_INDICATOR_KEYS = {
    "code", "name", "owner", "unit", "direction", "kinds", "area", "source", "provider", "period", "ytd",
    "judge", "top_n", "bottom_n", "target", "minimum", "maximum", "integer", "decimals", "weight",
    "count_top_months", "phrase_first", "phrase_top", "measure", "participants", "max_lag_months", "description", "short", "params",
}  # fmt: skip


def _indicator(doc, *, defaults: dict, position: int) -> IndicatorSpec:
    if not isinstance(doc, dict):
        raise _bad(f"第{position}个指标须为键值映射")
    code = str(doc.get("code") or "")
    where = f"指标 {code or f'第{position}个'}"
    if not _CODE.match(code):
        raise _bad(f"{where}：编码须为小写字母开头的字母、数字、下划线（1–48位）")
    unknown = set(doc) - _INDICATOR_KEYS
    if unknown:
        raise _bad(f"{where}：未知的项 {', '.join(sorted(unknown))}")
    kinds = doc.get("kinds") or ["street"]
    if isinstance(kinds, str):
        kinds = [kinds]
    kinds = tuple(_choice(k, what=f"{where} 的单位类型", choices=KINDS) for k in kinds)
    measure = _choice(doc.get("measure", "value"), what=f"{where} 的计量方式", choices=MEASURES)
    participants = None
    if measure == "rank":
        participants = _integer(doc.get("participants", 0), what=f"{where} 的参评数", low=2, high=1000)
    elif "participants" in doc:
        raise _bad(f"{where}：只有名次类指标（measure: rank）才有参评数")
    if "district" in kinds and (len(kinds) > 1 or measure != "rank"):
        raise _bad(f"{where}：全区指标只用于市级排名（kinds: [district], measure: rank）")
    minimum = doc.get("minimum", 1 if measure == "rank" else None)
    maximum = doc.get("maximum", participants)
    spec = IndicatorSpec(
        code=code,
        name=_text(doc.get("name"), what=f"{where} 的名称", limit=40),
        owner=_text(doc.get("owner"), what=f"{where} 的责任部门", limit=60),
        unit=_text(doc.get("unit"), what=f"{where} 的计量单位", limit=16),
        direction=_choice(
            doc.get("direction", "lower" if measure == "rank" else "higher"), what=f"{where} 的方向", choices=DIRECTIONS
        ),  # fmt: skip
        kinds=kinds,
        area=_text(doc.get("area"), what=f"{where} 的所属方面", limit=20),
        source=_choice(doc.get("source", "import"), what=f"{where} 的来源", choices=SOURCES),
        provider=_text(doc.get("provider"), what=f"{where} 的提供方", required=False, limit=60),
        period=_choice(doc.get("period", "month"), what=f"{where} 的统计期", choices=PERIODS),
        ytd=_choice(
            doc.get("ytd", "last" if doc.get("period") == "cumulative" else "mean"),
            what=f"{where} 的年度累计方式",
            choices=YTD_RULES,
        ),  # fmt: skip
        judge=_choice(doc.get("judge", "month"), what=f"{where} 的评判口径", choices=JUDGE),
        top_n=_integer(doc.get("top_n", defaults["top_n"]), what=f"{where} 的前列名次数", low=1, high=50),
        bottom_n=_integer(doc.get("bottom_n", defaults["bottom_n"]), what=f"{where} 的后列名次数", low=0, high=50),
        target=None if doc.get("target") is None else _number(doc["target"], what=f"{where} 的目标值"),
        minimum=None if minimum is None else _number(minimum, what=f"{where} 的最小值"),
        maximum=None if maximum is None else _number(maximum, what=f"{where} 的最大值"),
        integer=bool(doc.get("integer", measure == "rank")),
        decimals=_integer(doc.get("decimals", 2), what=f"{where} 的小数位数", low=0, high=6),
        weight=_number(doc.get("weight", 1.0), what=f"{where} 的权重", low=0, high=100),
        count_top_months=bool(doc.get("count_top_months", False)),
        phrase_first=_text(doc.get("phrase_first"), what=f"{where} 的首位说法", required=False, limit=30),
        phrase_top=_text(doc.get("phrase_top"), what=f"{where} 的前列说法", required=False, limit=30),
        measure=measure,
        participants=participants,
        max_lag_months=_integer(doc.get("max_lag_months", 0), what=f"{where} 的可沿用月数", low=0, high=11),
        description=_text(doc.get("description"), what=f"{where} 的口径说明", required=False, limit=500),
        short=_text(doc.get("short"), what=f"{where} 的简称", required=False, limit=12),
        params=dict(doc.get("params") or {}),
    )
    if spec.minimum is not None and spec.maximum is not None and spec.minimum > spec.maximum:
        raise _bad(f"{where}：最小值大于最大值")
    if spec.period == "cumulative" and spec.ytd != "last":
        raise _bad(f"{where}：年度累计数（period: cumulative）的年度值只能取最近一月（ytd: last）")
    if spec.source == "import" and spec.params:
        raise _bad(f"{where}：只有平台计算的指标才有计算参数（params）")
    _check_params(spec.params, where=where)
    return spec


ASSESSMENT_FIELDS = ("composite", "response_rate", "resolution_rate", "satisfaction_rate")


def _check_params(params: dict, *, where: str) -> None:
    """The built-in computations' parameters (jiesu.indicators.providers); a provider registered
    from another app reads its own."""
    compute = params.get("compute")
    if compute is None:
        return
    known = {
        "assessment": {"compute", "field", "min_callbacks"},
        "dimension_score": {"compute", "field", "weights", "pooling", "min_callbacks", "min_dimension"},
        "topic_progress": {"compute", "min_previous"},
    }
    _choice(compute, what=f"{where} 的计算方式", choices=known)
    unknown = set(params) - known[compute]
    if unknown:
        raise _bad(f"{where}：计算参数中未知的项 {', '.join(sorted(unknown))}")
    for key in ("min_callbacks", "min_previous", "min_dimension"):
        if key in params:
            _integer(params[key], what=f"{where} 的 {key}", low=0, high=100000)
    if compute == "assessment":
        _choice(params.get("field", "composite"), what=f"{where} 的考评字段", choices=ASSESSMENT_FIELDS)
    if compute == "dimension_score":
        _choice(params.get("field"), what=f"{where} 的维度", choices=("qiyou", "wuxing"))
        _choice(params.get("pooling", "pooled"), what=f"{where} 的合并方式", choices=("pooled", "mean"))
        weights = params.get("weights", "assessment")
        if weights != "assessment":
            if not isinstance(weights, dict) or set(weights) != {"response", "resolution", "satisfaction"}:
                raise _bad(f"{where}：weights 须为 assessment 或 response/resolution/satisfaction 三项权重")
            total = sum(_number(w, what=f"{where} 的权重", low=0, high=1) for w in weights.values())
            if abs(total - 1) > 1e-6:
                raise _bad(f"{where}：三项权重之和须为 1（现为 {total:g}）")


def parse_catalogue(*, version: str, effective_from: dt.date, doc: dict, name: str = "", source: str = "") -> Catalogue:
    """Validate a catalogue document (the YAML `catalogue:` mapping) and return the typed value."""
    if not isinstance(doc, dict):
        raise _bad("内容须为键值映射")
    unknown = set(doc) - {"defaults", "speakers", "follow_up", "indicators"}
    if unknown:
        raise _bad(f"未知的项 {', '.join(sorted(unknown))}")
    d = doc.get("defaults") or {}
    unknown = set(d) - {"top_n", "bottom_n", "max_tie_share", "top_months_min", "history_months"}
    if unknown:
        raise _bad(f"defaults 中未知的项 {', '.join(sorted(unknown))}")
    defaults = {
        "top_n": _integer(d.get("top_n", 3), what="前列名次数", low=1, high=50),
        "bottom_n": _integer(d.get("bottom_n", 3), what="后列名次数", low=0, high=50),
    }
    items = doc.get("indicators")
    if not isinstance(items, list) or not items:
        raise _bad("至少须有一个指标（indicators）")
    indicators = tuple(_indicator(item, defaults=defaults, position=n) for n, item in enumerate(items, start=1))
    for attr, what in (("code", "编码"), ("name", "名称")):
        seen: set[str] = set()
        for spec in indicators:
            value = getattr(spec, attr)
            if value in seen:
                raise _bad(f"指标{what}“{value}”重复")
            seen.add(value)
    s = doc.get("speakers") or {}
    unknown = set(s) - {"basis", "count", "kind", "include_topic_lead"}
    if unknown:
        raise _bad(f"speakers 中未知的项 {', '.join(sorted(unknown))}")
    basis = str(s.get("basis", "overall"))
    kind = _choice(s.get("kind", "street"), what="发言单位类型", choices=("street", "department"))
    if basis not in SPEAKER_BASES:
        spec = next((i for i in indicators if i.code == basis), None)
        if spec is None or kind not in spec.kinds:
            raise _bad(f"发言依据“{basis}”须为 overall 或一个适用于{KINDS[kind]}的指标编码")
    speakers = SpeakerRule(
        basis=basis,
        count=_integer(s.get("count", 4), what="发言单位数", low=0, high=50),
        kind=kind,
        include_topic_lead=bool(s.get("include_topic_lead", True)),
    )
    f = doc.get("follow_up") or {}
    return Catalogue(
        version=version,
        effective_from=effective_from,
        indicators=indicators,
        name=name,
        source=source,
        max_tie_share=_number(d.get("max_tie_share", 0.5), what="同值占比上限", low=0.01, high=1),
        top_months_min=_integer(d.get("top_months_min", 3), what="累计前列次数下限", low=1, high=12),
        history_months=_integer(d.get("history_months", 24), what="走势月数", low=1, high=60),
        speakers=speakers,
        follow_up_workdays=_integer(f.get("default_workdays", 20), what="跟进事项默认期限（工作日）", low=1, high=250),
    )
