"""Duplicate detection (重复件识别): is this request already in the system? Used at intake and by
dispatch, so it lives with the orders it searches, below both.

A recent order is a candidate when it comes from the same requester (phone) or the same place
(address text or coordinates) within `days`; it is proposed for merging when its text is similar
enough. Text similarity is the cosine of character 2-gram + 3-gram counts, which needs no word
segmentation and tolerates the small rewordings of a citizen who calls twice.

The scoring functions are pure so that `bench`/evaluation code can measure them on labelled pairs
without a database (see docs/dispatch.md, "重复件识别")."""

from __future__ import annotations

import datetime as dt
import math
import re
from collections import Counter
from dataclasses import dataclass, field
from functools import reduce
from operator import or_

from django.db.models import Q
from django.utils import timezone
from rapidfuzz import fuzz

from jiesu.workorders.models import State, WorkOrder

# Text similarity at or above which a candidate is proposed as a duplicate, each chosen on the dev half
# (even pair numbers) of hand-labelled pairs; test-half figures in docs/dispatch.md, "重复件识别".
# Same requester: data/dispatch/duplicate_pairs.csv (same-user posts). Another requester at the same
# place: data/dispatch/same_place_pairs.csv (hot-issue posts of different users, address extracted by
# jiesu.intake.dupeval) — different citizens describe one problem in their own words, so once the
# address agrees a little shared wording is enough (at 0.5 recall was 0.22).
REQUESTER_THRESHOLD = 0.25
PLACE_THRESHOLD = 0.10
TEXT_THRESHOLD = min(REQUESTER_THRESHOLD, PLACE_THRESHOLD)  # below it nothing is ever proposed
# Two coordinates this close (metres) are "the same place".
PLACE_RADIUS_M = 200.0
# Two addresses whose normalised forms are this similar (rapidfuzz ratio, 0–100) are the same place.
ADDRESS_RATIO = 85
# At most this many recent orders are scored per call; the newest first.
MAX_CANDIDATES = 500

_NOISE_RE = re.compile(r"[\s\u3000,，.。!！?？;；:：、()（）\[\]【】《》\"'“”‘’<>…\-—_~·/\\|]+")
_ADDRESS_PREFIX_RE = re.compile(r"^(北京市?|北京)?(丰台区)?")
# The street office (方庄街道, 泉塘街道, 卢沟桥地区) is administrative and often left out when people
# give the same address ("方庄街道芳城园一区" vs "芳城园一区"); it is dropped before comparing.
_ADDRESS_STREET_RE = re.compile(r"(?:(?![区县市])[\u4e00-\u9fff]){2,4}?(街道办事处|街道办|街道|地区办事处)")
_EXCLUDED_STATES = (State.MERGED, State.UNREASONABLE)


@dataclass(frozen=True)
class SimilarOrder:
    """A recent order that looks like the same request, with the proposed merge."""

    order_id: int
    number: str
    title: str
    state: str
    received_at: dt.datetime
    similarity: float  # text cosine, 0–1
    same_requester: bool
    same_place: bool
    merge_into_id: int  # the master the new request would be merged into
    reasons: list[str] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {
            "order_id": self.order_id,
            "number": self.number,
            "title": self.title,
            "state": self.state,
            "received_at": self.received_at.isoformat(),
            "similarity": round(self.similarity, 3),
            "same_requester": self.same_requester,
            "same_place": self.same_place,
            "merge_into_id": self.merge_into_id,
            "reasons": self.reasons,
        }


# ---------------------------------------------------------------- pure scoring


def normalise_text(text: str) -> str:
    """Drop whitespace and punctuation (the scraped texts carry tabs and newlines)."""
    return _NOISE_RE.sub("", text or "").lower()


def char_ngrams(text: str) -> Counter:
    """Counts of character 2-grams and 3-grams of the normalised text."""
    s = normalise_text(text)
    grams: Counter = Counter()
    for n in (2, 3):
        grams.update(s[i : i + n] for i in range(len(s) - n + 1))
    if not grams and s:
        grams[s] = 1
    return grams


def cosine(a: Counter, b: Counter) -> float:
    if not a or not b:
        return 0.0
    if len(a) > len(b):
        a, b = b, a
    dot = sum(v * b.get(k, 0) for k, v in a.items())
    if not dot:
        return 0.0
    return dot / (math.sqrt(sum(v * v for v in a.values())) * math.sqrt(sum(v * v for v in b.values())))


def text_similarity(a: str, b: str) -> float:
    return cosine(char_ngrams(a), char_ngrams(b))


def normalise_address(address: str) -> str:
    return _ADDRESS_STREET_RE.sub("", _ADDRESS_PREFIX_RE.sub("", normalise_text(address)))


def same_address(a: str, b: str) -> bool:
    a, b = normalise_address(a), normalise_address(b)
    if len(a) < 3 or len(b) < 3:
        return False
    if a == b or (min(len(a), len(b)) >= 4 and (a in b or b in a)):
        return True
    return fuzz.ratio(a, b) >= ADDRESS_RATIO


def distance_m(lat1: float, lng1: float, lat2: float, lng2: float) -> float:
    """Great-circle distance (haversine); both points in the same datum."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lng2 - lng1)
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * 6_371_000 * math.asin(math.sqrt(h))


# ---------------------------------------------------------------- the query


def _address_chunks(address: str) -> list[str]:
    """A few 4-character pieces of the address to pre-filter in SQL (LIKE), verified in Python."""
    s = normalise_address(address)
    if len(s) < 4:
        return [s] if len(s) >= 3 else []
    starts = sorted({0, max(0, len(s) // 2 - 2), len(s) - 4})
    return [s[i : i + 4] for i in starts]


def _candidate_filter(*, address: str, phone: str, lat: float | None, lng: float | None) -> Q | None:
    parts: list[Q] = []
    if phone:
        parts.append(Q(requester_phone=phone))
    # icontains: the chunks are lower-cased (normalise_text) and PostgreSQL's LIKE is case-sensitive.
    parts += [Q(address__icontains=chunk) for chunk in _address_chunks(address)]
    if lat is not None and lng is not None:
        dlat = PLACE_RADIUS_M / 111_000
        dlng = dlat / max(0.1, math.cos(math.radians(lat)))
        parts.append(Q(lat__range=(lat - dlat, lat + dlat), lng__range=(lng - dlng, lng + dlng)))
    return reduce(or_, parts) if parts else None


def find_similar(
    *,
    content: str,
    address: str = "",
    requester_phone: str = "",
    lat: float | None = None,
    lng: float | None = None,
    days: int = 7,
    now: dt.datetime | None = None,
    exclude_id: int | None = None,
    limit: int = 5,
) -> list[SimilarOrder]:
    """Orders of the last `days` from the same requester or the same place whose text is similar
    (≥ REQUESTER_THRESHOLD, or PLACE_THRESHOLD for another requester), most similar first. `content` may include the title. Without a phone, an
    address or coordinates there is nothing to compare against and the answer is empty."""
    if days < 1 or limit < 1:
        return []
    phone = (requester_phone or "").strip()
    where = _candidate_filter(address=address, phone=phone, lat=lat, lng=lng)
    query_grams = char_ngrams(content)
    if where is None or not query_grams:
        return []
    now = now or timezone.now()
    recent = (
        WorkOrder.objects.filter(where, received_at__gte=now - dt.timedelta(days=days), received_at__lte=now)
        .exclude(state__in=_EXCLUDED_STATES)
        .only("id", "number", "title", "content", "address", "lat", "lng", "requester_phone", "state", "received_at")
        .order_by("-received_at")
    )
    if exclude_id is not None:
        recent = recent.exclude(pk=exclude_id)
    found: list[SimilarOrder] = []
    for order in recent[:MAX_CANDIDATES]:
        by_phone = bool(phone) and order.requester_phone == phone
        near = (
            lat is not None
            and lng is not None
            and order.lat is not None
            and order.lng is not None
            and distance_m(lat, lng, order.lat, order.lng) <= PLACE_RADIUS_M
        )
        by_address = bool(address) and same_address(address, order.address)
        if not (by_phone or near or by_address):
            continue
        score = cosine(query_grams, char_ngrams(f"{order.title}{order.content}"))
        if score < (REQUESTER_THRESHOLD if by_phone else PLACE_THRESHOLD):
            continue
        reasons = []
        if by_phone:
            reasons.append("同一诉求人")
        if near:
            reasons.append(f"{PLACE_RADIUS_M:.0f}米内同地点")
        if by_address and not near:
            reasons.append("地址相同或相近")
        reasons.append(f"文本相似度 {score:.2f}")
        found.append(
            SimilarOrder(
                order_id=order.pk,
                number=order.number,
                title=order.title,
                state=order.state,
                received_at=order.received_at,
                similarity=score,
                same_requester=by_phone,
                same_place=near or by_address,
                merge_into_id=order.pk,
                reasons=reasons,
            )
        )
    found.sort(key=lambda s: (-s.similarity, -s.received_at.timestamp()))
    return found[:limit]
