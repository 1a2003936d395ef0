"""Pure parts of the monthly topic (每月一题): parameters, month windows, ranking of growth.

Kept free of the ORM so the ranking rules (absolute vs relative growth, minimum volume, ties) can be
read and tested on their own; services.py feeds them counts from the database."""

import datetime as dt
import re
from dataclasses import asdict, dataclass
from zoneinfo import ZoneInfo

from jiesu.common import privacy
from jiesu.common.errors import InvalidInput
from jiesu.common.months import next_month, parse_month, previous_month  # noqa: F401  (imported from here by the app)

TZ = ZoneInfo("Asia/Shanghai")
BASES = ("absolute", "relative")


@dataclass(frozen=True)
class TopicParams:
    """How the topic is chosen. Every field can be overridden per run (command flags, service args)."""

    level: int = 2  # taxonomy level compared (1 一级, 2 二级, 3 三级)
    min_volume: int = 10  # a category needs at least this many requests this month to be a candidate
    min_previous: int = 1  # relative growth needs a base: last month's volume at least this
    top_n: int = 3  # candidates kept per basis (the district names 2–3 problems a month)
    primary_basis: str = "absolute"  # which ranking names the month's topic
    sample_size: int = 5

    def __post_init__(self):
        if self.level not in (1, 2, 3):
            raise InvalidInput("类别层级只能是1、2或3", code="invalid_topic_level")
        if self.min_volume < 1 or self.min_previous < 1:
            raise InvalidInput("最小诉求量必须大于0", code="invalid_min_volume")
        if not 1 <= self.top_n <= 20 or not 0 <= self.sample_size <= 20:
            raise InvalidInput("候选数量应在1–20之间，样例工单数应在0–20之间", code="invalid_topic_count")
        if self.primary_basis not in BASES:
            raise InvalidInput("排序口径只能是 absolute 或 relative", code="invalid_topic_basis")

    def as_dict(self) -> dict:
        return asdict(self)


@dataclass(frozen=True)
class Growth:
    code: str
    volume: int
    previous: int

    @property
    def growth(self) -> int:
        return self.volume - self.previous

    @property
    def rate(self) -> float | None:
        return None if self.previous == 0 else self.growth / self.previous


def month_window(month: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """Calendar month in Beijing time: [1st 00:00, next 1st 00:00)."""
    start = dt.datetime(month.year, month.month, 1, tzinfo=TZ)
    end_month = next_month(month)
    return start, dt.datetime(end_month.year, end_month.month, 1, tzinfo=TZ)


def rank_growth(*, current: dict[str, int], previous: dict[str, int], params: TopicParams) -> dict[str, list[Growth]]:
    """Rank the categories that grew, per basis, best first; at most `params.top_n` each.

    Candidates: volume this month ≥ min_volume and growth > 0. Relative growth also needs
    last month ≥ min_previous (a category new this month has no rate; it can still win on the
    absolute basis). Ties: absolute → higher rate (no rate counts lowest), then higher volume,
    then category code; relative → larger increase, then higher volume, then category code."""
    rows = [Growth(code, n, previous.get(code, 0)) for code, n in current.items()]
    grew = [g for g in rows if g.volume >= params.min_volume and g.growth > 0]
    absolute = sorted(grew, key=lambda g: (-g.growth, -(g.rate if g.rate is not None else -1.0), -g.volume, g.code))
    relative = sorted(
        (g for g in grew if g.previous >= params.min_previous),
        key=lambda g: (-g.rate, -g.growth, -g.volume, g.code),
    )
    return {"absolute": absolute[: params.top_n], "relative": relative[: params.top_n]}


_LONG_DIGITS = re.compile(r"\d{7,}")


def mask_text(text: str, *, limit: int = 120) -> str:
    """Sample text for a report: long digit runs (phones, ID numbers) masked, cut to `limit`."""
    masked = privacy.mask_personal(text or "")  # the one masking (phones in every form, IDs, e-mail, names)
    masked = _LONG_DIGITS.sub(lambda m: m.group(0)[:3] + "*" * (len(m.group(0)) - 5) + m.group(0)[-2:], masked)
    masked = " ".join(masked.split())
    return masked if len(masked) <= limit else masked[: limit - 1] + "…"
