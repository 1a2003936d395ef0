"""Loading the versioned reference data the orders use: category taxonomy and deadline rules."""

import csv
from pathlib import Path

import yaml
from django.db import transaction

from jiesu.workorders import deadlines
from jiesu.workorders.models import Category, DeadlineRule


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
    return Category.objects.count()


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
