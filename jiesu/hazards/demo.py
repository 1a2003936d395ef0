"""企安安 demo (演示数据): a few hundred generated enterprises placed inside the district (each in
its street's derived area, so in a grid when the demo grids are loaded), inspected over the last
two months with the checklists in force; some hazards rectified and closed, some overdue."""

from __future__ import annotations

import datetime as dt
import random
from pathlib import Path

import yaml
from django.conf import settings
from django.utils import timezone
from shapely.geometry import Point

from jiesu.hazards import services
from jiesu.hazards.models import Checklist, Hazard, HazardState
from jiesu.org.models import LOCAL_KINDS, Unit

SPEC = "data/hazards/demo.yaml"


def _point_in(area, rng: random.Random) -> Point:
    minx, miny, maxx, maxy = area.bounds
    while True:
        p = Point(rng.uniform(minx, maxx), rng.uniform(miny, maxy))
        if area.contains(p):
            return p


def load_hazard_demo(*, now: dt.datetime | None = None) -> dict:
    from jiesu.grids.demo import street_areas

    now = now or timezone.now()
    spec = yaml.safe_load((Path(settings.BASE_DIR) / SPEC).read_text(encoding="utf-8"))
    grid_spec = yaml.safe_load((Path(settings.BASE_DIR) / "data/grids/demo.yaml").read_text(encoding="utf-8"))
    rng = random.Random(spec.get("seed", 17))
    services.load_checklists()
    units = {u.code: u for u in Unit.objects.filter(kind__in=LOCAL_KINDS)}
    areas = {code: a for code, a in street_areas(grid_spec).items() if code in units}
    codes = sorted(areas)
    parts = spec["name_parts"]
    checklists = list(Checklist.objects.all())
    made = inspected = hazards = 0
    for n in range(int(spec["count"])):
        industry = rng.choice(spec["industries"])
        street = rng.choice(codes)
        point = _point_in(areas[street], rng)
        name = f"{rng.choice(parts['prefixes'])}{rng.choice(parts['kinds'][industry])}（演示{n + 1:03d}）"
        enterprise = services.register_enterprise(
            name=name,
            credit_code=f"DEMO{n + 1:014d}",
            industry=industry,
            street=units[street],
            address=f"{units[street].name}演示地址{n + 1}号",
            lat=point.y,
            lng=point.x,
            is_demo=True,
        )
        made += 1
        if rng.random() > float(spec["inspections_share"]) or enterprise.inspections.exists():
            continue
        when = now - dt.timedelta(days=rng.randint(1, 60), hours=rng.randint(0, 8))
        for checklist in checklists:
            if checklist.industries and industry not in checklist.industries:
                continue
            results = [
                services.ItemResult(
                    item=item["code"],
                    passed=rng.random() > float(spec["fail_rate"]),
                    note="演示：现场发现该项不符合要求",
                )
                for item in checklist.items
            ]
            inspection = services.inspect(
                user=None, enterprise_id=enterprise.pk, checklist=checklist.code, results=results, at=when
            )
            inspected += 1
            for hazard in [f.hazard for f in inspection.findings.filter(passed=False).select_related("hazard")]:
                hazards += 1
                fate = rng.random()
                later = when + dt.timedelta(days=rng.randint(2, 12))
                if fate < 0.55 and later < now:
                    services.report_rectified(user=None, hazard_id=hazard.pk, note="演示：企业已整改", at=later)
                    services.reinspect(
                        user=None,
                        hazard_id=hazard.pk,
                        passed=True,
                        note="演示：复查合格",
                        at=later + dt.timedelta(days=1),
                    )
                elif fate < 0.7 and later < now:
                    services.report_rectified(user=None, hazard_id=hazard.pk, note="演示：企业称已整改", at=later)
    open_ = Hazard.objects.filter(enterprise__is_demo=True, state__in=[HazardState.OPEN, HazardState.AWAITING]).count()
    return {"enterprises": made, "inspections": inspected, "hazards": hazards, "open": open_}
