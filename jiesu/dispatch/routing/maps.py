"""Versioned, reviewable tables that turn another city's data into Fengtai terms.

* `UnitMap` — external unit name → Fengtai units (the MAP.yaml format of `evaluate_routing`):
  a list of `{pattern: REGEX, units: [REGEX, …]}`; the first pattern found in the external name decides.
  `属地` stands for any street/town (and the outcome "属地, street unknown"), `退回市级` for the
  return-to-city outcome. The first entry of `units` doubles as a training target.
* `CategoryMap` — external category path → a leaf of the Beijing-style tree.
* `Catalogue` — the unit catalogue read from data/org/units.yaml (no database needed), to resolve
  the names used in maps and the tree to unit codes."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import yaml
from django.conf import settings

from jiesu.common.errors import InvalidInput

LOCAL = "属地"  # outcome key: the street/town of the place
CITY = "退回市级"  # outcome label of the return-to-city unit


def data_path(*parts: str) -> Path:
    return Path(settings.BASE_DIR, "data", *parts)


@dataclass(frozen=True)
class UnitRule:
    pattern: re.Pattern
    units: tuple[re.Pattern, ...]
    raw_units: tuple[str, ...]


@dataclass(frozen=True)
class UnitMap:
    rules: tuple[UnitRule, ...]
    version: str = ""

    def rule_for(self, external: str) -> UnitRule | None:
        for rule in self.rules:
            if rule.pattern.search(external or ""):
                return rule
        return None


def _compile(value: str, *, where: str) -> re.Pattern:
    try:
        return re.compile(str(value))
    except re.error as exc:
        raise InvalidInput(f"{where} 的正则表达式“{value}”无效：{exc}", code="unit_map_invalid") from exc


def read_unit_map(path: Path) -> UnitMap:
    """Parse a MAP.yaml (a top-level list, or a mapping with `map:`). Errors are Chinese InvalidInput."""
    try:
        spec = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise InvalidInput(f"找不到单位对照表：{path}", code="file_not_found") from exc
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise InvalidInput(f"无法读取单位对照表 {path}：{exc}", code="unit_map_invalid") from exc
    items = spec.get("map") if isinstance(spec, dict) else spec
    if not isinstance(items, list) or not items:
        raise InvalidInput("单位对照表应为 {pattern, units} 的列表", code="unit_map_invalid")
    rules = []
    for i, item in enumerate(items, 1):
        if not isinstance(item, dict) or "pattern" not in item or not item.get("units"):
            raise InvalidInput(f"单位对照表第 {i} 项缺少 pattern 或 units", code="unit_map_invalid")
        units = item["units"] if isinstance(item["units"], list) else [item["units"]]
        rules.append(
            UnitRule(
                pattern=_compile(item["pattern"], where=f"第 {i} 项 pattern"),
                units=tuple(_compile(u, where=f"第 {i} 项 units") for u in units),
                raw_units=tuple(str(u) for u in units),
            )
        )
    return UnitMap(rules=tuple(rules), version=str(spec.get("version", "")) if isinstance(spec, dict) else "")


@dataclass(frozen=True)
class CategoryMap:
    rules: tuple[tuple[re.Pattern, str], ...]
    strip: re.Pattern | None = None

    def leaf_for(self, path: str) -> str | None:
        for pattern, leaf in self.rules:
            if pattern.search(path):
                return leaf
        return None


def read_category_map(path: Path) -> CategoryMap:
    spec = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    return CategoryMap(rules=tuple((re.compile(r["pattern"]), r["category"]) for r in spec["map"]))


@dataclass(frozen=True)
class CatalogueUnit:
    code: str
    name: str
    short_name: str
    kind: str


class Catalogue:
    """Units from data/org/units.yaml (departments, enterprises, the 退回市级 outcome) by any name."""

    def __init__(self, path: Path | None = None):
        spec = yaml.safe_load((path or data_path("org", "units.yaml")).read_text(encoding="utf-8"))
        self.units: dict[str, CatalogueUnit] = {}
        for kind in ("departments", "enterprises"):
            for row in spec.get(kind, []):
                unit = CatalogueUnit(row["code"], row["name"], row.get("short_name") or row["name"], kind)
                self.units[unit.code] = unit
        city = spec.get("city_return")
        self.city_code = city["code"] if city else ""
        if city:
            self.units[city["code"]] = CatalogueUnit(city["code"], city["name"], city.get("short_name", ""), "city")
        self._by_name = {}
        for unit in self.units.values():
            for key in (unit.short_name, unit.name, unit.code):
                self._by_name[key] = unit.code

    def outcome(self, name: str) -> str:
        """Outcome key of a unit named in a map or rule: 属地, or a unit code (退回市级 → its code)."""
        if name == LOCAL:
            return LOCAL
        if name == CITY and self.city_code:
            return self.city_code
        if name not in self._by_name:
            raise InvalidInput(f"单位目录中没有“{name}”", code="unknown_unit")
        return self._by_name[name]
