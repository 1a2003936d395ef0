"""Measuring same-place duplicate detection on the tipdm hot-issue messages (附件3).

The messages have no address column, so the address a hotline agent would type is derived from the
text by a fixed rule (`extract_address`), and pairs of messages from different users are scored by
the real `find_similar` path: the earlier message becomes a work order with its extracted address,
the later one is the new request. Used by bench/dispatch.py and tested on a small fixture; the
labels live in data/dispatch/same_place_pairs.csv (protocol in data/dispatch/README.md)."""

from __future__ import annotations

import csv
import datetime as dt
import re
from dataclasses import dataclass
from pathlib import Path

# The anonymised city and its districts/counties as the messages write them: A市, A1区…A9县.
_DISTRICT_RE = re.compile(r"(?:A市)?(A\d{1,2}[区县市])")
# A place name ends in one of these words (compound, road, school, market …).
_SUFFIXES = (
    "小区",
    "花园",
    "家园",
    "公寓",
    "新城",
    "新村",
    "社区",
    "大厦",
    "广场",
    "中学",
    "小学",
    "学校",
    "幼儿园",
    "医院",
    "市场",
    "公园",
    "大道",
    "街道",
    "工地",
    "村",
    "路",
    "街",
    "苑",
    "城",
    "府",
    "郡",
    "园",
    "湾",
    "庭",
    "院",
    "湖",
)
# Text is cut into segments at punctuation and at these characters (particles, verbs, conjunctions),
# so that a place name never runs into the sentence around it.
_CUT_RE = re.compile(r"[^\w]+|[的了在是和与及对将把被有无为从到向于等要请问已旁内外边附近]")
# Greedy: the longest run that still ends in a place word ("远大路东方银座小区", not "远大路").
_PLACE_RE = re.compile(rf"^\w{{1,12}}(?:{'|'.join(_SUFFIXES)})")
_LEAD_RE = re.compile(
    r"^(?:关于|反映|投诉|举报|建议|咨询|询问|请求|恳请|希望|要求|坚决|反对|拆除|解决|我们|我是|本人|住在|位于|地处|业主)+"
)
# Spans that name a whole city/district or a generic thing, not a spot.
_GENERIC_RE = re.compile(
    r"政府$|跑路$|^(?:很多|该|这|那|暴力|A市|西地省|\d+路|小区|社区|学校|医院|公园|市场|工地|农村|城市|县城|城区|本村|我们?小区|该小区|这个小区|本小区|一线城)"
)


def clean(text: str) -> str:
    return " ".join((text or "").split())


def _places(text: str):
    """(district or "", place) for each place span of the text, in order."""
    for segment in _CUT_RE.split(text):
        district = ""
        m = _DISTRICT_RE.search(segment)
        if m:
            district, segment = m.group(1), segment[m.end() :]
        segment = _LEAD_RE.sub("", segment)
        m = _PLACE_RE.match(segment)
        if m and len(m.group(0)) >= 3 and not _GENERIC_RE.search(m.group(0)):
            yield district, m.group(0)


def extract_address(title: str, detail: str) -> str:
    """The address an agent would type for this message: the first place span of the title, else of
    the detail. The text is cut at punctuation and particles; a span is a run of at most 12 word
    characters at the start of a segment (after a district such as A3区 and a leading verb such as
    反映/投诉) that ends in a place word (小区, 路, 村, 学校 …). The district is kept in front — the
    span's own, else the first one the message names. "" when no span is found."""
    title, detail = clean(title), clean(detail)
    anywhere = _DISTRICT_RE.search(f"{title} {detail}")
    for text in (title, detail):
        for district, place in _places(text):
            return f"{district or (anywhere.group(1) if anywhere else '')}{place}"
    return ""


@dataclass(frozen=True)
class Message:
    id: str
    user: str
    at: dt.datetime
    title: str
    detail: str
    address: str

    @property
    def text(self) -> str:
        return f"{self.title}{self.detail}"


def load_messages(path: Path) -> dict[str, Message]:
    """附件3 messages by 留言编号 (the first of repeated ids), with the extracted address."""
    out: dict[str, Message] = {}
    with path.open(encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            if row["留言编号"] in out:
                continue
            title, detail = clean(row["留言主题"]), clean(row["留言详情"])
            out[row["留言编号"]] = Message(
                id=row["留言编号"],
                user=row["留言用户"],
                at=dt.datetime.fromisoformat(row["留言时间_iso"]),
                title=title,
                detail=detail,
                address=extract_address(title, detail),
            )
    return out


def score_pairs_through_find_similar(pairs, messages: dict[str, Message], *, days: int) -> list[float | None]:
    """For each (a_id, b_id) pair: the similarity `find_similar` reports for the earlier message when
    the later one comes in with its extracted address and another phone, or None when the earlier
    one is not proposed at all (different place, outside the window). Thresholds are lifted to 0 for
    the call so that the caller can sweep them; every order is deleted again afterwards.
    Needs a database (tests or the bench's temporary SQLite)."""
    from django.db import transaction
    from django.utils import timezone

    from jiesu.org.models import User
    from jiesu.workorders import duplicates, services

    agent = User.objects.filter(is_active=True).order_by("pk").first()
    saved = duplicates.REQUESTER_THRESHOLD, duplicates.PLACE_THRESHOLD, duplicates.TEXT_THRESHOLD
    duplicates.REQUESTER_THRESHOLD = duplicates.PLACE_THRESHOLD = duplicates.TEXT_THRESHOLD = 0.0
    scores: list[float | None] = []
    try:
        for a_id, b_id in pairs:
            first, second = sorted((messages[a_id], messages[b_id]), key=lambda m: (m.at, m.id))
            with transaction.atomic():
                order, _ = services.create_order(
                    user=agent,
                    title=first.title[:200],
                    content=first.detail or first.title,
                    requester_phone=f"1390000{int(first.id) % 10000:04d}",
                    address=first.address,
                    at=timezone.make_aware(first.at),
                )
                found = duplicates.find_similar(
                    content=second.text,
                    address=second.address,
                    requester_phone=f"1380000{int(second.id) % 10000:04d}",
                    days=days,
                    now=timezone.make_aware(second.at),
                    limit=50,
                )
                hit = next((s for s in found if s.order_id == order.pk), None)
                scores.append(hit.similarity if hit else None)
                transaction.set_rollback(True)
    finally:
        duplicates.REQUESTER_THRESHOLD, duplicates.PLACE_THRESHOLD, duplicates.TEXT_THRESHOLD = saved
    return scores


def precision_recall(scores: list[float | None], labels: list[bool], threshold: float) -> tuple[float, float, float]:
    """P, R, F1 of "proposed" = found by the same-place rule with similarity ≥ threshold."""
    tp = sum(1 for s, y in zip(scores, labels, strict=True) if y and s is not None and s >= threshold)
    fp = sum(1 for s, y in zip(scores, labels, strict=True) if not y and s is not None and s >= threshold)
    fn = sum(1 for s, y in zip(scores, labels, strict=True) if y and (s is None or s < threshold))
    p = tp / (tp + fp) if tp + fp else 0.0
    r = tp / (tp + fn) if tp + fn else 0.0
    return p, r, (2 * p * r / (p + r) if p + r else 0.0)
