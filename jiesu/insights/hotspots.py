"""Hotspots (热点): many requests about one problem at one place within a time window.

The method, free of the database so the file command and the stored findings share it:
1. each message becomes a TF-IDF vector of its words (title twice, then the body — textmining.py);
2. messages are clustered by average linkage within blocks (clustering.py; the caller's block is
   street × category for work orders, none for a file), never joining messages further apart in
   time than the window;
3. a cluster with at least `min_size` messages from at least `min_callers` different callers is a
   hotspot; its **heat** is

       heat = callers + √(repeat calls) + 2·ln(1 + support) + ½ · max(0, growth)

   callers: distinct requesters (each message counts as one where the caller is unknown); repeat
   calls: messages beyond one per caller (persistence counts, flooding does not); support: likes,
   co-signers or merged duplicates a source records; growth: messages in the last `growth_days`
   minus the `growth_days` before (a problem that is getting louder rises);
4. its title is the member sentence covering the cluster's TF-IDF key phrases best (extractive),
   its place the name most members mention (places.py), or the given place column's mode."""

from __future__ import annotations

import datetime as dt
import math
from collections import defaultdict
from collections.abc import Hashable, Sequence
from dataclasses import dataclass, field

import numpy as np

from jiesu.common.errors import InvalidInput
from jiesu.insights import clustering, places, textmining


@dataclass(frozen=True)
class Message:
    id: str
    title: str
    body: str
    at: dt.datetime
    place: str = ""  # a given place (address, community) — empty when only the text has it
    caller: str = ""  # requester (phone, user id); empty: unknown, the message counts as its own caller
    support: float = 0.0  # likes, co-signers, merged duplicates
    block: Hashable = None  # messages of different blocks never share a hotspot
    words: str | None = None  # textmining.document(title, body) when already known (cached per order)


@dataclass(frozen=True)
class HotspotParams:
    distance: float = clustering.DISTANCE
    window_days: float | None = None  # None: the whole span of the messages
    min_size: int = 2
    min_callers: int = 2
    growth_days: int = 7
    keywords: int = 5

    def __post_init__(self):
        if not 0.05 <= self.distance <= 0.99:
            raise InvalidInput("聚类距离阈值应在0.05–0.99之间", code="invalid_hotspot_distance")
        if self.window_days is not None and self.window_days <= 0:
            raise InvalidInput("时间窗口天数必须大于0", code="invalid_hotspot_window")
        if self.min_size < 2 or self.min_callers < 1 or self.growth_days < 1:
            raise InvalidInput("热点至少需要2条诉求、1位诉求人，增长观察期至少1天", code="invalid_hotspot_minimum")


@dataclass
class Found:
    heat: float
    size: int
    callers: int
    repeat_calls: int
    support: float
    recent: int  # messages in the last growth_days before `now`
    previous: int  # messages in the growth_days before those
    first_at: dt.datetime
    last_at: dt.datetime
    place: str
    title: str
    keywords: list[str]
    member_ids: list[str]  # in time order
    members: list[int] = field(default_factory=list)  # positions in the input
    rank: int = 0

    @property
    def growth(self) -> int:
        return self.recent - self.previous


def heat_of(*, callers: int, repeat_calls: int, support: float, growth: int) -> float:
    return callers + math.sqrt(max(0, repeat_calls)) + 2 * math.log1p(max(0.0, support)) + 0.5 * max(0, growth)


def find_hotspots(
    messages: Sequence[Message],
    *,
    params: HotspotParams | None = None,
    now: dt.datetime | None = None,
    limit: int | None = None,
) -> list[Found]:
    """The hotspots among the messages, hottest first (ranks 1…n); at most `limit` are described
    (title, place, key phrases — the costly part), the rest are not returned. `now` (default: the
    latest message) anchors the growth window."""
    params = params or HotspotParams()
    if not messages:
        return []
    now = now or max(m.at for m in messages)
    unknown = [i for i, m in enumerate(messages) if m.words is None]
    computed = dict(
        zip(unknown, textmining.documents([(messages[i].title, messages[i].body) for i in unknown]), strict=True)
    )
    docs = [computed[i] if m.words is None else m.words for i, m in enumerate(messages)]
    matrix, vocabulary = textmining.vectorise(docs)
    if not vocabulary:
        return []
    times = [m.at.timestamp() for m in messages]
    window = params.window_days * 86400 if params.window_days else None
    labels = clustering.cluster(
        matrix, blocks=[m.block for m in messages], times=times, window=window, distance=params.distance
    )
    groups: dict[int, list[int]] = defaultdict(list)
    for i, label in enumerate(labels):
        if matrix[i].nnz:  # a message sharing no word with any other stays alone
            groups[int(label)].append(i)
    scored = []
    for rows in groups.values():
        if len(rows) >= params.min_size and (figures := _figures(rows, messages, params=params, now=now)):
            scored.append(figures)
    scored.sort(key=lambda f: (-f["heat"], -len(f["members"]), f["first_at"], messages[f["members"][0]].id))
    # the words' rarity for place names is judged within the block (one street's, one category's orders)
    block_texts: dict[Hashable, list[str]] = defaultdict(list)
    if scored:
        for m in messages:
            block_texts[m.block].append(textmining.clean(f"{m.title} {m.body}"))
    found = []
    for rank, figures in enumerate(scored[:limit] if limit else scored, start=1):
        found.append(_describe(figures, messages, matrix, vocabulary, corpus=block_texts, params=params, rank=rank))
    return found


def _figures(rows, messages, *, params: HotspotParams, now: dt.datetime) -> dict | None:
    """Size, callers, support, growth and heat of one cluster; None when too few callers."""
    members = sorted(rows, key=lambda i: (messages[i].at, messages[i].id))
    named = {messages[i].caller for i in members if messages[i].caller}
    callers = len(named) + sum(1 for i in members if not messages[i].caller)
    if callers < params.min_callers:
        return None
    support = float(sum(messages[i].support for i in members))
    span = dt.timedelta(days=params.growth_days)
    recent = sum(1 for i in members if now - span < messages[i].at <= now)
    previous = sum(1 for i in members if now - 2 * span < messages[i].at <= now - span)
    size = len(members)
    heat = heat_of(callers=callers, repeat_calls=size - callers, support=support, growth=recent - previous)
    return {
        "members": members,
        "callers": callers,
        "support": support,
        "recent": recent,
        "previous": previous,
        "heat": round(heat, 3),
        "first_at": messages[members[0]].at,
    }


def _describe(figures, messages, matrix, vocabulary, *, corpus, params: HotspotParams, rank: int) -> Found:
    members = figures["members"]
    keywords = textmining.key_phrases(matrix, vocabulary, members, n=params.keywords)
    texts = [textmining.clean(f"{messages[i].title} {messages[i].body}") for i in members]
    titles = [textmining.clean(messages[i].title) for i in members]
    if not any(len(t) >= textmining.MIN_TITLE for t in titles):  # no title column: the bodies' first sentences
        titles = [s for i in members for s in textmining.sentences("", messages[i].body)[:1]]
    size, callers = len(members), figures["callers"]
    return Found(
        heat=figures["heat"],
        size=size,
        callers=callers,
        repeat_calls=size - callers,
        support=figures["support"],
        recent=figures["recent"],
        previous=figures["previous"],
        first_at=messages[members[0]].at,
        last_at=messages[members[-1]].at,
        place=places.shared_place(
            texts, given=[messages[i].place for i in members], corpus=corpus[messages[members[0]].block]
        ),
        title=textmining.extractive_title(titles, keywords=keywords),
        keywords=keywords,
        member_ids=[messages[i].id for i in members],
        members=members,
        rank=rank,
    )


def centre(points: Sequence[tuple[float, float]]) -> tuple[float, float] | None:
    """Median (lat, lng) of the members that have coordinates (robust to one mislocated order)."""
    if not points:
        return None
    arr = np.asarray(points, dtype=float)
    return float(np.median(arr[:, 0])), float(np.median(arr[:, 1]))
