"""Writes to the organisation: loading the versioned unit files, users, the responsibility list."""

import csv
import json
from dataclasses import dataclass
from pathlib import Path

import yaml
from django.db import transaction

from jiesu.common import geo
from jiesu.org.models import Grid, ResponsibilityRule, Role, Unit, UnitKind, User

LOCAL_MARKER = "属地"


@dataclass(frozen=True)
class OrgLoadResult:
    units: int
    grids: int


def _upsert_unit(
    *, code: str, name: str, kind: str, parent: Unit | None, short_name: str = "", sector: str = "", sort_order: int = 0
) -> Unit:
    unit, _ = Unit.objects.update_or_create(
        code=code,
        defaults={
            "name": name,
            "kind": kind,
            "parent": parent,
            "short_name": short_name or name,
            "sector": sector,
            "sort_order": sort_order,
        },
    )
    return unit


@transaction.atomic
def load_org(*, data_dir: Path) -> OrgLoadResult:
    """Create or update the district, the command centre, streets/towns, departments, enterprises
    and the 退回市级 outcome from `units.yaml` (+ its streets CSV), grids from `grids.yaml` if present,
    and the responsibility list from `responsibility.yaml` (which also reads the rules the category
    tree carries). Idempotent."""
    spec = yaml.safe_load((data_dir / "units.yaml").read_text(encoding="utf-8"))
    district_spec = dict(spec["district"])
    boundary_file = district_spec.pop("boundary_file", None)
    district = _upsert_unit(kind=UnitKind.DISTRICT, parent=None, **district_spec)
    if boundary_file:
        # Boundaries are stored in WGS-84 (GeoJSON's datum); the published outline is GCJ-02.
        published = json.loads((data_dir / boundary_file).read_text(encoding="utf-8"))
        district.boundary = geo.transform_geojson(published, crs=district_spec.pop("boundary_crs", geo.GCJ02))
        district.save(update_fields=["boundary"])
    count = 1
    _upsert_unit(kind=UnitKind.CENTRE, parent=district, sort_order=1, **spec["centre"])
    count += 1
    with (data_dir / spec["streets_file"]).open(encoding="utf-8") as fh:
        for i, row in enumerate(csv.DictReader(fh)):
            kind = UnitKind.TOWN if row["type"] == "镇" else UnitKind.STREET
            short = row["name"].removesuffix("街道") if row["name"] != "丰台街道" else row["name"]
            _upsert_unit(
                code=row["code"], name=row["name"], kind=kind, parent=district, short_name=short, sort_order=100 + i
            )
            count += 1
    for key, kind, base in (("departments", UnitKind.DEPARTMENT, 300), ("enterprises", UnitKind.ENTERPRISE, 500)):
        for i, row in enumerate(spec.get(key, [])):
            _upsert_unit(kind=kind, parent=district, sort_order=base + i, **_unit_fields(row))
            count += 1
    if spec.get("city_return"):
        _upsert_unit(kind=UnitKind.CITY_RETURN, parent=district, sort_order=900, **_unit_fields(spec["city_return"]))
        count += 1
    grids = _load_grids(path=data_dir / "grids.yaml")
    return OrgLoadResult(units=count, grids=grids)


def _unit_fields(row: dict) -> dict:
    """The Unit fields of a units.yaml row (its `source` and `note` document the name, they are not stored)."""
    return {k: v for k, v in row.items() if k not in ("source", "note")}


def _load_grids(*, path: Path) -> int:
    if not path.exists():
        return 0
    spec = yaml.safe_load(path.read_text(encoding="utf-8"))
    streets = {u.code: u for u in Unit.objects.filter(kind__in=[UnitKind.STREET, UnitKind.TOWN])}
    n = 0
    for row in spec.get("grids", []):
        Grid.objects.update_or_create(
            code=row["code"],
            defaults={"name": row["name"], "street": streets[row["street"]], "inspector": row.get("inspector", "")},
        )
        n += 1
    return n


def _unit_index() -> dict[str, Unit]:
    """Units by code, full name and short name (rules name a unit by whichever reads best)."""
    index: dict[str, Unit] = {}
    for unit in Unit.objects.all():
        for key in (unit.short_name, unit.name, unit.code):  # the code wins a clash
            if key:
                index[key] = unit
    return index


def replace_responsibility_list(*, rows: list[dict], category_codes: dict[str, str]) -> int:
    """Replace the responsibility list with `rows` (category by name path, e.g. 城乡建设/物业管理;
    lead and assisting units by code, full name or short name; 属地 = the street/town of the place).
    `category_codes` maps those paths to category codes: the taxonomy belongs to the orders, so the
    caller that loads it (jiesu.workorders.reference) passes it in and org stays below workorders."""
    units = _unit_index()
    for row in rows:
        for name in [row["lead"], *row.get("assist", [])]:
            if name != LOCAL_MARKER and name not in units:
                raise ValueError(f"权责清单引用了不存在的单位: {name}（类别 {row['category']}）")
        if row["category"] not in category_codes:
            raise ValueError(f"权责清单引用了不存在的类别: {row['category']}（请先加载类别体系）")
    ResponsibilityRule.objects.all().delete()
    for row in rows:
        code = category_codes[row["category"]]
        lead = None if row["lead"] == LOCAL_MARKER else units[row["lead"]]
        rule = ResponsibilityRule.objects.create(
            category_code=code,
            lead_unit=lead,
            basis=row.get("basis", ""),
            priority=code.count(".") * 10,
            local_assists=LOCAL_MARKER in row.get("assist", []),
        )
        assist = [units[c] for c in row.get("assist", []) if c != LOCAL_MARKER]
        if assist:
            rule.assisting_units.set(assist)
    return len(rows)


def create_user(
    *,
    username: str,
    password: str,
    role: str,
    unit: Unit | None,
    display_name: str = "",
    password_hash: str | None = None,
) -> User:
    """Create or update a user; `password_hash` (from make_password) skips re-hashing when many
    users share one demo password."""
    if role not in Role.values:
        raise ValueError(f"未知角色: {role}")
    user, created = User.objects.get_or_create(
        username=username, defaults={"role": role, "unit": unit, "display_name": display_name}
    )
    if not created:
        user.role, user.unit, user.display_name = role, unit, display_name
    user.is_staff = role == Role.ADMIN
    user.is_superuser = role == Role.ADMIN
    if password_hash:
        user.password = password_hash
    else:
        user.set_password(password)
    user.save()
    return user
