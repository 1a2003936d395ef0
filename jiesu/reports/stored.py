"""The monthly review page reads a stored, built review (月度工作点评) instead of rebuilding it — and
rendering its body — on every request (issue 13: 380–460 ms a page on the 24-month demo).

What is stored: the rendered review body with the few header fields the page needs, in Django's
cache (Redis in production, local memory embedded), per (month, rule version, fingerprint).

Kept correct by the fingerprint, not by expiry: one query reads a handful of cheap indexed marks
(max id, count, max updated_at) of every table the review is built from, plus today's date (the
supervision section and the follow-up statuses are as of today) and three shared version counters:
`leader-aggregates` (jiesu.assessment.aggregates: a refresh that changed stored figures, a publish,
a rule edit — a figure first stored by a request is what the event log gives anyway), `grids` (a
grid layer loaded or edited in place) and this module's `monthly-review`, moved after commit by a
save or delete of the few models edited in place without such a mark (a unit renamed, a topic's
lead unit changed in the admin). Anything that changes the figures changes the key; a stale entry
is never read again and expires after TTL. The TTL is also the backstop for a write that leaves no
mark at all (a bare queryset.update() outside the services).

The import contract is kept: reports reads the tables below it; nothing below imports reports."""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
from dataclasses import dataclass

from django.core.cache import cache
from django.db import connection, transaction
from django.db.models.signals import m2m_changed, post_delete, post_save
from django.template.loader import render_to_string
from django.utils import timezone

from jiesu.assessment import aggregates
from jiesu.assessment.models import AssessmentSnapshot, RuleVersion, WatchListEntry
from jiesu.common import shared_version
from jiesu.grids import lookup
from jiesu.grids.models import GridReport
from jiesu.indicators.models import CatalogueVersion, FollowUpItem, FollowUpNote, IndicatorValue, ReviewComment
from jiesu.insights.models import MonthlyTopic
from jiesu.org.models import Community, Grid, GridLayer, Unit
from jiesu.reports.review import Review, build_review
from jiesu.supervision.models import Area, Milestone, SupervisionEvent, SupervisionItem
from jiesu.workorders.models import Category, WorkOrderEvent

logger = logging.getLogger(__name__)

TTL = 15 * 60  # seconds; only a backstop, the fingerprint decides
VERSION = "monthly-review"
COUNTERS = ("leader-aggregates", "grids", VERSION)

# (model, marks): "max" of the primary key, "count" of the rows (a delete), or the name of a
# timestamp field whose max moves with every save (auto_now / set by the services).
MARKS: tuple[tuple[type, tuple[str, ...]], ...] = (
    # Every change of an order is an event (the assessment's facts, volumes, grids, topics read them).
    (WorkOrderEvent, ("max",)),
    (AssessmentSnapshot, ("max", "count")),
    (WatchListEntry, ("max", "count")),
    (RuleVersion, ("max", "count")),
    (MonthlyTopic, ("max", "count")),
    (IndicatorValue, ("max", "count", "updated_at")),
    (CatalogueVersion, ("max", "count")),
    (ReviewComment, ("max", "count")),
    (FollowUpItem, ("max", "count")),
    (FollowUpNote, ("max", "count")),
    # Supervision writes go through its lifecycle: an event and the item's updated_at.
    (SupervisionItem, ("count", "updated_at")),
    (SupervisionEvent, ("max",)),
    (Milestone, ("max", "count")),
    (GridReport, ("max", "count")),
    (Grid, ("max", "count")),
    (GridLayer, ("max", "count")),
    (Unit, ("max", "count")),
    (Category, ("max", "count")),
)
# Edited in place without a mark above: their saves move the `monthly-review` counter.
IN_PLACE = (Unit, Category, RuleVersion, CatalogueVersion, MonthlyTopic, WatchListEntry, ReviewComment,
            FollowUpItem, Milestone, GridLayer, Area, Community)  # fmt: skip


@dataclass(frozen=True)
class StoredReview:
    """What the page shows around the body; the body is `_review_body.html` rendered once."""

    month: dt.date
    rule_version: str
    title: str
    as_of: dt.datetime | None
    generated_at: dt.datetime
    body: str


def _sql() -> str:
    """One SELECT per table (a single scan for its count and maxima; max(id) alone is an index
    probe), as text so that the branches of the UNION agree."""
    q = connection.ops.quote_name
    parts = []
    for n, (model, marks) in enumerate(MARKS):
        columns = [str(n)]
        for mark in marks:
            if mark == "count":
                columns.append("CAST(COUNT(*) AS TEXT)")
            else:
                column = model._meta.pk.column if mark == "max" else model._meta.get_field(mark).column
                columns.append(f"CAST(MAX({q(column)}) AS TEXT)")
        columns += ["NULL"] * (4 - len(columns))
        parts.append(f"SELECT {', '.join(columns)} FROM {q(model._meta.db_table)}")
    return " UNION ALL ".join(parts)


def fingerprint() -> str:
    """A short hash of everything the review's figures depend on (one query, three counters)."""
    with connection.cursor() as cursor:
        cursor.execute(_sql())
        marks = cursor.fetchall()
    counters = tuple(shared_version.read(name) for name in COUNTERS)
    text = repr((timezone.localdate().isoformat(), counters, sorted(marks)))
    return hashlib.sha1(text.encode()).hexdigest()[:20]


def _key(*, month: dt.date, rule_version: str | None, mark: str) -> str:
    return f"reports:review:{month:%Y-%m}:{rule_version or '-'}:{mark}"


def _stored(review: Review) -> StoredReview:
    return StoredReview(
        month=review.month,
        rule_version=review.assessment.rule_version,
        title=review.title,
        as_of=review.as_of,
        generated_at=review.generated_at,
        body=render_to_string("reports/_review_body.html", {"review": review}),
    )


def _fresh_process_caches() -> None:
    """This process's copies of the leader figures and the grid index as new as the counters just
    read for the key (they re-read the counters only every few seconds on their own)."""
    aggregates.WATCH.check_now()
    lookup.watch.check_now()


def review_page(*, month: dt.date, rule_version: str | None = None) -> StoredReview:
    """The stored review when nothing it is built from changed since; else build, render, store.
    The fingerprint is read before building: a change during the build gives a new key."""
    try:
        key = _key(month=month, rule_version=rule_version, mark=fingerprint())
        found = cache.get(key)
    except Exception:  # Redis away: build as before the store existed; /healthz reports Redis
        logger.warning("stored review unavailable, building", exc_info=True)
        return _stored(build_review(month=month, rule_version=rule_version))
    if found is None:
        _fresh_process_caches()
        found = _stored(build_review(month=month, rule_version=rule_version))
        _keep(key, found)
    return found


def build_and_keep(*, month: dt.date, rule_version: str | None = None) -> Review:
    """A review built now (the pack never reuses a stored one), kept for the page as well."""
    try:
        mark = fingerprint()
        _fresh_process_caches()
    except Exception:
        logger.warning("stored review unavailable, pack built alone", exc_info=True)
        return build_review(month=month, rule_version=rule_version)
    review = build_review(month=month, rule_version=rule_version)
    _keep(_key(month=month, rule_version=rule_version, mark=mark), _stored(review))
    return review


def _keep(key: str, value: StoredReview) -> None:
    try:
        cache.set(key, value, TTL)
    except Exception:
        logger.warning("stored review not kept", exc_info=True)


def _bump(**_) -> None:
    transaction.on_commit(lambda: shared_version.increment(VERSION))


def connect() -> None:
    """Called once from ReportsConfig.ready()."""
    for model in IN_PLACE:
        post_save.connect(_bump, sender=model, dispatch_uid=f"reports-review-{model._meta.label}-save")
        post_delete.connect(_bump, sender=model, dispatch_uid=f"reports-review-{model._meta.label}-delete")
    m2m_changed.connect(
        _bump, sender=SupervisionItem.assisting_units.through, dispatch_uid="reports-review-supervision-m2m"
    )
