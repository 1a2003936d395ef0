"""先行核实 (热线+网格): the answers a grid worker may give, and who finds the grid and worker of an
order. The event payloads are `payloads.RequestVerification` and `payloads.Verify`.

workorders does not import grids: the grids app registers the finder (`register_target`) when it
starts; it names the grid containing the order, the grid's current worker and the due time from
its data (data/grids/verification.yaml)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from jiesu.common.errors import InvalidInput

if TYPE_CHECKING:
    from jiesu.org.models import User
    from jiesu.workorders.models import WorkOrder

Result = Literal["confirmed", "not_found", "handled"]
RESULTS: dict[str, str] = {"confirmed": "情况属实", "not_found": "现场未发现", "handled": "已现场处置"}


@dataclass(frozen=True, kw_only=True)
class Target:
    """Where and by whom an order is verified: the grid, its worker, the answer's due time."""

    grid_id: int
    grid_name: str
    worker: User
    due: dt.datetime


_finder: Callable[..., Target] | None = None


def register_target(finder: Callable[..., Target] | None) -> None:
    """`finder(*, order, at) -> Target`, raising InvalidInput (`no_grid`, `no_grid_worker`) when the
    order lies in no grid or its grid has no worker."""
    global _finder
    _finder = finder


def is_live(pending: dict | None, *, at: dt.datetime) -> bool:
    """Is a 先行核实 request still awaiting its answer within its time limit at `at`? A request left
    unanswered past its `due` no longer blocks a new one (the dispatcher may send it again)."""
    return bool(pending) and dt.datetime.fromisoformat(pending["due"]) > at


def target_for(*, order: WorkOrder, at: dt.datetime) -> Target:
    if _finder is None:
        raise InvalidInput("未加载网格，无法派网格员核实", code="no_grid")
    return _finder(order=order, at=at)
