"""From raw counts to rates, composite scores and rankings (pure functions, no database)."""

from dataclasses import asdict, dataclass

from jiesu.assessment.engine import Counts
from jiesu.assessment.rules import Rules

DECIMALS = 2  # rates and scores are percentages rounded as published; ties are judged on these


@dataclass
class Rates:
    response_rate: float | None
    resolution_rate: float | None
    satisfaction_rate: float | None
    composite: float | None


def rates(counts: Counts, rules: Rules) -> Rates:
    """Rates in percent over the callbacks of the cycle; None when a unit had no callback."""
    if counts.callbacks == 0:
        return Rates(None, None, None, None)
    n = counts.callbacks
    response = counts.responded / n
    resolution = counts.solved / n
    satisfaction = counts.satisfaction_points / n
    w = rules.weights
    composite = w["response"] * response + w["resolution"] * resolution + w["satisfaction"] * satisfaction
    return Rates(
        response_rate=round(100 * response, DECIMALS),
        resolution_rate=round(100 * resolution, DECIMALS),
        satisfaction_rate=round(100 * satisfaction, DECIMALS),
        composite=round(100 * composite, DECIMALS),
    )


def property_score(counts: Counts, rules: Rules) -> float | None:
    """Red/black list score: resolution and satisfaction with the rule's weights, rescaled to
    100 (response is the handling unit's work, not the property company's)."""
    if counts.callbacks == 0:
        return None
    w_res, w_sat = rules.weights["resolution"], rules.weights["satisfaction"]
    total = (w_res + w_sat) or 1.0
    value = (w_res * counts.solved + w_sat * counts.satisfaction_points) / counts.callbacks / total
    return round(100 * value, DECIMALS)


def competition_ranks(scores: list[float | None]) -> list[int | None]:
    """Standard competition ranking ("1224"): equal scores share a rank, the next rank skips;
    units without a score are not ranked (None)."""
    ordered = sorted((s for s in scores if s is not None), reverse=True)
    first_position = {}
    for position, score in enumerate(ordered, start=1):
        first_position.setdefault(score, position)
    return [None if s is None else first_position[s] for s in scores]


@dataclass
class UnitResult:
    """One unit's row of a monthly assessment (also the shape of a stored snapshot)."""

    month: str
    rule_version: str
    kind: str
    unit_id: int
    unit_code: str
    unit_name: str
    unit_kind: str
    received: int = 0
    callbacks: int = 0
    responded: int = 0
    solved: int = 0
    satisfaction_points: float = 0.0
    response_rate: float | None = None
    resolution_rate: float | None = None
    satisfaction_rate: float | None = None
    composite: float | None = None
    overdue: int = 0
    supervised: int = 0
    returns: int = 0
    reopens: int = 0
    rank: int | None = None
    ranked_count: int = 0
    previous_composite: float | None = None
    previous_rank: int | None = None
    composite_change: float | None = None
    rank_change: int | None = None  # positive: moved up
    ytd_callbacks: int = 0
    ytd_response_rate: float | None = None
    ytd_resolution_rate: float | None = None
    ytd_satisfaction_rate: float | None = None
    ytd_composite: float | None = None
    source: str = "live"  # live (computed now) | snapshot (published figures)

    def as_dict(self) -> dict:
        return asdict(self)


INDICATORS = {
    "response_rate": "响应率",
    "resolution_rate": "解决率",
    "satisfaction_rate": "满意率",
    "composite": "综合得分",
}
