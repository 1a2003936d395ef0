"""Place names in free text, and the one place a group of messages shares.

A message rarely has an address column on a message board, so the place is read from its text:
the text is cut at punctuation and function words, and every run that ends in an address word
(小区, 新城, 路, 村, 街道 … — data/insights/places.yaml, generic Chinese, no city's names) is a
candidate, also when it starts right after an earlier place word ("万家丽南路丽发新城" also gives
"丽发新城"). For a group, the candidate most members mention wins; among those almost as common,
the longest (most specific). Spots (compounds, roads, schools) beat areas (街道, 区, 县, 市)."""

from __future__ import annotations

import logging
import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import jieba
import jieba.posseg as pseg
import yaml
from django.conf import settings

jieba.setLogLevel(logging.WARNING)

PLACES_FILE = Path(settings.BASE_DIR) / "data" / "insights" / "places.yaml"

SPOT = "spot"
AREA = "area"
# A place needs this share of a group's members mentioning it (and at least two members).
MIN_COVERAGE = 0.3
# An area (街道, 区, 市) needs half of the members: a district every other message names is no place.
MIN_AREA_COVERAGE = 0.5
# A longer name that contains the best one wins when it scores at least this share of the best.
NEAR_BEST = 0.8


@dataclass(frozen=True)
class PlaceRules:
    suffixes: tuple[tuple[str, str], ...]  # (suffix, kind), longest first
    suffix_re: re.Pattern
    kinds: dict[str, str]
    lead_re: re.Pattern
    cut_re: re.Pattern
    generic: frozenset[str]
    false_endings: tuple[str, ...]
    min_length: int
    max_length: int


@cache
def rules(path: Path = PLACES_FILE) -> PlaceRules:
    spec = yaml.safe_load(path.read_text(encoding="utf-8"))
    suffixes = [(s, SPOT) for s in spec["specific_suffixes"]] + [(s, AREA) for s in spec["area_suffixes"]]
    suffixes.sort(key=lambda pair: -len(pair[0]))
    lead = "|".join(map(re.escape, sorted(spec["lead_words"], key=len, reverse=True)))
    cut = "|".join(map(re.escape, sorted(spec["cut_words"], key=len, reverse=True)))
    return PlaceRules(
        suffixes=tuple(suffixes),
        suffix_re=re.compile("|".join(re.escape(s) for s, _ in suffixes)),
        kinds=dict(suffixes),
        lead_re=re.compile(rf"^(?:{lead})+"),
        cut_re=re.compile(rf"[^\w]+|_|{cut}"),
        generic=frozenset(spec["generic"]),
        false_endings=tuple(spec.get("false_endings", ())),
        min_length=int(spec.get("min_length", 3)),
        max_length=int(spec.get("max_length", 16)),
    )


def _doubled(segment: str, end: int, suffix: str) -> bool:
    return segment[max(0, end - 2 * len(suffix)) : end - len(suffix)] == suffix


def _suffix_ends(segment: str, place_rules: PlaceRules) -> list[tuple[int, str, str]]:
    """(end position, kind, address word) after every address word in the segment, left to right
    (the longest word wins where two start at one position)."""
    return [(m.end(), place_rules.kinds[m.group(0)], m.group(0)) for m in place_rules.suffix_re.finditer(segment)]


def candidates(text: str, *, place_rules: PlaceRules | None = None) -> set[tuple[str, str]]:
    """Every (place name, kind) the text offers."""
    r = place_rules or rules()
    found: set[tuple[str, str]] = set()
    for raw in r.cut_re.split(text or ""):
        segment = r.lead_re.sub("", raw)
        if len(segment) < r.min_length:
            continue
        # "柳荫路路灯": the second 路 belongs to 路灯, so 柳荫路路 is no name
        ends = [(end, kind) for end, kind, suffix in _suffix_ends(segment, r) if not _doubled(segment, end, suffix)]
        starts = [0] + [end for end, _ in ends]
        for end, kind in ends:
            for start in starts:
                if start >= end:
                    break
                span = r.lead_re.sub("", segment[start:end])
                if (
                    r.min_length <= len(span) <= r.max_length
                    and span not in r.generic
                    and not span.endswith(r.false_endings)
                ):
                    found.add((span, kind))
    return found


def shared_place(texts: Sequence[str], *, given: Iterable[str] = (), corpus: Sequence[str] | None = None) -> str:
    """The place a group of messages is about: the most common given place (an address or place
    column) when enough members have one, else the name its members' texts mention that is most
    theirs — share of members mentioning it × ln(messages ÷ messages mentioning it) over `corpus`
    (all messages): a city's name, in every message, loses to the compound most members name.
    Spots need 30 % of the members, areas half; spans jieba reads as containing a verb, preposition
    or pronoun are not names. "" when nothing qualifies."""
    given = [g.strip() for g in given if g and g.strip()]
    n = len(texts)
    if given:
        top, count = _mode(given)
        if count >= max(2, MIN_COVERAGE * n) or n == 1:
            return top
    pool: set[tuple[str, str]] = set()
    for text in texts:
        pool |= candidates(text)
    corpus = corpus if corpus is not None else texts
    scored = []
    for name, kind in pool:
        cover = sum(1 for t in texts if name in t)
        need = MIN_COVERAGE if kind == SPOT else MIN_AREA_COVERAGE
        if cover < 2 and n > 1 or cover < need * n:
            continue
        mentions = sum(1 for t in corpus if name in t)
        rarity = math.log((len(corpus) + 1) / (mentions + 1)) + 0.1  # > 0: a name every text has still ranks
        scored.append((cover / n * rarity, len(name), name))
    valid = [(score, name) for score, _, name in sorted(scored, reverse=True) if _is_name(name)]
    if not valid:
        return given[0] if given else ""
    best_score, best = valid[0]
    # "伊景园滨河苑" rather than "伊景园" when nearly as many members name the longer form
    longer = [(len(name), name) for score, name in valid if best in name and score >= NEAR_BEST * best_score]
    return max(longer)[1]


# jieba tags: verbs, prepositions, conjunctions, pronouns, adverbs, particles, interjections,
# directions, adjectives ("eng", "m", "ns", "n…" stay: letters, numbers and names are part of places).
_NOT_IN_NAMES = frozenset("v vd vi vg p c r rr rz d dg u uj ul uv uz ud ug y e f a ad".split())


def _is_name(span: str) -> bool:
    """No verb, preposition, conjunction, pronoun, adverb or particle among the span's jieba words of
    two characters or more, and none as its first character: "区域不宜临路建学校" and "距铁路" are not
    places; single characters inside an unknown name ("丽发新城" → 丽/发/新城) are left alone."""
    if any(span.startswith(g) and len(span) > len(g) for g in rules().generic if len(g) >= 2):
        return False  # "小区临街": a kind of place followed by something else
    words = pseg.lcut(span, HMM=False)
    if not words or (len(words[0].word) == 1 and words[0].flag in _NOT_IN_NAMES and len(words) > 1):
        return False
    return not any(len(w.word) >= 2 and w.flag in _NOT_IN_NAMES for w in words)


def _mode(values: list[str]) -> tuple[str, int]:
    counts: dict[str, int] = {}
    for v in values:
        counts[v] = counts.get(v, 0) + 1
    top = max(counts.items(), key=lambda kv: (kv[1], -len(kv[0])))
    return top
