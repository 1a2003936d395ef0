"""Loading the supervision data files of data/supervision/: the 目标责任书's 42 tasks (seed 003),
the district's 向群众报告工作 figures (seed 001), and the demo (民生项目池, leader patches, one
主动治理 item — all marked 演示数据). Everything goes through the services, as the platform
(user=None), with the times the files give; loading twice adds nothing."""

import datetime as dt
import io
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

import yaml
from django.db import transaction
from django.utils import timezone
from PIL import Image, ImageDraw

from jiesu.org.models import Role, Unit, User
from jiesu.supervision import meetings, proactive, services
from jiesu.supervision.models import Area, LeaderPatch, ReportMeeting, Source, SupervisionItem
from jiesu.supervision.services import MilestoneSpec
from jiesu.workorders.models import Category


@dataclass
class Loaded:
    tasks: int = 0
    projects: int = 0
    meetings: int = 0
    patches: int = 0
    proactive: int = 0
    skipped: list[str] = field(default_factory=list)


def _read(path: Path) -> dict:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def _date(value) -> dt.date | None:
    if value in (None, ""):
        return None
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value))


def load_target_book(path: Path) -> int:
    """The 42 tasks: the described ones with the page's words and dates, the rest by number."""
    doc = _read(path)
    year, signed = int(doc["year"]), _date(doc["signed_on"])
    areas = {}
    for order, row in enumerate(doc["areas"], start=1):
        areas[row["code"]], _ = Area.objects.update_or_create(
            code=row["code"],
            defaults={
                "name": row["name"],
                "source": Source.TARGET_RESPONSIBILITY,
                "year": year,
                "sort_order": order,
                "source_ref": doc["source_ref"],
            },
        )
    when = timezone.make_aware(dt.datetime.combine(signed, dt.time(10)))
    rows = list(doc["tasks"])
    spare = doc.get("undescribed") or {}
    for n in range(int(spare.get("first", 0)), int(spare.get("last", -1)) + 1):
        rows.append({"number": f"ZRS{year}-{n:02d}", "title": spare["title"].format(n=n), "undescribed": True})
    created = 0
    for row in rows:
        if SupervisionItem.objects.filter(number=row["number"]).exists():
            continue
        target = row.get("target") or {}
        specs = [
            MilestoneSpec(title=m["title"], due_date=_date(m["due"]), due_text=m.get("due_text", ""))
            for m in row.get("milestones", [])
        ]
        last = max(specs, key=lambda s: s.due_date) if specs else None
        services.create_item(
            user=None,
            source=Source.TARGET_RESPONSIBILITY,
            number=row["number"],
            title=row["title"],
            description=row.get("description", ""),
            area=areas.get(row.get("area")),
            year=year,
            target_value=target.get("value"),
            target_unit=target.get("unit", ""),
            target_text=target.get("text", ""),
            start_date=signed,
            due_date=last.due_date if last else None,
            due_text=last.due_text if last else "",
            milestones=specs,
            is_public=not row.get("undescribed", False),
            source_ref=doc["source_ref"],
            at=when,
        )
        created += 1
    return created


def _evidence(label: str) -> tuple[str, bytes]:
    """A generated picture standing in for a demo photo (marked 演示 in its name)."""
    image = Image.new("RGB", (480, 320), (226, 233, 240))
    draw = ImageDraw.Draw(image)
    draw.rectangle((16, 16, 464, 304), outline=(37, 99, 166), width=4)
    draw.text((40, 140), f"DEMO EVIDENCE  {label}", fill=(37, 99, 166))
    out = io.BytesIO()
    image.save(out, "PNG")
    return f"演示佐证-{label}.png", out.getvalue()


def _play(item: SupervisionItem, progress: list, *, today: dt.date, complete: bool, close: bool) -> None:
    milestones = {m.seq: m for m in item.milestones.all()}
    # The street's own demo handler (h_<code>, created by load_demo) reports, when there is one.
    reporter = User.objects.filter(unit=item.lead_unit, role=Role.HANDLER, is_active=True).order_by("pk").first()
    last_at = None
    for step in progress:
        offset, text = step[0], step[1]
        done = step[2] if len(step) > 2 else None
        at = _at(today, offset)
        last_at = at
        services.report_progress(
            user=reporter,
            item_id=item.pk,
            text=text,
            milestone_id=milestones[done].pk if done else None,
            completes_milestone=bool(done),
            files=[_evidence(f"{item.number}-{done}")] if done else [],
            at=at,
            is_demo=True,
        )
    if complete:
        at = (last_at or _at(today, -1)) + dt.timedelta(hours=2)
        services.report_completion(
            user=reporter, item_id=item.pk, text="项目完成，报请销号", files=[_evidence(f"{item.number}-done")], at=at
        )
        if close:
            services.close_item(
                user=None, item_id=item.pk, reason="经核查同意销号（演示）", at=at + dt.timedelta(days=1)
            )


def _at(today: dt.date, offset: int) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(today + dt.timedelta(days=int(offset)), dt.time(10)))


def load_livelihood_demo(path: Path, *, today: dt.date) -> int:
    doc = _read(path)
    area, _ = Area.objects.update_or_create(
        code=doc["area"]["code"],
        defaults={"name": doc["area"]["name"], "source": Source.LIVELIHOOD_PROJECT, "source_ref": doc["source_ref"]},
    )
    created = 0
    for n, row in enumerate(doc["projects"], start=1):
        number = f"MSXM-DEMO-{n:02d}"
        if SupervisionItem.objects.filter(number=number).exists():
            continue
        street = Unit.objects.get(code=row["street"])
        start = today + dt.timedelta(days=row["start"])
        with transaction.atomic():
            item = services.create_item(
                user=None,
                source=Source.LIVELIHOOD_PROJECT,
                number=number,
                title=row["title"],
                description=f"{row['title']}（演示数据）",
                area=area,
                lead_unit=street,
                street=street,
                target_value=Decimal(str(row["target"][0])),
                target_unit=row["target"][1],
                start_date=start,
                due_date=today + dt.timedelta(days=row["due"]),
                milestones=[
                    MilestoneSpec(title=t, due_date=today + dt.timedelta(days=d)) for t, d in row.get("milestones", [])
                ],
                is_public=True,
                is_demo=True,
                source_ref=doc["source_ref"],
                at=_at(start, 0),
            )
            _play(
                item,
                row.get("progress", []),
                today=today,
                complete=row.get("complete", False),
                close=row.get("close", False),
            )
        created += 1
    return created


def load_meetings(path: Path) -> int:
    created = 0
    for row in _read(path)["meetings"]:
        if ReportMeeting.objects.filter(title=row["title"]).exists():
            continue
        reported = row.get("reported") or {}
        meetings.create_meeting(
            user=None,
            title=row["title"],
            held_on=_date(row.get("held_on")),
            street=Unit.objects.get(code=row["street"]) if row.get("street") else None,
            attendance=row.get("attendance"),
            form=row.get("form", ""),
            reported=(reported.get("asked"), reported.get("collected"), reported.get("solved")),
            source_ref=row.get("source_ref", ""),
        )
        created += 1
    return created


def load_demo_extras(path: Path, *, today: dt.date, loaded: Loaded) -> None:
    doc = _read(path)
    for row in doc.get("leader_patches", []):
        leader = User.objects.filter(username=row["leader"]).first()
        if leader is None:
            loaded.skipped.append(f"区领导包片：没有账号 {row['leader']}（先运行 load_demo）")
            continue
        for code in row["streets"]:
            street = Unit.objects.get(code=code)
            _, made = LeaderPatch.objects.get_or_create(
                leader=leader,
                street=street,
                defaults={"since": today.replace(month=1, day=1), "note": row.get("note", ""), "is_demo": True},
            )
            loaded.patches += made
    for row in doc.get("proactive", []):
        if SupervisionItem.objects.filter(source=Source.PROACTIVE, title=row["title"]).exists():
            continue
        category = Category.objects.filter(name__contains=row["category_name"]).order_by("level", "code").first()
        if category is None:
            loaded.skipped.append(f"主动治理演示：找不到类别“{row['category_name']}”（先运行 load_reference）")
            continue
        street = Unit.objects.get(code=row["street"])
        start = today + dt.timedelta(days=row["start"])
        with transaction.atomic():
            item = proactive.create_proactive(
                user=None,
                title=row["title"],
                category=category,
                street=street,
                lead_unit=Unit.objects.get(code=row["lead_unit"]),
                start_date=start,
                due_date=today + dt.timedelta(days=row["due"]),
                milestones=[
                    MilestoneSpec(title=t, due_date=today + dt.timedelta(days=d)) for t, d in row["milestones"]
                ],
                description=f"{row['title']}（演示数据）",
                is_public=True,
                is_demo=True,
                at=_at(start, 0),
            )
            SupervisionItem.objects.filter(pk=item.pk).update(is_demo=True)
            _play(item, row.get("progress", []), today=today, complete=False, close=False)
        loaded.proactive += 1


def load_all(*, data_dir: Path, today: dt.date | None = None) -> Loaded:
    today = today or timezone.localdate()
    loaded = Loaded()
    loaded.tasks = load_target_book(data_dir / "target_responsibility_2024.yaml")
    loaded.meetings = load_meetings(data_dir / "report_meetings.yaml")
    loaded.projects = load_livelihood_demo(data_dir / "livelihood_projects_demo.yaml", today=today)
    load_demo_extras(data_dir / "demo_extras.yaml", today=today, loaded=loaded)
    return loaded
