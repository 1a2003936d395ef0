"""Loading the versioned reference data the orders use: category taxonomy and deadline rules."""

import csv
from dataclasses import dataclass
from pathlib import Path

import yaml
from django.db import transaction

from jiesu.org.services import replace_responsibility_list
from jiesu.workorders import deadlines
from jiesu.workorders.models import Category, CategoryScheme, DeadlineRule


@transaction.atomic
def load_taxonomy(*, path: Path) -> int:
    """Load the three-level label system (一级,二级,三级 per row). Codes follow file order:
    01, 01.02, 01.02.03 — stable as long as the versioned file only grows at the end."""
    level_codes: dict[str, str] = {}
    counters: dict[str, int] = {}
    created = 0
    with path.open(encoding="utf-8") as fh:
        rows = list(csv.reader(fh))
    for row in rows[1:]:
        names = [n.strip() for n in row if n.strip()]
        parent = None
        for depth in range(len(names)):
            cat_path = "/".join(names[: depth + 1])
            if cat_path not in level_codes:
                parent_code = parent.code if parent else ""
                counters[parent_code] = counters.get(parent_code, 0) + 1
                code = f"{parent_code}.{counters[parent_code]:02d}" if parent_code else f"{counters[parent_code]:02d}"
                level_codes[cat_path] = code
            code = level_codes[cat_path]
            parent, made = Category.objects.update_or_create(
                code=code, defaults={"name": names[depth], "path": cat_path, "parent": parent, "level": depth + 1}
            )
            created += made
    return Category.objects.filter(scheme=CategoryScheme.TIPDM).count()


@transaction.atomic
def load_deadline_rules(*, path: Path) -> int:
    spec = yaml.safe_load(path.read_text(encoding="utf-8"))
    for urgency, row in spec["rules"].items():
        DeadlineRule.objects.update_or_create(
            version=str(spec["version"]),
            urgency=urgency,
            defaults={
                "effective_from": spec["effective_from"],
                "response_amount": row["response"][0],
                "response_unit": row["response"][1],
                "handling_amount": row["handling"][0],
                "handling_unit": row["handling"][1],
            },
        )
    deadlines.invalidate()
    return len(spec["rules"])


# ---------------------------------------------------------------- the Beijing 12345-style category tree

TREE_INHERITED = ("lead", "assist", "basis", "qiyou", "wuxing", "tipdm")
TREE_KEYS = {*TREE_INHERITED, "name", "keywords", "children"}


def initials(name: str) -> str:
    """Pinyin initials of a Chinese name (物业服务 → wyfw), for the intake search."""
    from pypinyin import Style, lazy_pinyin

    return "".join(p[:1] for p in lazy_pinyin(name, style=Style.FIRST_LETTER, errors="ignore")).lower()


@dataclass(frozen=True)
class TreeLoad:
    categories: int
    leaves: int
    rules: list[dict]  # responsibility rules the tree carries, for load_responsibility_list
    version: str


def read_category_tree(*, path: Path) -> tuple[str, int, list[dict]]:
    """The tree file as flat nodes (path, name, level, code, effective inherited values, explicit rule
    fields, keywords), parents before children. Bad structure raises ValueError in Chinese."""
    spec = yaml.safe_load(path.read_text(encoding="utf-8"))
    nodes: list[dict] = []

    def walk(items, parent: dict | None, code_base: int) -> None:
        for i, item in enumerate(items or []):
            unknown = set(item) - TREE_KEYS
            if unknown or not item.get("name"):
                raise ValueError(f"类别树节点 {item.get('name', '?')} 含未知字段或缺名称：{'、'.join(sorted(unknown))}")
            number = code_base + i
            code = f"{parent['code']}.{number:02d}" if parent else f"{number:02d}"
            cat_path = f"{parent['path']}/{item['name']}" if parent else item["name"]
            effective = {k: (parent or {}).get("effective", {}).get(k) for k in TREE_INHERITED}
            effective.update({k: item[k] for k in TREE_INHERITED if k in item})
            node = {
                "code": code,
                "path": cat_path,
                "name": item["name"],
                "level": (parent["level"] + 1) if parent else 1,
                "parent": parent["code"] if parent else None,
                "effective": effective,
                "own_rule": "lead" in item or "assist" in item,
                "keywords": [str(k) for k in item.get("keywords", [])],
                "leaf": not item.get("children"),
            }
            nodes.append(node)
            walk(item.get("children"), node, 1)

    walk(spec["tree"], None, int(spec.get("first_code", 21)))
    return str(spec.get("version", "")), len(nodes), nodes


@transaction.atomic
def load_category_tree(*, path: Path, legacy_map: Path | None = None) -> TreeLoad:
    """Create or update the Beijing-style categories (codes stable as long as the file only grows at
    the end of each parent), their pinyin initials, keywords, 七有/五性 and TipDM label; point the old
    TipDM nodes at their new category (`maps_to`) from `legacy_map`. Returns the rules to load."""
    version, _, nodes = read_category_tree(path=path)
    by_code: dict[str, Category] = {}
    for node in nodes:
        eff = node["effective"]
        by_code[node["code"]], _ = Category.objects.update_or_create(
            code=node["code"],
            defaults={
                "name": node["name"],
                "path": node["path"],
                "parent": by_code.get(node["parent"]),
                "level": node["level"],
                "scheme": CategoryScheme.BEIJING,
                "keywords": " ".join(node["keywords"]),
                "initials": initials(node["name"]),
                "qiyou": eff.get("qiyou") or "",
                "wuxing": eff.get("wuxing") or "",
                "tipdm_label": eff.get("tipdm") or "",
            },
        )
    rules = _rules_of(nodes)
    if legacy_map is not None and legacy_map.exists():
        map_legacy_categories(path=legacy_map)
    return TreeLoad(categories=len(nodes), leaves=sum(n["leaf"] for n in nodes), rules=rules, version=version)


def _rules_of(nodes: list[dict]) -> list[dict]:
    """One 权责清单 rule per node that names its lead or assisting units (and every first level)."""
    rules = []
    for node in nodes:
        eff = node["effective"]
        if node["own_rule"] or node["level"] == 1:
            if not eff.get("lead"):
                raise ValueError(f"类别 {node['path']} 没有主办单位（lead）")
            rules.append(
                {
                    "category": node["path"],
                    "lead": eff["lead"],
                    "assist": list(eff.get("assist") or []),
                    "basis": eff.get("basis") or "",
                }
            )
    return rules


def tree_rules(*, path: Path) -> list[dict]:
    """The 权责清单 rules the category tree carries (shape of data/org/responsibility.yaml rules)."""
    return _rules_of(read_category_tree(path=path)[2])


def map_legacy_categories(*, path: Path) -> int:
    """`maps_to` for every TipDM node: the most specific mapped prefix of its path (file: old path → new
    path). Unknown paths in the file are errors, so a renamed category cannot map silently to nothing."""
    spec = yaml.safe_load(path.read_text(encoding="utf-8"))
    new = {c.path: c for c in Category.objects.filter(scheme=CategoryScheme.BEIJING)}
    old = list(Category.objects.filter(scheme=CategoryScheme.TIPDM))
    old_paths = {c.path for c in old}
    mapping = spec["map"]
    for src, dst in mapping.items():
        if src not in old_paths:
            raise ValueError(f"旧类别对照表中的旧类别不存在：{src}")
        if dst not in new:
            raise ValueError(f"旧类别对照表中的新类别不存在：{dst}")
    changed = 0
    for cat in old:
        parts = cat.path.split("/")
        target = next(
            (mapping["/".join(parts[:i])] for i in range(len(parts), 0, -1) if "/".join(parts[:i]) in mapping), None
        )
        target_cat = new.get(target) if target else None
        if cat.maps_to_id != (target_cat.pk if target_cat else None):
            cat.maps_to = target_cat
            cat.save(update_fields=["maps_to"])
            changed += 1
    return changed


def remap_legacy_orders(*, dry_run: bool = False) -> dict[str, int]:
    """Move orders that still carry an old TipDM category to its `maps_to` category, one recategorize
    event each (category_by "migration", the old path in the reason), so history shows the change."""
    from jiesu.workorders import services, state_machine
    from jiesu.workorders.models import WorkOrder

    allowed = set(state_machine.get("recategorize").sources)
    orders = WorkOrder.objects.filter(category__scheme=CategoryScheme.TIPDM).select_related("category__maps_to")
    counts = {"legacy": 0, "remapped": 0, "kept": 0, "unmapped": 0}
    for order in orders.iterator():
        counts["legacy"] += 1
        target = order.category.maps_to
        if target is None:
            counts["unmapped"] += 1
        elif order.state not in allowed:
            counts["kept"] += 1
        else:
            counts["remapped"] += 1
            if not dry_run:
                services.recategorize(
                    user=None,
                    order_id=order.pk,
                    category=target,
                    by="migration",
                    reason=f"类别体系迁移：{order.category.path} → {target.path}",
                )
    return counts


@transaction.atomic
def load_responsibility_list(*, path: Path) -> int:
    """Replace the responsibility list (权责清单) with the file's rules and the rules of the category
    tree it names (`category_tree`: each node's lead, assisting units and basis)."""
    spec = yaml.safe_load(path.read_text(encoding="utf-8"))
    rows = list(spec["rules"])
    if spec.get("category_tree"):
        rows += tree_rules(path=(path.parent / spec["category_tree"]).resolve())
    codes = dict(Category.objects.values_list("path", "code"))
    return replace_responsibility_list(rows=rows, category_codes=codes)
