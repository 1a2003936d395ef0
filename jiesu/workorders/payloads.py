"""The event payloads of the loop's newer actions as typed records: one definition per action,
used by jiesu.workorders.services and jiesu.workorders.bulk alike, listed in docs/state_machine.md.
`as_payload()` gives the JSON stored in WorkOrderEvent.payload (times as ISO strings)."""

import datetime as dt
from dataclasses import dataclass, fields


@dataclass(frozen=True, kw_only=True)
class Payload:
    def as_payload(self) -> dict:
        body = {}
        for f in fields(self):
            value = getattr(self, f.name)
            body[f.name] = value.isoformat() if isinstance(value, dt.datetime) else value
        return body


@dataclass(frozen=True, kw_only=True)
class Resolve(Payload):
    """办结: the unit's reply to the requester."""

    reply: str


@dataclass(frozen=True, kw_only=True)
class SubmitCheck(Payload):
    """提交核查: the reply the handler proposes and when the unit leader must have checked it."""

    reply: str
    check_due: dt.datetime


@dataclass(frozen=True, kw_only=True)
class ApproveCheck(Payload):
    """核查通过 (either target): whether the 指挥部 samples it, at which rate, under which rules."""

    sampled: bool
    spot_check_rate: float
    rules: str
    submitted_by: int | None
    check_due: dt.datetime | None  # the spot check's limit when sampled


@dataclass(frozen=True, kw_only=True)
class SendBack(Payload):
    """核查退回: the unit leader's reason is the event's reason; the count of send-backs so far."""

    count: int


@dataclass(frozen=True, kw_only=True)
class SpotCheck(Payload):
    """抽查通过 / 抽查不通过: a failure gives a new handling deadline."""

    passed: bool
    handling_due: dt.datetime | None = None


@dataclass(frozen=True, kw_only=True)
class Callback(Payload):
    """回访: reached or not, the answers, and whether it puts the order in the 重办 queue."""

    reached: bool
    solved: bool | None
    satisfaction: int | None
    needs_redo: bool = False
    dissatisfied_count: int = 0


@dataclass(frozen=True, kw_only=True)
class Reopen(Payload):
    """重办: how often so far, the new handling deadline, and the repeat-不满意 flag."""

    count: int
    handling_due: dt.datetime
    repeat_dissatisfied: bool = False
    calendar_estimated: bool = False


@dataclass(frozen=True, kw_only=True)
class Escalate(Payload):
    """提级响应: the new level, who coordinates (and leads), the new handling deadline."""

    level: str
    level_label: str
    count: int
    coordinator_unit: int | None  # None only in a replay that does not name one
    coordinator_unit_name: str
    lead_unit: int
    lead_unit_name: str
    handling_due: dt.datetime


@dataclass(frozen=True, kw_only=True)
class Whistle(Payload):
    """吹哨报到: the units called and the time by which each must 报到."""

    units: list[int]
    unit_names: list[str]
    report_due: dt.datetime


@dataclass(frozen=True, kw_only=True)
class ReportIn(Payload):
    """报到: the called unit arrived (on time — a late 报到 is refused)."""

    unit: int
    unit_name: str
    report_due: dt.datetime


@dataclass(frozen=True, kw_only=True)
class Contribute(Payload):
    """履职记录: what a called unit did for the order."""

    unit: int
    unit_name: str
    contribution: str


@dataclass(frozen=True, kw_only=True)
class JointHandling(Payload):
    """联合处置: participants (units), time, place, result."""

    participants: list[int]
    participant_names: list[str]
    held_at: dt.datetime
    place: str
    result: str


# Action → its payload type, for the docs (jiesu.workorders.diagram) and the tests.
@dataclass(frozen=True, kw_only=True)
class RequestVerification(Payload):
    """派网格员先行核实: the grid, its worker and the time by which they answer (the request is also
    kept on the order as `pending_verification`, this same body). Sent again after an unanswered
    request's time limit: the request it replaces (`previous_worker`, `previous_requested_at`,
    `previous_due`), else those are None."""

    grid: int
    grid_name: str
    worker: int
    worker_name: str
    requested_at: dt.datetime
    due: dt.datetime
    previous_worker: int | None = None
    previous_requested_at: dt.datetime | None = None
    previous_due: dt.datetime | None = None


@dataclass(frozen=True, kw_only=True)
class Verify(Payload):
    """网格员核实反馈: what the worker found, how long after the request, and whether after `due`."""

    grid: int
    worker: int
    result: str  # a key of jiesu.workorders.verification.RESULTS
    result_label: str
    note: str
    requested_at: dt.datetime
    verified_at: dt.datetime
    minutes: int
    late: bool


BY_ACTION: dict[str, type[Payload]] = {
    "resolve": Resolve,
    "submit_check": SubmitCheck,
    "approve_check": ApproveCheck,
    "approve_to_spot_check": ApproveCheck,
    "send_back": SendBack,
    "pass_spot_check": SpotCheck,
    "fail_spot_check": SpotCheck,
    "callback": Callback,
    "reopen": Reopen,
    "escalate": Escalate,
    "whistle": Whistle,
    "report_in": ReportIn,
    "contribute": Contribute,
    "joint_handling": JointHandling,
    "request_verification": RequestVerification,
    "verify": Verify,
}
