"""The figures a review is made of, as plain values (no ORM), so drafting and rendering can be
tested on hand-built rows and the data source stays one function call (see sources.py)."""

import datetime as dt
from dataclasses import dataclass, field


@dataclass(frozen=True)
class UnitRow:
    """One unit's month in an assessment ranking. Rates and composite are percentages (97.3)."""

    code: str
    name: str
    kind: str  # "street" (街镇) | "department" (区直部门)
    received: int
    response_rate: float | None
    resolution_rate: float | None
    satisfaction_rate: float | None
    composite: float | None
    rank: int | None
    ranked_count: int = 0
    callbacks: int = 0
    overdue: int = 0
    supervised: int = 0
    returns: int = 0
    reopens: int = 0
    composite_change: float | None = None
    rank_change: int | None = None  # positive: moved up
    ytd_composite: float | None = None
    min_callbacks: int = 1  # the rule's minimum sample (valid callbacks) for a trustworthy rate

    @property
    def small_sample(self) -> bool:
        """Rates over fewer valid callbacks than the rule's minimum (but at least one)."""
        return 0 < self.callbacks < self.min_callbacks

    @property
    def named(self) -> bool:
        """May the review text name this unit among the best or the worst?"""
        return self.rank is not None and not self.small_sample

    @property
    def unranked_note(self) -> str:
        """Why the unit has no rank (empty when it has one): shown where the rank would be."""
        if self.rank is not None and not self.small_sample:
            return ""
        if self.small_sample:
            return f"样本不足，不参与排名（n={self.callbacks}）"
        return "无有效回访，不参与排名"


@dataclass(frozen=True)
class WatchRow:
    code: str
    name: str
    entered: str  # YYYY-MM
    status: str  # 本月列入 / 持续治理 / 本月退出
    reason: str


@dataclass(frozen=True)
class ListedProperty:
    """A property company or project on the red (best) or black (worst) list."""

    colour: str  # "red" | "black"
    level: str  # "company" | "project"
    rank: int
    name: str
    company: str
    orders: int
    resolution_rate: float | None
    satisfaction_rate: float | None
    score: float | None


@dataclass(frozen=True)
class DistrictMonth:
    """The district as a whole for one month (every ranked unit pooled)."""

    month: dt.date
    received: int
    callbacks: int
    response_rate: float | None
    resolution_rate: float | None
    satisfaction_rate: float | None
    composite: float | None
    overdue: int = 0
    supervised: int = 0
    reopens: int = 0


@dataclass(frozen=True)
class Assessment:
    """What the assessment app gives the pack for one month."""

    month: dt.date
    rule_version: str
    rule_name: str
    published: bool
    streets: list[UnitRow]
    departments: list[UnitRow]
    district: DistrictMonth
    watch: list[WatchRow] = field(default_factory=list)
    red_black: list[ListedProperty] = field(default_factory=list)
    red_black_min_orders: int = 0
    weights: dict = field(default_factory=dict)
    min_callbacks: int = 1

    @property
    def small_sample_rows(self) -> list[UnitRow]:
        return [r for r in self.streets + self.departments if r.small_sample]
