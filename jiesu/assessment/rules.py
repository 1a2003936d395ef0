"""An assessment rule version as a typed, validated value.

A RuleVersion row keeps its rules as JSON (loaded from data/assessment/rules-*.yaml or edited in the
admin); `parse_rules` checks that document and fills defaults, so the engine never meets a missing
or malformed key. Every number here is rule data, not a constant: see docs/assessment.md."""

import datetime as dt
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from jiesu.common.errors import InvalidInput
from jiesu.common.months import parse_month, previous_month  # noqa: F401  (imported from here by the app)

TZ = ZoneInfo("Asia/Shanghai")
URGENCIES = ("urgent", "utility", "general", "complex")
SATISFACTION_LEVELS = (5, 4, 3, 2, 1)  # 非常满意 … 非常不满意 (workorders.models.Satisfaction)


@dataclass(frozen=True)
class Cycle:
    """Calendar month (boundary_day=1, hour 0), or e.g. the 19th–18th cycle cut at noon: month M
    covers [M-1 boundary_day boundary_hour:00, M boundary_day boundary_hour:00), local time."""

    boundary_day: int = 1
    boundary_hour: int = 0

    def window(self, month: dt.date) -> tuple[dt.datetime, dt.datetime]:
        if self.boundary_day == 1 and self.boundary_hour == 0:
            start = dt.datetime(month.year, month.month, 1, tzinfo=TZ)
            return start, dt.datetime(*_next_month(month.year, month.month), 1, tzinfo=TZ)
        prev = _prev_month(month.year, month.month)
        start = dt.datetime(*prev, self.boundary_day, self.boundary_hour, tzinfo=TZ)
        end = dt.datetime(month.year, month.month, self.boundary_day, self.boundary_hour, tzinfo=TZ)
        return start, end


@dataclass(frozen=True)
class WatchRule:
    kinds: tuple[str, ...] = ("street",)
    bottom_n: int = 3  # the last N of the ranking fall below …
    below_score: float | None = None  # … or any composite under this score
    enter_months: int = 2  # … for this many consecutive months → enters the watch list
    exit_months: int = 2  # consecutive months above the line → exits


@dataclass(frozen=True)
class RedBlackRule:
    min_orders: int = 5  # orders received in the month about the company/project
    top_n: int = 5
    red_min_score: float = 90.0
    black_max_score: float = 80.0
    match_names: bool = False  # also link orders without a property project by name in address/content


@dataclass(frozen=True)
class Rules:
    version: str
    effective_from: dt.date
    name: str = ""
    source: str = ""
    cycle: Cycle = field(default_factory=Cycle)
    # Hours between the final dispatch and the unit's first contact that count as "in time".
    response_limit_hours: dict = field(
        default_factory=lambda: {"urgent": 1, "utility": 2, "general": 24, "complex": 24}
    )
    response_numerator: str = "in_time"  # in_time | responded
    resolution_numerator: str = "solved"  # solved (callback says solved) | resolved (unit reported done)
    denominator: str = "valid_callbacks"  # valid_callbacks (reached) | callbacks (reached or not)
    satisfaction_weights: dict = field(default_factory=lambda: {5: 1.0, 4: 1.0, 3: 0.9, 2: 0.0, 1: 0.0})
    weights: dict = field(default_factory=lambda: {"response": 0.1, "resolution": 0.5, "satisfaction": 0.4})
    exclude_unreasonable: bool = True
    exclude_merged: bool = True
    exclude_disputed: bool = True
    # Orders with no event since this many days before the cycle cannot fall due inside it.
    lookback_days: int = 75
    attribution: str = "final"  # final: the unit holding the order at cycle end; first: the first one
    watch: WatchRule = field(default_factory=WatchRule)
    red_black: RedBlackRule = field(default_factory=RedBlackRule)
    # Fewer valid callbacks than this: the unit is not ranked (样本不足，不参与排名); its rates are
    # shown with n after the ranked units and the review text never names it among the best or worst.
    min_callbacks: int = 1

    def response_limit_seconds(self) -> dict[str, int]:
        return {u: int(float(h) * 3600) for u, h in self.response_limit_hours.items()}


def _next_month(year: int, month: int) -> tuple[int, int]:
    return (year + 1, 1) if month == 12 else (year, month + 1)


def _prev_month(year: int, month: int) -> tuple[int, int]:
    return (year - 1, 12) if month == 1 else (year, month - 1)


def _bad(message: str) -> InvalidInput:
    return InvalidInput(f"考评规则有误：{message}", code="invalid_rule")


def _number(value, *, what: str, low: float = 0.0, high: float | None = None) -> float:
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise _bad(f"{what}须为数字") from None
    if number < low or (high is not None and number > high):
        raise _bad(f"{what}须在{low}到{high if high is not None else '∞'}之间")
    return number


def _choice(value, *, what: str, choices: tuple[str, ...]) -> str:
    if value not in choices:
        raise _bad(f"{what}只能是 {' / '.join(choices)}")
    return value


def parse_rules(*, version: str, effective_from: dt.date, doc: dict) -> Rules:
    """Validate a rules document (the YAML `rules:` mapping) and return the typed value."""
    if not isinstance(doc, dict):
        raise _bad("规则内容须为键值映射")
    known = {
        "cycle",
        "response",
        "resolution",
        "denominator",
        "satisfaction_weights",
        "weights",
        "exclusions",
        "attribution",
        "lookback_days",
        "watch_list",
        "red_black",
        "sample",
    }
    unknown = set(doc) - known
    if unknown:
        raise _bad(f"未知的规则项 {', '.join(sorted(unknown))}")
    defaults = Rules(version=version, effective_from=effective_from)

    cycle_doc = doc.get("cycle") or {}
    cycle = Cycle(
        boundary_day=int(_number(cycle_doc.get("boundary_day", 1), what="周期起始日", low=1, high=28)),
        boundary_hour=int(_number(cycle_doc.get("boundary_hour", 0), what="周期起始时刻", low=0, high=23)),
    )

    response = doc.get("response") or {}
    limits = dict(defaults.response_limit_hours)
    for urgency, hours in (response.get("limit_hours") or {}).items():
        _choice(urgency, what="响应时限的紧急程度", choices=URGENCIES)
        limits[urgency] = _number(hours, what=f"{urgency} 响应时限（小时）", low=0.01)

    resolution = doc.get("resolution") or {}

    levels = dict(defaults.satisfaction_weights)
    for level, weight in (doc.get("satisfaction_weights") or {}).items():
        if int(level) not in SATISFACTION_LEVELS:
            raise _bad("满意度等级只能是 1 到 5")
        levels[int(level)] = _number(weight, what=f"满意度等级 {level} 的折算系数", low=0, high=1)

    weights = dict(defaults.weights)
    for key, weight in (doc.get("weights") or {}).items():
        _choice(key, what="综合得分权重项", choices=("response", "resolution", "satisfaction"))
        weights[key] = _number(weight, what=f"{key} 权重", low=0, high=1)
    if abs(sum(weights.values()) - 1.0) > 1e-6:
        raise _bad(f"综合得分三项权重之和须为 1（现为 {sum(weights.values()):g}）")

    exclusions = doc.get("exclusions") or {}
    watch_doc = doc.get("watch_list") or {}
    watch = WatchRule(
        kinds=tuple(
            _choice(k, what="治理类适用单位类型", choices=("street", "department"))
            for k in watch_doc.get("kinds", defaults.watch.kinds)
        ),
        bottom_n=int(_number(watch_doc.get("bottom_n", defaults.watch.bottom_n), what="排名末位数", low=0)),
        below_score=(
            None
            if watch_doc.get("below_score") is None
            else _number(watch_doc["below_score"], what="治理类分数线", low=0, high=100)
        ),
        enter_months=int(_number(watch_doc.get("enter_months", 2), what="连续低位月数", low=1, high=12)),
        exit_months=int(_number(watch_doc.get("exit_months", 2), what="连续达标退出月数", low=1, high=12)),
    )
    rb_doc = doc.get("red_black") or {}
    red_black = RedBlackRule(
        min_orders=int(_number(rb_doc.get("min_orders", 5), what="红黑榜最低件数", low=1)),
        top_n=int(_number(rb_doc.get("top_n", 5), what="红黑榜上榜数", low=1)),
        red_min_score=_number(rb_doc.get("red_min_score", 90), what="红榜分数线", low=0, high=100),
        black_max_score=_number(rb_doc.get("black_max_score", 80), what="黑榜分数线", low=0, high=100),
        match_names=bool(rb_doc.get("match_names", False)),
    )
    return Rules(
        version=version,
        effective_from=effective_from,
        cycle=cycle,
        response_limit_hours=limits,
        response_numerator=_choice(
            response.get("numerator", "in_time"), what="响应率分子", choices=("in_time", "responded")
        ),
        resolution_numerator=_choice(
            resolution.get("numerator", "solved"), what="解决率分子", choices=("solved", "resolved")
        ),
        denominator=_choice(
            doc.get("denominator", "valid_callbacks"), what="三率分母", choices=("valid_callbacks", "callbacks")
        ),
        satisfaction_weights=levels,
        weights=weights,
        exclude_unreasonable=bool(exclusions.get("unreasonable", True)),
        exclude_merged=bool(exclusions.get("merged_duplicates", True)),
        exclude_disputed=bool(exclusions.get("under_dispute", True)),
        lookback_days=int(_number(doc.get("lookback_days", 75), what="超期回溯天数", low=1, high=400)),
        attribution=_choice(doc.get("attribution", "final"), what="归属口径", choices=("final", "first")),
        watch=watch,
        red_black=red_black,
        min_callbacks=int(_number((doc.get("sample") or {}).get("min_callbacks", 1), what="最小有效回访样本量", low=1)),
    )
