"""Reads of the organisation."""

from django.db import models
from django.db.models import QuerySet

from jiesu.org.models import LOCAL_KINDS, Unit, UnitKind


def local_units() -> QuerySet[Unit]:
    """The 26 streets and towns (属地), in official order."""
    return Unit.objects.filter(kind__in=LOCAL_KINDS, is_active=True)


def departments() -> QuerySet[Unit]:
    return Unit.objects.filter(kind=UnitKind.DEPARTMENT, is_active=True)


def handling_units() -> QuerySet[Unit]:
    """Units that can be given orders to handle."""
    return Unit.objects.filter(kind__in=[*LOCAL_KINDS, UnitKind.DEPARTMENT, UnitKind.ENTERPRISE], is_active=True)


def responsible_units(*, category_code: str | None, street: Unit | None) -> tuple[Unit | None, list[Unit], str]:
    """Apply the responsibility list: the most specific rule whose category code is a prefix of
    `category_code` (a street-specific rule beats a general one at the same depth).
    Returns (lead unit, assisting units, basis); the lead is the order's street when the rule
    says 属地, and (street, [], "属地管理") when no rule matches."""
    from jiesu.org.models import ResponsibilityRule

    if category_code:
        prefixes = [
            category_code[:i]
            for i in range(len(category_code), 0, -1)
            if i == len(category_code) or category_code[i] == "."
        ]
        rules = list(
            ResponsibilityRule.objects.filter(is_active=True, category_code__in=prefixes)
            .filter(models.Q(street__isnull=True) | models.Q(street=street))
            .select_related("lead_unit")
            .prefetch_related("assisting_units")
        )
        rules.sort(key=lambda r: (len(r.category_code), r.street_id is not None, r.priority), reverse=True)
        if rules:
            rule = rules[0]
            lead = rule.lead_unit or street
            assisting = list(rule.assisting_units.all())
            if rule.local_assists and street is not None:
                assisting.append(street)
            assisting = [u for u in assisting if lead is None or u.pk != lead.pk]
            return lead, assisting, rule.basis or "权责清单"
    return street, [], "属地管理"


def search_property_projects(*, query: str, limit: int = 20):
    """Property projects whose name, company or street contains the words typed (all of them,
    separated by spaces), for the intake form's type-ahead."""
    from jiesu.org.models import PropertyProject

    found = PropertyProject.objects.select_related("company", "street")
    # A chosen option's own label (名称 · 物业企业 · 街镇) must find that option again.
    for word in (query or "").replace("·", " ").split()[:4]:
        found = found.filter(
            models.Q(name__icontains=word)
            | models.Q(company__name__icontains=word)
            | models.Q(street__name__icontains=word)
        )
    return list(found.order_by("name", "company__name")[:limit])


def property_project_label(project) -> str:
    """How the type-ahead shows a project: 名称 · 物业企业 · 街镇."""
    return f"{project.name} · {project.company.name} · {project.street.name}"


def find_property_project(*, label: str, company: str = ""):
    """The one project a label (名称 · 物业企业 · 街镇, as the type-ahead shows it) or a bare name
    (with the company's name when several companies have a project of that name) stands for;
    None when there is none or several."""
    from jiesu.org.models import PropertyProject

    parts = [p.strip() for p in (label or "").split("·")]
    name, company = parts[0], (parts[1] if len(parts) > 1 else company).strip()
    if not name:
        return None
    found = PropertyProject.objects.filter(name=name)
    if company:
        found = found.filter(company__name=company)
    if len(parts) > 2 and parts[2]:
        found = found.filter(street__name=parts[2])
    hits = list(found.select_related("company")[:2])
    return hits[0] if len(hits) == 1 else None
