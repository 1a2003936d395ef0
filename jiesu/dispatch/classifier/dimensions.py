"""七有 / 五性 dimensions of the old TipDM categories, from the documented table data/taxonomy/qiyou_wuxing.yaml
(the Beijing 12345-style tree names them per node in data/taxonomy/beijing12345.yaml).

A node's dimension is its own entry or else its parent's (level 1 → 2 → 3); "" means "no 七有
dimension". `apply_dimensions` writes them onto Category.qiyou / Category.wuxing."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import yaml
from django.conf import settings
from django.db import transaction

from jiesu.common.errors import InvalidInput

KEYS = ("qiyou", "wuxing")


def default_path() -> Path:
    return Path(settings.BASE_DIR) / "data" / "taxonomy" / "qiyou_wuxing.yaml"


@dataclass(frozen=True)
class DimensionTable:
    version: str
    allowed: dict[str, frozenset[str]]
    entries: dict[str, dict[str, str]]  # category path ("城乡建设/住房保障与房地产") → explicit values

    def lookup(self, path: str) -> dict[str, str]:
        """Effective {qiyou, wuxing} of a category path: the nearest ancestor (or itself) that says."""
        parts = path.split("/")
        out = {key: "" for key in KEYS}
        for depth in range(1, len(parts) + 1):
            out.update(self.entries.get("/".join(parts[:depth]), {}))
        return out


def _walk(node: dict, prefix: str, entries: dict, allowed: dict) -> None:
    for name, spec in (node or {}).items():
        path = f"{prefix}/{name}" if prefix else str(name)
        spec = spec or {}
        unknown = set(spec) - {*KEYS, "children"}
        if unknown:
            raise InvalidInput(
                f"七有/五性对照表中 {path} 含未知字段：{'、'.join(sorted(unknown))}", code="taxonomy_table"
            )
        values = {}
        for key in KEYS:
            if key in spec:
                value = spec[key] or ""
                if value and value not in allowed[key]:
                    raise InvalidInput(
                        f"七有/五性对照表中 {path} 的 {key} 值“{value}”不在维度列表中", code="taxonomy_table"
                    )
                values[key] = value
        if not prefix and set(values) != set(KEYS):
            raise InvalidInput(f"七有/五性对照表中一级类别 {path} 必须同时写明 qiyou 与 wuxing", code="taxonomy_table")
        entries[path] = values
        _walk(spec.get("children"), path, entries, allowed)


def load_table(path: Path | None = None) -> DimensionTable:
    path = path or default_path()
    try:
        spec = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise InvalidInput(f"无法读取七有/五性对照表 {path}：{exc}", code="taxonomy_table") from exc
    allowed = {key: frozenset(spec["dimensions"][key]) for key in KEYS}
    entries: dict[str, dict[str, str]] = {}
    _walk(spec.get("mapping"), "", entries, allowed)
    return DimensionTable(version=str(spec.get("version", "")), allowed=allowed, entries=entries)


@transaction.atomic
def apply_dimensions(*, table: DimensionTable | None = None) -> dict[str, int]:
    """Fill Category.qiyou / wuxing for every category. Every table entry must name a real category and
    every level-1 category must be in the table, so a renamed category cannot silently lose its dimension."""
    from jiesu.workorders.models import Category, CategoryScheme

    table = table or load_table()
    # the old TipDM scheme only: the Beijing-style tree carries its dimensions in its own file
    categories = list(Category.objects.filter(scheme=CategoryScheme.TIPDM))
    paths = {c.path for c in categories}
    unknown = sorted(set(table.entries) - paths)
    if unknown:
        raise InvalidInput(
            f"七有/五性对照表中有类别体系里不存在的类别：{'、'.join(unknown[:10])}", code="taxonomy_table"
        )
    uncovered = sorted(c.path for c in categories if c.level == 1 and c.path not in table.entries)
    if uncovered:
        raise InvalidInput(f"以下一级类别没有七有/五性对应：{'、'.join(uncovered)}", code="taxonomy_table")
    changed = 0
    for category in categories:
        values = table.lookup(category.path)
        if (category.qiyou, category.wuxing) != (values["qiyou"], values["wuxing"]):
            category.qiyou, category.wuxing = values["qiyou"], values["wuxing"]
            category.save(update_fields=["qiyou", "wuxing"])
            changed += 1
    return {"categories": len(categories), "changed": changed, "with_qiyou": sum(1 for c in categories if c.qiyou)}
