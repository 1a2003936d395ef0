"""Refreshing the stored hotspots from the work orders (the timer's job; pages only read).

One refresh reads the orders received in the window (default 30 days) before `now`, finds the
hotspots street by street and category by category (jiesu.insights.hotspots), and stores the
hottest: a cluster sharing at least half of its orders with an active hotspot continues that
hotspot (same key), any other cluster is a new one. Alerts are recorded at most once: "new" once
per hotspot, "grown" once per hotspot and ISO week. Calling it twice with the same `now` changes
nothing the second time."""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import time
from collections import Counter
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.db.models.functions import Substr
from django.utils import timezone

from jiesu.insights import textmining
from jiesu.insights.hotspots import Found, HotspotParams, Message, centre, find_hotspots
from jiesu.insights.models import AlertKind, Hotspot, HotspotAlert, HotspotStatus, OrderTerms, RefreshRun
from jiesu.org.models import Unit
from jiesu.workorders.models import Category, State, WorkOrder


@dataclass(frozen=True)
class RefreshParams:
    window_days: int = 30  # orders received this long before `now` are clustered
    keep: int = 100  # hotspots stored per refresh (hottest first)
    min_size: int = 3  # orders a stored hotspot needs
    min_callers: int = 2
    # alerts: a new hotspot with at least this many callers; growth: at least this many more orders
    # in the last 7 days than in the 7 before, and at least double
    alert_callers: int = 3
    alert_growth: int = 3
    body_chars: int = 300


def _digest(title: str, body: str) -> str:
    return hashlib.blake2b(f"{title}\x1f{body}".encode(), digest_size=8).hexdigest()


def _messages(*, since: dt.datetime, now: dt.datetime, body_chars: int) -> tuple[list[Message], dict[int, dict]]:
    """The window's orders as messages, their words from the per-order cache (OrderTerms); orders
    new to the cache, or whose text changed, are segmented now and stored."""
    rows = (
        WorkOrder.objects.filter(received_at__gt=since, received_at__lte=now)
        .exclude(state=State.UNREASONABLE)
        .annotate(body=Substr("content", 1, body_chars), top_code=Substr("category__code", 1, 2))
        .values_list(
            "id",
            "title",
            "body",
            "received_at",
            "address",
            "requester_phone",
            "street_id",
            "top_code",
            "category_id",
            "lat",
            "lng",
            "lead_unit_id",
            "state",
            "insight_terms__digest",
            "insight_terms__words",
        )
        .order_by()
    )
    messages, extra, stale = [], {}, []
    for row in rows.iterator(chunk_size=5000):
        oid, title, body, at, address, phone, street_id, top, category_id, lat, lng, lead_id, state, digest, words = row
        title, body = title or "", body or ""
        wanted = _digest(title, body)
        if digest != wanted:
            stale.append((len(messages), oid, wanted))
        messages.append(
            Message(
                id=str(oid),
                title=title,
                body=body,
                at=at,
                place=address or "",
                caller=phone or "",
                block=(street_id, top or ""),
                words=words if digest == wanted else "",
            )
        )
        extra[oid] = {
            "street": street_id,
            "category": category_id,
            "lat": lat,
            "lng": lng,
            "lead": lead_id,
            "merged": state == State.MERGED,
        }
    # Orders new to the cache (or edited) are segmented together: a backlog goes to a process pool.
    docs = textmining.documents([(messages[i].title, messages[i].body) for i, _, _ in stale])
    fresh = []
    for (i, oid, wanted), words in zip(stale, docs, strict=True):
        messages[i] = dataclasses.replace(messages[i], words=words)
        fresh.append(OrderTerms(order_id=oid, digest=wanted, words=words))
    OrderTerms.objects.bulk_create(
        fresh, batch_size=2000, update_conflicts=True, unique_fields=["order"], update_fields=["digest", "words"]
    )
    return messages, extra


def _mode(values) -> object | None:
    counted = Counter(v for v in values if v is not None)
    return counted.most_common(1)[0][0] if counted else None


def _lead_proposal(
    *, category: Category | None, street: Unit | None, leads: list[int | None]
) -> tuple[int | None, str]:
    """The unit that led most member orders, else the router's first choice for category × street."""
    lead = _mode(leads)
    if lead is not None:
        share = sum(1 for x in leads if x == lead)
        return lead, f"成员工单中 {share}/{len(leads)} 件由该单位主办"
    if category is None:
        return None, "成员工单未分类，需人工确定牵头单位"
    from jiesu.dispatch import router

    candidates = router.route(category=category, street=street).candidates
    if not candidates:
        return None, "权责清单未列明"
    return candidates[0].unit_id, candidates[0].reasons[0][:300] if candidates[0].reasons else "权责清单"


def _match(found: Found, active: list[Hotspot], taken: set[int]) -> Hotspot | None:
    """The active hotspot sharing most orders with the cluster, when they share at least half of
    the smaller of the two."""
    members = set(found.member_ids)
    best, best_shared = None, 0
    for spot in active:
        if spot.pk in taken:
            continue
        shared = len(members & {str(m) for m in spot.member_ids})
        if shared > best_shared and shared * 2 >= min(len(members), len(spot.member_ids)):
            best, best_shared = spot, shared
    return best


@transaction.atomic
def refresh_hotspots(*, now: dt.datetime | None = None, params: RefreshParams | None = None) -> RefreshRun:
    """Find the current hotspots and store them with their alerts (idempotent for one `now`)."""
    params = params or RefreshParams()
    now = now or timezone.now()
    started, clock = timezone.now(), time.perf_counter()
    messages, extra = _messages(
        since=now - dt.timedelta(days=params.window_days), now=now, body_chars=params.body_chars
    )
    read = time.perf_counter() - clock
    found = find_hotspots(
        messages,
        params=HotspotParams(min_size=params.min_size, min_callers=params.min_callers),
        now=now,
        limit=params.keep,
    )
    clustered = time.perf_counter() - clock
    active = list(Hotspot.objects.select_for_update().filter(status=HotspotStatus.ACTIVE))
    categories = Category.objects.in_bulk({extra[int(m)]["category"] for f in found for m in f.member_ids} - {None})
    streets = Unit.objects.in_bulk({extra[int(m)]["street"] for f in found for m in f.member_ids} - {None})
    taken: set[int] = set()
    alerts = 0
    for spot_found in found:
        members = [extra[int(m)] for m in spot_found.member_ids]
        category = categories.get(_mode(m["category"] for m in members))
        street = streets.get(_mode(m["street"] for m in members))
        lead_id, basis = _lead_proposal(category=category, street=street, leads=[m["lead"] for m in members])
        point = centre([(m["lat"], m["lng"]) for m in members if m["lat"] is not None and m["lng"] is not None])
        fields = {
            "status": HotspotStatus.ACTIVE,
            "title": spot_found.title[:200],
            "keywords": spot_found.keywords,
            "place": spot_found.place[:200],
            "street": street,
            "category": category,
            "lead_unit_id": lead_id,
            "lead_basis": basis[:300],
            "size": spot_found.size,
            "callers": spot_found.callers,
            "repeat_calls": spot_found.repeat_calls,
            "duplicates": sum(1 for m in members if m["merged"]),
            "recent": spot_found.recent,
            "previous": spot_found.previous,
            "heat": spot_found.heat,
            "first_at": spot_found.first_at,
            "last_at": spot_found.last_at,
            "lat": point[0] if point else None,
            "lng": point[1] if point else None,
            "member_ids": [int(m) for m in spot_found.member_ids],
            "refreshed_at": now,
        }
        spot = _match(spot_found, active, taken)
        if spot is None:
            spot = Hotspot.objects.create(
                key=_new_key(spot_found), first_seen_at=now, peak_heat=spot_found.heat, **fields
            )
        else:
            for name, value in fields.items():
                setattr(spot, name, value)
            spot.peak_heat = max(spot.peak_heat, spot_found.heat)
            spot.save()
        taken.add(spot.pk)
        alerts += _record_alerts(spot, now=now, params=params)
    Hotspot.objects.filter(status=HotspotStatus.ACTIVE).exclude(pk__in=taken).update(
        status=HotspotStatus.ENDED, refreshed_at=now
    )
    return RefreshRun.objects.create(
        kind="hotspots",
        at=now,
        started_at=started,
        seconds=round(time.perf_counter() - clock, 3),
        orders=len(messages),
        findings=len(found),
        details={
            "window_days": params.window_days,
            "read_seconds": round(read, 3),
            "cluster_seconds": round(clustered - read, 3),
            "alerts": alerts,
            "ended": len(active) - len(taken & {s.pk for s in active}),
        },
    )


def _new_key(found: Found) -> str:
    """HS + the id of the hotspot's first order (+ a suffix if a past hotspot started there too)."""
    base = f"HS{found.member_ids[0]}"
    key, n = base, 1
    while Hotspot.objects.filter(key=key).exists():
        n += 1
        key = f"{base}-{n}"
    return key


def _record_alerts(spot: Hotspot, *, now: dt.datetime, params: RefreshParams) -> int:
    """A "new" alert once the hotspot has `alert_callers` callers; a "grown" alert when it doubled
    week on week by at least `alert_growth` orders and was already known a week ago (before that
    its growth is what the "new" alert reported). Both depend only on the stored state and `now`."""
    wanted = []
    place = f"（{spot.place}）" if spot.place else ""
    if spot.callers >= params.alert_callers:  # recorded once, when the hotspot first reaches it
        wanted.append((AlertKind.NEW, "", f"新热点{place}：{spot.title}，{spot.callers}人{spot.size}件"))
    known_before = spot.first_seen_at <= now - dt.timedelta(days=7)
    if known_before and spot.growth >= params.alert_growth and spot.recent >= 2 * spot.previous:
        year, week, _ = timezone.localtime(now).isocalendar()
        wanted.append(
            (
                AlertKind.GROWN,
                f"{year}-W{week:02d}",
                f"热点快速增长{place}：{spot.title}，近7天{spot.recent}件（前7天{spot.previous}件）",
            )
        )
    made = 0
    for kind, period, message in wanted:
        if HotspotAlert.objects.filter(hotspot=spot, kind=kind, period=period).exists():
            continue
        try:
            with transaction.atomic():
                HotspotAlert.objects.create(
                    hotspot=spot,
                    kind=kind,
                    period=period,
                    at=now,
                    heat=spot.heat,
                    size=spot.size,
                    recent=spot.recent,
                    previous=spot.previous,
                    message=message[:300],
                )
            made += 1
        except IntegrityError:  # a concurrent refresh recorded it first
            continue
    return made
