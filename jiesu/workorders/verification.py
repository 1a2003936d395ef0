"""The event payloads of 先行核实 (one definition each, used by the services and by anything that
writes or reads these events): the request names the grid, the worker and the due time; the answer
says what the worker found."""

from __future__ import annotations

from typing import Literal, TypedDict

Result = Literal["confirmed", "not_found", "handled"]
RESULTS: dict[str, str] = {"confirmed": "情况属实", "not_found": "现场未发现", "handled": "已现场处置"}


class VerificationRequested(TypedDict):
    grid: int
    grid_name: str
    worker: int
    worker_name: str
    requested_at: str  # ISO 8601
    due: str  # ISO 8601, from data/grids/verification.yaml


class VerificationDone(TypedDict):
    grid: int
    worker: int
    result: Result
    result_label: str
    note: str
    requested_at: str
    verified_at: str
    minutes: int  # request → answer
    late: bool  # answered after `due`


def requested(
    *, grid: int, grid_name: str, worker: int, worker_name: str, requested_at: str, due: str
) -> VerificationRequested:
    return VerificationRequested(
        grid=grid, grid_name=grid_name, worker=worker, worker_name=worker_name, requested_at=requested_at, due=due
    )


def done(
    *, pending: VerificationRequested, result: Result, note: str, verified_at: str, minutes: int, late: bool
) -> VerificationDone:
    return VerificationDone(
        grid=pending["grid"],
        worker=pending["worker"],
        result=result,
        result_label=RESULTS[result],
        note=note,
        requested_at=pending["requested_at"],
        verified_at=verified_at,
        minutes=minutes,
        late=late,
    )
