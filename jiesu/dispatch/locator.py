"""Locator: where is this request? order → street/town (街镇), community and grid.

1. Coordinates (converted to WGS-84 first; map apps send GCJ-02) are tested against the boundaries
   an operator loaded (`manage.py load_boundaries`): grid, community and street polygons.
2. Otherwise the address text is matched against the gazetteer: street names, communities, property
   projects and grids from the database plus data/dispatch/gazetteer.yaml (roads, landmarks,
   communities). Exact matches vote for their street; if none, a fuzzy match (rapidfuzz) on the longer
   names is tried.
3. Below the confidence threshold the answer is an explicit "unknown" with the candidates seen, never
   a guess.

Gazetteer and boundaries are built once per process and rebuilt after org data change (signals in
jiesu.dispatch.signals, jiesu.dispatch.caching)."""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field, replace
from pathlib import Path

import yaml
from django.conf import settings
from rapidfuzz import fuzz, process

from jiesu.common import geo
from jiesu.dispatch.caching import ProcessCache
from jiesu.org.models import Community, Grid, PropertyProject, Unit, UnitKind
from jiesu.org.selectors import local_units

GAZETTEER_FILE = Path(settings.BASE_DIR) / "data" / "dispatch" / "gazetteer.yaml"

# Below this the locator answers "unknown" (0–1).
MIN_CONFIDENCE = 0.6
# rapidfuzz partial_ratio (0–100) a fuzzy name match needs; only names this long are tried fuzzily,
# shorter ones differ in one character from too many others.
FUZZY_CUTOFF = 80
FUZZY_MIN_LENGTH = 4
# A property project is proposed for an order only from an exact mention of its name, at least
# this long (shorter names such as "东区" name many places); in the address the mention counts
# fully, in the title/content less (a citizen may mention a neighbouring compound).
PROJECT_MIN_LENGTH = 3
PROJECT_MIN_CONFIDENCE = 0.8
_PROJECT_WEIGHT = {"address": 1.0, "text": 0.8}

# How much one mention of each kind of name says about the street.
_WEIGHTS = {"street": 3.0, "community": 3.0, "project": 3.0, "grid": 3.0, "landmark": 2.0, "road": 1.5, "shared": 1.0}
_KIND_LABELS = {
    "street": "街镇名",
    "community": "社区",
    "project": "物业项目",
    "grid": "网格",
    "landmark": "地标",
    "road": "道路",
    "shared": "跨街镇道路",
}
_NOISE_RE = re.compile(r"[\s\u3000,，.。!！?？;；:：、()（）\[\]【】\"'“”‘’<>…\-—_~·/\\|#]+")
_CITY_RE = re.compile(r"北京市|北京|丰台区")
_DIGITS = str.maketrans("0123456789", "〇一二三四五六七八九")
_NUMBERED_AREA_RE = re.compile(r"([0-9])(?=[区里])")


@dataclass(frozen=True)
class Location:
    """Where an order is, how it was found and how sure the locator is."""

    method: str  # boundary | gazetteer | fuzzy | unknown
    street_id: int | None = None
    street_name: str = ""
    community_id: int | None = None
    grid_id: int | None = None
    grid_name: str = ""
    confidence: float = 0.0
    matched: tuple[str, ...] = ()
    explanation: str = ""
    candidates: tuple[tuple[str, float], ...] = ()  # (street name, score) when unsure
    in_district: bool | None = None  # coordinates inside Fengtai's outline (None: not known)
    wgs84: tuple[float, float] | None = None

    @property
    def known(self) -> bool:
        return self.street_id is not None

    def as_dict(self) -> dict:
        return {
            "method": self.method,
            "method_label": METHOD_LABELS[self.method],
            "street_id": self.street_id,
            "street_name": self.street_name,
            "community_id": self.community_id,
            "grid_id": self.grid_id,
            "grid_name": self.grid_name,
            "confidence": round(self.confidence, 3),
            "matched": list(self.matched),
            "explanation": self.explanation,
            "candidates": [{"street_name": n, "score": round(s, 3)} for n, s in self.candidates],
            "in_district": self.in_district,
            "wgs84": list(self.wgs84) if self.wgs84 else None,
        }


METHOD_LABELS = {
    "given": "受理时已填写",
    "boundary": "坐标落区",
    "gazetteer": "地址匹配",
    "fuzzy": "地址模糊匹配",
    "unknown": "未能定位",
}


def normalise_address(address: str) -> str:
    text = _NOISE_RE.sub("", address or "")
    text = _NUMBERED_AREA_RE.sub(lambda m: m.group(1).translate(_DIGITS), text)
    return _CITY_RE.sub("", text)


# ---------------------------------------------------------------- the gazetteer


@dataclass
class Gazetteer:
    # name → (kind, street ids); the same name under several streets is ambiguous by construction
    names: dict[str, tuple[str, frozenset[int]]] = field(default_factory=dict)
    streets: dict[int, str] = field(default_factory=dict)  # id → name
    communities: dict[str, int] = field(default_factory=dict)  # community name → id (unique names only)
    ordered: list[str] = field(default_factory=list)  # longest first
    fuzzy_names: list[str] = field(default_factory=list)
    # project name → ((project id, street id), …); the same name can be one compound per company
    projects: dict[str, tuple[tuple[int, int], ...]] = field(default_factory=dict)
    project_names: list[str] = field(default_factory=list)  # longest first

    def add(self, name: str, kind: str, street_ids) -> None:
        name = normalise_address(name)
        if len(name) < 2:
            return
        ids = frozenset(street_ids)
        if name in self.names:
            old_kind, old_ids = self.names[name]
            # A database name (community/project/grid) or a street's own name keeps its kind.
            keep = old_kind if _WEIGHTS[old_kind] >= _WEIGHTS[kind] else kind
            self.names[name] = (keep, old_ids | ids)
        else:
            self.names[name] = (kind, ids)

    def finish(self) -> Gazetteer:
        self.ordered = sorted(self.names, key=len, reverse=True)
        self.fuzzy_names = [n for n in self.ordered if len(n) >= FUZZY_MIN_LENGTH]
        self.project_names = sorted(self.projects, key=len, reverse=True)
        return self


def build_gazetteer(*, path: Path = GAZETTEER_FILE) -> Gazetteer:
    gaz = Gazetteer()
    units = list(local_units())
    by_code = {u.code: u for u in units}
    gaz.streets = {u.pk: u.name for u in units}
    for unit in units:
        gaz.add(unit.name, "street", [unit.pk])
    spec = yaml.safe_load(path.read_text(encoding="utf-8")) if path.exists() else {}
    for code, lists in (spec.get("streets") or {}).items():
        unit = by_code.get(str(code))
        if unit is None:
            continue
        for name in lists.get("aliases", []):
            gaz.add(name, "street", [unit.pk])
        for kind, key in (("community", "communities"), ("road", "roads"), ("landmark", "landmarks")):
            for name in lists.get(key, []):
                gaz.add(name, kind, [unit.pk])
    for row in spec.get("shared") or []:
        ids = [by_code[c].pk for c in row["streets"] if c in by_code]
        if ids:
            gaz.add(row["name"], "shared", ids)
    seen: dict[str, int] = defaultdict(int)
    for community in Community.objects.filter(street__in=units).only("pk", "name", "street_id"):
        gaz.add(community.name, "community", [community.street_id])
        seen[normalise_address(community.name)] += 1
        gaz.communities[normalise_address(community.name)] = community.pk
    gaz.communities = {n: pk for n, pk in gaz.communities.items() if seen[n] == 1}
    for project in PropertyProject.objects.filter(street__in=units).only("pk", "name", "street_id"):
        gaz.add(project.name, "project", [project.street_id])
        name = normalise_address(project.name)
        if len(name) >= PROJECT_MIN_LENGTH:
            gaz.projects[name] = (*gaz.projects.get(name, ()), (project.pk, project.street_id))
    for grid in Grid.objects.filter(street__in=units).only("name", "street_id"):
        gaz.add(grid.name, "grid", [grid.street_id])
    return gaz.finish()


def match_address(address: str, *, gazetteer: Gazetteer) -> Location:
    """Street from the address text alone."""
    text = normalise_address(address)
    if not text:
        return Location(method="unknown", explanation="未提供地址")
    votes: dict[int, float] = defaultdict(float)
    matched: list[str] = []
    community_id = None
    rest = text
    for name in gazetteer.ordered:
        if name not in rest:
            continue
        kind, ids = gazetteer.names[name]
        for sid in ids:
            votes[sid] += _WEIGHTS[kind] / len(ids)
        matched.append(f"{_KIND_LABELS[kind]}「{name}」")
        community_id = community_id or gazetteer.communities.get(name)
        rest = rest.replace(name, "\x00")  # a shorter name inside a longer one is not new evidence
    method = "gazetteer"
    if not votes:
        hit = process.extractOne(text, gazetteer.fuzzy_names, scorer=fuzz.partial_ratio, score_cutoff=FUZZY_CUTOFF)
        if hit is None:
            return Location(method="unknown", explanation="地址中未识别出丰台区的街镇、社区、道路或地标")
        name, score, _ = hit
        kind, ids = gazetteer.names[name]
        for sid in ids:
            votes[sid] += _WEIGHTS[kind] / len(ids) * score / 100
        matched.append(f"{_KIND_LABELS[kind]}「{name}」(相似度{score:.0f})")
        method = "fuzzy"
    return _decide(votes, matched=matched, method=method, gazetteer=gazetteer, community_id=community_id)


def _decide(votes, *, matched, method, gazetteer, community_id) -> Location:
    ranked = sorted(votes.items(), key=lambda kv: -kv[1])
    total = sum(votes.values())
    best_id, best = ranked[0]
    # Share of the evidence × how much evidence there is (one road mention alone is weak).
    confidence = (best / total) * min(1.0, best / 3.0)
    candidates = tuple((gazetteer.streets[sid], v / total) for sid, v in ranked[:3])
    if confidence < MIN_CONFIDENCE:
        names = "、".join(f"{n}({s:.0%})" for n, s in candidates)
        return Location(
            method="unknown",
            confidence=confidence,
            matched=tuple(matched),
            candidates=candidates,
            explanation=f"依据不足，不作猜测：匹配到{'、'.join(matched)}，可能属于{names}",
        )
    return Location(
        method=method,
        street_id=best_id,
        street_name=gazetteer.streets[best_id],
        community_id=community_id,
        confidence=confidence,
        matched=tuple(matched),
        candidates=candidates if len(candidates) > 1 else (),
        explanation=f"{METHOD_LABELS[method]}：{'、'.join(matched)} → {gazetteer.streets[best_id]}",
    )


# ---------------------------------------------------------------- property projects


@dataclass(frozen=True)
class ProjectMatch:
    """The property project an order's address or text names, or why none is proposed."""

    project_id: int | None
    name: str = ""
    source: str = ""  # address | text
    confidence: float = 0.0
    explanation: str = ""

    @property
    def confident(self) -> bool:
        return self.project_id is not None and self.confidence >= PROJECT_MIN_CONFIDENCE


def _project_mentions(text: str, gazetteer: Gazetteer) -> list[str]:
    """Project names in the text, longest first; a name inside a longer one is not counted again."""
    rest, found = normalise_address(text), []
    if not rest:
        return found
    for name in gazetteer.project_names:
        if name in rest:
            found.append(name)
            rest = rest.replace(name, "\x00")
    return found


def match_project(
    *, address: str = "", text: str = "", street_id: int | None = None, gazetteer: Gazetteer | None = None
) -> ProjectMatch:
    """The one property project named in the address (else in the text). Nothing is proposed when
    two projects are named, when a name is shared by projects of several companies and the street
    does not tell them apart, or when the project lies in another street than the order's."""
    gaz = gazetteer or cache.get().gazetteer
    for source, value in (("address", address), ("text", text)):
        names = _project_mentions(value, gaz)
        if not names:
            continue
        candidates = {pid: sid for name in names for pid, sid in gaz.projects[name]}
        if street_id is not None and len(candidates) > 1:
            candidates = {pid: sid for pid, sid in candidates.items() if sid == street_id} or candidates
        label = "地址" if source == "address" else "诉求内容"
        if len(candidates) != 1:
            return ProjectMatch(
                project_id=None,
                explanation=f"{label}中的物业项目不唯一（{'、'.join(names)}），不作猜测",
            )
        ((project_id, project_street),) = candidates.items()
        confidence = _PROJECT_WEIGHT[source]
        note = f"{label}中提到「{names[0]}」"
        if street_id is not None and project_street != street_id:
            confidence *= 0.5
            note += "，但该项目不在工单所属街镇"
        return ProjectMatch(
            project_id=project_id, name=names[0], source=source, confidence=confidence, explanation=note
        )
    return ProjectMatch(project_id=None, explanation="地址和诉求内容中未提到已登记的物业项目")


# ---------------------------------------------------------------- boundaries


@dataclass
class Boundaries:
    streets: list[tuple[int, str, object]] = field(default_factory=list)  # (id, name, prepared geometry)
    communities: list[tuple[int, int, str, object]] = field(default_factory=list)  # (id, street id, name, geom)
    grids: list[tuple[int, int, str, object]] = field(default_factory=list)  # (id, street id, name, geom)
    district: object | None = None  # the district's own outline

    @property
    def empty(self) -> bool:
        return not (self.streets or self.communities or self.grids)


def build_boundaries() -> Boundaries:
    """Polygons stored (in WGS-84) on the district, units, communities and grids."""
    out = Boundaries()
    district = Unit.objects.filter(kind=UnitKind.DISTRICT).exclude(boundary=None).values_list("boundary", flat=True)
    if district:
        out.district = geo.prepared(district[0])
    for unit in local_units().exclude(boundary=None):
        out.streets.append((unit.pk, unit.name, geo.prepared(unit.boundary)))
    for c in Community.objects.exclude(boundary=None).only("pk", "street_id", "name", "boundary"):
        out.communities.append((c.pk, c.street_id, c.name, geo.prepared(c.boundary)))
    # Derived (demo) grids and department layers do not tell the street: only real community grids.
    real = Grid.objects.exclude(boundary=None).filter(is_derived=False, street__isnull=False)
    for g in real.only("pk", "street_id", "name", "boundary"):
        out.grids.append((g.pk, g.street_id, g.name, geo.prepared(g.boundary)))
    return out


def match_point(lat: float, lng: float, *, boundaries: Boundaries, streets: dict[int, str]) -> Location | None:
    """Street, community and grid containing a WGS-84 point, or None when no loaded polygon does."""
    street_id = street_name = None
    for pk, name, area in boundaries.streets:
        if geo.contains(area, lat=lat, lng=lng):
            street_id, street_name = pk, name
            break
    grid = next(((pk, sid, name) for pk, sid, name, a in boundaries.grids if geo.contains(a, lat=lat, lng=lng)), None)
    community = next(
        ((pk, sid, name) for pk, sid, name, a in boundaries.communities if geo.contains(a, lat=lat, lng=lng)), None
    )
    if street_id is None:
        # Grids and communities lie inside one street: their polygon tells the street too.
        inner = grid or community
        if inner is None:
            return None
        street_id, street_name = inner[1], streets.get(inner[1], "")
    parts = [street_name]
    if community:
        parts.append(f"社区「{community[2]}」")
    if grid:
        parts.append(f"网格「{grid[2]}」")
    return Location(
        method="boundary",
        street_id=street_id,
        street_name=street_name,
        community_id=community[0] if community else None,
        grid_id=grid[0] if grid else None,
        grid_name=grid[2] if grid else "",
        confidence=0.99,
        explanation="坐标落在已加载的边界内：" + "、".join(parts),
        wgs84=(lat, lng),
    )


# ---------------------------------------------------------------- process-wide cache


@dataclass
class PlaceData:
    gazetteer: Gazetteer
    boundaries: Boundaries


cache = ProcessCache("places", lambda: PlaceData(gazetteer=build_gazetteer(), boundaries=build_boundaries()))


def locate(
    *,
    address: str = "",
    lat: float | None = None,
    lng: float | None = None,
    crs: str | None = None,
) -> Location:
    """Street/community/grid of a request. `crs` is the datum of lat/lng (default: the setting
    JIESU_ORDER_COORDINATES, "gcj02" — what Chinese map apps send)."""
    in_district = None
    point = None
    notes = []
    if lat is not None and lng is not None:
        point = geo.to_wgs84(lat, lng, crs=crs or getattr(settings, "JIESU_ORDER_COORDINATES", geo.GCJ02))
        places = cache.get()
        if places.boundaries.district is not None:
            in_district = geo.contains(places.boundaries.district, lat=point[0], lng=point[1])
        if in_district is False:
            notes.append("坐标不在丰台区范围内，改用地址")
        else:
            found = match_point(*point, boundaries=places.boundaries, streets=places.gazetteer.streets)
            if found is not None:
                return _with(found, in_district=in_district, wgs84=point)
            notes.append("坐标处未加载街镇/网格边界，改用地址")
    found = match_address(address, gazetteer=cache.get().gazetteer)
    if notes:
        found = _with(found, explanation="；".join([*notes, found.explanation]))
    return _with(found, in_district=in_district, wgs84=point)


def _with(location: Location, **changes) -> Location:
    return replace(location, **changes)
