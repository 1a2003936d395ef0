"""The payload of each supervision event: one definition per action (a typed contract shared by
the services and the demo loader), turned into the event's JSON by `payload()`."""

from dataclasses import asdict, dataclass, field


@dataclass(frozen=True)
class Created:
    source: str
    lead_unit: int | None
    milestones: list[dict]
    origin: dict = field(default_factory=dict)


@dataclass(frozen=True)
class Assigned:
    lead_unit: list  # [old, new] unit ids
    assisting_units: list[int]
    responsible_leader: list


@dataclass(frozen=True)
class Edited:
    changed: dict  # field → [old, new]


@dataclass(frozen=True)
class MilestoneAdded:
    milestone: int
    title: str
    due_date: str


@dataclass(frozen=True)
class MilestoneRescheduled:
    milestone: int
    title: str
    due_date: list  # [old, new]


@dataclass(frozen=True)
class ProgressReported:
    report: int
    milestone: int | None
    completes_milestone: bool
    value: str | None
    evidence: list[dict]  # [{id, name}] — names kept here so the history reads after a deletion
    completes_item: bool = False


@dataclass(frozen=True)
class Reviewed:
    """return_completion, close, reopen, supervise: who decided and why is the event itself."""

    count: int | None = None


@dataclass(frozen=True)
class PublicSet:
    is_public: bool


@dataclass(frozen=True)
class OrderIssued:
    order: int
    number: str
    lead_unit: int
    lead_unit_name: str
    on_behalf: bool  # the platform created and dispatched it for a user whose role may not


@dataclass(frozen=True)
class EvidenceDeleted:
    attachment: int
    name: str
    report: int


@dataclass(frozen=True)
class TimerFired:
    """remind, flag_overdue."""

    target: str  # "milestone:<id>" or "item"
    title: str
    due_date: str
    message: str
    recipients: dict


def payload(event) -> dict:
    return asdict(event)
