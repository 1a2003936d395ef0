"""热线+网格: who verifies an order on site first (先行核实) — the worker of the grid it lies in —
and by when. The actions themselves are the order's (`workorders.services.request_verification`
and `verify`, also `POST /api/v1/orders/{id}/actions/…`); this module supplies their target."""

from __future__ import annotations

import datetime as dt
from functools import cache
from pathlib import Path

import yaml
from django.conf import settings

from jiesu.common.errors import InvalidInput
from jiesu.grids import selectors
from jiesu.org.models import User
from jiesu.workorders.models import WorkOrder
from jiesu.workorders.verification import Target
from jiesu.worktime.services import add_limit

SPEC = "data/grids/verification.yaml"


@cache
def time_limit() -> tuple[float, str]:
    spec = yaml.safe_load((Path(settings.BASE_DIR) / SPEC).read_text(encoding="utf-8"))
    limit = spec["time_limit"]
    return float(limit["amount"]), str(limit["unit"])


def target_for(*, order: WorkOrder, at: dt.datetime) -> Target:
    """The finder `workorders.verification` calls (registered in GridsConfig.ready): the grid the
    order lies in (its stored grid, else its point), the grid's current worker, and the due time
    after the time limit in data."""
    grid = selectors.grid_of_order(order)
    if grid is None:
        raise InvalidInput("工单没有坐标或不在任何网格内，无法派网格员核实", code="no_grid")
    assignment = selectors.assignment_at(grid_id=grid.pk)
    if assignment is None or assignment.worker is None:
        raise InvalidInput(f"网格「{grid.name}」暂无网格员，请先分配", code="no_grid_worker")
    amount, unit = time_limit()
    return Target(
        grid_id=grid.pk, grid_name=grid.name, worker=assignment.worker, due=add_limit(at, amount=amount, unit=unit)
    )


def pending_for(*, user: User):
    """Orders waiting for this worker's verification, oldest request first."""
    return WorkOrder.objects.filter(pending_verification__worker=user.pk).order_by("received_at")
