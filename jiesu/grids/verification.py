"""热线+网格: send an order to the worker of its grid to verify on site first (先行核实), beside or
before the unit, and take their answer. The order's own service records both as events."""

from __future__ import annotations

import datetime as dt
from functools import cache
from pathlib import Path

import yaml
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from jiesu.common.errors import InvalidInput, NotFound
from jiesu.grids import selectors
from jiesu.org.models import User
from jiesu.workorders import services as orders
from jiesu.workorders.models import WorkOrder
from jiesu.worktime.services import add_limit

SPEC = "data/grids/verification.yaml"


@cache
def time_limit() -> tuple[float, str]:
    spec = yaml.safe_load((Path(settings.BASE_DIR) / SPEC).read_text(encoding="utf-8"))
    limit = spec["time_limit"]
    return float(limit["amount"]), str(limit["unit"])


def send(*, user: User, order_id: int, at: dt.datetime | None = None) -> WorkOrder:
    """先行核实 to the current worker of the order's grid, due after the time limit in data."""
    order = WorkOrder.objects.filter(pk=order_id).first()
    if order is None:
        raise NotFound("工单不存在", code="order_not_found")
    grid = selectors.grid_of_order(order)
    if grid is None:
        raise InvalidInput("工单没有坐标或不在任何网格内，无法派网格员核实", code="no_grid")
    assignment = selectors.assignment_at(grid_id=grid.pk)
    if assignment is None or assignment.worker is None:
        raise InvalidInput(f"网格「{grid.name}」暂无网格员，请先分配", code="no_grid_worker")
    when = at or timezone.now()
    amount, unit = time_limit()
    due = add_limit(when, amount=amount, unit=unit)
    worker = assignment.worker
    with transaction.atomic():
        sent = orders.request_verification(
            user=user, order_id=order.pk, grid_id=grid.pk, grid_name=grid.name, worker=worker, due=due, at=when
        )
        # The worker hears of it after the commit (inbox, and SMS/e-mail when set up), once per request.
        transaction.on_commit(lambda: _tell(order=sent, grid_name=grid.name, worker=worker, due=due, when=when))
    return sent


def _tell(*, order: WorkOrder, grid_name: str, worker: User, due: dt.datetime, when: dt.datetime) -> None:
    from jiesu.notify.services import send

    send(
        kind="grid_verification",
        context={
            "工单编号": order.number,
            "标题": order.title[:40],
            "网格": grid_name,
            "地址": order.address or "见地图",
            "期限": f"{timezone.localtime(due):%m-%d %H:%M}",
            "链接": "/grid/",
        },
        users=[worker],
        order_id=order.pk,
        dedupe=f"grid_verification:{order.pk}:{when.isoformat()}",
    )


def answer(*, user: User, order_id: int, result: str, note: str, at: dt.datetime | None = None) -> WorkOrder:
    return orders.verify(user=user, order_id=order_id, result=result, note=note, at=at)


def pending_for(*, user: User):
    """Orders waiting for this worker's verification, oldest request first."""
    return WorkOrder.objects.filter(pending_verification__worker=user.pk).order_by("received_at")
