"""The recent demo (演示数据): 24 months of a Fengtai-shaped district ending today, written through
the bulk writer (jiesu.workorders.bulk) so the event log, the monthly facts and every figure derived
from them are what the services would have produced.

- Texts are real: the Haikou 12345 orders (hotline wording, their category mapped to the
  Beijing-style tree by data/taxonomy/haikou_to_beijing.yaml) and the TipDM letters (web/app
  wording, data/taxonomy/tipdm_to_beijing.yaml); the other city's district names are dropped.
- Places are Fengtai's: the official community list (data/org/fengtai_communities_official.csv) and
  the gazetteer's communities and roads (data/dispatch/gazetteer.yaml) of each street.
- Volumes, seasons, channels and the rates of returns, extensions, 督办, 提级, 吹哨, 重办 and bad
  callbacks are data (data/demo/recent.yaml); the lead unit comes from the responsibility list.
- Every order is marked: external_ref "demo:…" and `"origin": "演示数据"` in its create event.
An order's steps stop at `now`: recent orders are still open at the stage their age allows.
Seeded: the same files and the same `now` day give the same demo."""

import calendar as month_calendar
import csv
import datetime as dt
import random
import re
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import yaml
from django.conf import settings
from django.utils import timezone

from jiesu.common import validation
from jiesu.org.models import PropertyProject, Unit
from jiesu.org.selectors import local_units, responsible_units
from jiesu.workorders import bulk
from jiesu.workorders.bulk import HistoricalOrder, Step
from jiesu.workorders.demo import create_demo_properties
from jiesu.workorders.models import Category, Urgency
from jiesu.workorders.services import _HANDLING_KINDS as HANDLING_KINDS
from jiesu.workorders.services import UNREASONABLE_KINDS

DATA = Path(settings.BASE_DIR) / "data"
PROFILE = DATA / "demo" / "recent.yaml"
ORIGIN = "演示数据"
DEMO_REF_PREFIX = "demo:"  # every demo order's external_ref starts with it
_OTHER_CITY = re.compile(r"海南省|海口市|龙华区|美兰区|秀英区|琼山区|A市|A\d区")
_PHONE_MASK = re.compile(r"1\d{2}\*{4}\d{4}")
GENERIC_REPLY = "经现场核实，已协调相关责任方处理完毕，并向诉求人反馈。"


@dataclass(frozen=True)
class Text:
    title: str
    content: str
    path: str  # Beijing-style category path (a leaf)


@dataclass
class RecentStats:
    orders: int = 0
    events: int = 0
    by_month: dict[str, int] = field(default_factory=dict)


def _clean(text: str, *, multiline: bool = True) -> str:
    """Source text as the demo uses it: no other city's name, no control characters (the
    validation layer refuses them, rightly), phone numbers masked."""
    text = validation.without_control_chars((text or "").replace("\t", " "), multiline=multiline)
    text = _OTHER_CITY.sub("", text).strip()
    return _PHONE_MASK.sub("138****0000", text)


def _haikou_texts(path: Path, mapping: list[tuple[re.Pattern, str]]) -> list[Text]:
    texts = []
    with path.open(encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            joined = "/".join(row[f"行业分类{i}级"] for i in range(1, 5) if row[f"行业分类{i}级"])
            leaf = next((leaf for pattern, leaf in mapping if pattern.search(joined)), None)
            content = _clean(row["诉求内容_去派单指令"])
            if leaf and len(content) >= 15:
                title = _clean(re.sub(r"^市民来电(反映|咨询)[:：]\s*", "", content)[:24], multiline=False)
                texts.append(Text(title=title, content=content[:2000], path=leaf))
    return texts


def _tipdm_texts(path: Path, mapping: dict[str, str]) -> list[Text]:
    texts = []
    with path.open(encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            leaf = mapping.get(row.get("一级标签", ""))
            content = _clean(row.get("留言详情") or row.get("text") or "")
            if leaf and len(content) >= 15:
                texts.append(
                    Text(title=_clean(row["留言主题"], multiline=False)[:200], content=content[:2000], path=leaf)
                )
    return texts


def _replies(path: Path) -> list[str]:
    with path.open(encoding="utf-8") as fh:
        replies = [_clean(row["答复意见"]) for row in csv.DictReader(fh)]
    return [r[:1500] for r in replies if 20 <= len(r)]


def read_texts(*, shared: Path) -> tuple[list[Text], list[Text], list[str]]:
    """(hotline texts, letters, official replies) from shared/data."""
    haikou_map = yaml.safe_load((DATA / "taxonomy" / "haikou_to_beijing.yaml").read_text(encoding="utf-8"))["map"]
    tipdm_map = yaml.safe_load((DATA / "taxonomy" / "tipdm_to_beijing.yaml").read_text(encoding="utf-8"))["map"]
    hotline = _haikou_texts(
        shared / "haikou12345" / "orders.csv", [(re.compile(m["pattern"]), m["category"]) for m in haikou_map]
    )
    letters = _tipdm_texts(shared / "tipdm2020c" / "attachment2_raw_partial.csv", tipdm_map)
    replies = _replies(shared / "tipdm2020c" / "attachment4_replies.csv")
    return hotline, letters, replies


def places() -> dict[str, list[str]]:
    """Street code → place names (official communities first, then the gazetteer's)."""
    out: dict[str, list[str]] = defaultdict(list)
    with (DATA / "org" / "fengtai_communities_official.csv").open(encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            out[row["street_code"]].append(f"{row['name']}社区")
    gazetteer = yaml.safe_load((DATA / "dispatch" / "gazetteer.yaml").read_text(encoding="utf-8"))
    for code, entry in (gazetteer.get("streets") or {}).items():
        out[str(code)] += list(entry.get("communities") or [])
        out[str(code)] += [f"{road}{{n}}号" for road in entry.get("roads") or []]
    return out


def _months(now: dt.datetime, count: int) -> list[dt.date]:
    months = [dt.date(now.year, now.month, 1)]
    while len(months) < count:
        first = months[0]
        months.insert(0, dt.date(first.year - (first.month == 1), 12 if first.month == 1 else first.month - 1, 1))
    return months


class _Generator:
    def __init__(self, *, profile: dict, rng: random.Random, now: dt.datetime, texts, replies, categories):
        self.p, self.rng, self.now = profile, rng, now
        self.hotline, self.letters = texts
        self.replies = replies
        self.categories = categories
        self.streets = list(local_units())
        self.places = places()
        self.departments = list(Unit.objects.filter(is_active=True, kind="department").order_by("code"))
        self._routes: dict[tuple, tuple] = {}
        self.projects = list(PropertyProject.objects.select_related("street").order_by("pk"))
        self.company_quality: dict[int, dict] = {}
        rates = profile["rates"]
        self.rates = rates
        q = profile["unit_quality"]
        self.quality = {}
        self._q = (q["low"], q["high"])
        keywords = [(re.compile(k), v) for k, v in (profile.get("keyword_categories") or {}).items()]
        self.by_path = defaultdict(lambda: ([], []))
        for side, pool in ((0, self.hotline), (1, self.letters)):
            for t in pool:
                path = next((v for k, v in keywords if k.search(t.title + t.content)), t.path)
                self.by_path[path][side].append(t)
        self.paths = sorted(p for p in self.by_path if p in categories)
        base: dict[str, float] = {p: len(self.by_path[p][0]) + len(self.by_path[p][1]) for p in self.paths}
        for prefix, weight in (profile.get("category_weight") or {}).items():
            for p in self.paths:
                if p.startswith(prefix):
                    base[p] *= float(weight)
        total = sum(base.values())
        for prefix, share in (profile.get("base_share") or {}).items():
            matching = [p for p in self.paths if p.startswith(prefix)]
            have = sum(base[p] for p in matching)
            if matching and have < share * total:
                for p in matching:
                    base[p] = share * total * (base[p] / have if have else 1 / len(matching))
        self.base = base

    # ---- picks

    def unit_quality(self, unit: Unit) -> float:
        if unit.pk not in self.quality:
            low, high = self._q
            self.quality[unit.pk] = random.Random(f"quality{unit.code}").uniform(low, high)
        return self.quality[unit.pk]

    def month_weights(self, month: int) -> list[float]:
        season = self.p.get("season_by_category") or {}
        weights = []
        for path in self.paths:
            factor = 1.0
            for prefix, by_month in season.items():
                if path.startswith(prefix):
                    factor = float(by_month.get(month, 1.0))
            weights.append(self.base[path] * factor)
        return weights

    def route(self, category: Category, street: Unit) -> tuple[Unit, list[Unit], str]:
        key = (category.pk, street.pk)
        if key not in self._routes:
            self._routes[key] = responsible_units(category_code=category.code, street=street)
        return self._routes[key]

    def urgency(self, path: str) -> str:
        for prefix, urgency in (self.p.get("urgency_by_category") or {}).items():
            if path.startswith(prefix):
                return urgency
        share = self.p.get("urgency_share") or {}
        draw = self.rng.random()
        if draw < share.get("urgent", 0):
            return Urgency.URGENT
        if draw < share.get("urgent", 0) + share.get("complex", 0):
            return Urgency.COMPLEX
        return Urgency.GENERAL

    def address(self, street: Unit) -> str:
        names = self.places.get(street.code) or []
        if not names:
            return f"北京市丰台区{street.name}"
        place = self.rng.choice(names).replace("{n}", str(self.rng.randint(1, 199)))
        building = "" if place.endswith("号") else f"{self.rng.randint(1, 24)}号楼"
        return f"北京市丰台区{street.name}{place}{building}"

    def _span(self, key: str, unit: str) -> dt.timedelta:
        low, high = self.p["times"][key]
        value = self.rng.uniform(low, high)
        return dt.timedelta(**{unit: value})

    # ---- one order

    def order(self, *, n: int, received: dt.datetime, path: str, text: Text, channel: str) -> HistoricalOrder:
        rng, rates, now = self.rng, self.rates, self.now
        category = self.categories[path]
        project = None
        if self.projects and (path.startswith("住房/物业管理") or "物业" in text.title + text.content):
            project = self.projects[rng.randrange(len(self.projects))]  # a demo compound (红黑榜)
        street = project.street if project else self.streets[rng.randrange(len(self.streets))]
        lead, assisting, basis = self.route(category, street)
        if lead.kind not in HANDLING_KINDS:  # 退回市级 is an outcome, not a unit to dispatch to
            lead, assisting, basis = street, [], "属地（演示：市级事项按属地处理）"
        assisting = [u for u in assisting if u.kind in HANDLING_KINDS and u.pk != lead.pk]
        urgency = self.urgency(path)
        steps: list[Step] = []
        t = received

        def add(action: str, at: dt.datetime, reason: str = "", **params) -> bool:
            if at >= now:
                return False
            steps.append(Step(action, at, reason, params))
            return True

        item = HistoricalOrder(
            external_ref=f"{DEMO_REF_PREFIX}{received:%Y%m}:{n:06d}",
            content=text.content,
            title=text.title,
            channel=channel,
            received_at=received,
            address=f"北京市丰台区{street.name}{project.name}{rng.randint(1, 24)}号楼"
            if project
            else self.address(street),
            property_project=project,
            requester_phone="" if channel in ("grid", "proactive") else f"13{rng.randrange(10**9):09d}",
            urgency=urgency,
            category=category,
            street=street,
            source={"origin": ORIGIN},
            steps=steps,
        )
        t += self._span("dispatch_minutes", "minutes")
        decision = {"source": "manual", "basis": basis}
        if not add("dispatch", t, lead_unit=lead, assisting_units=list(assisting), decision=decision):
            return item
        if rng.random() < rates["unreasonable"]:
            kind = rng.choice(sorted(UNREASONABLE_KINDS))
            add("mark_unreasonable", t + self._span("acknowledge_minutes", "minutes"), kind=kind)
            return item
        if rng.random() < rates["return"]:
            t += self._span("acknowledge_minutes", "minutes")
            if not add("return", t, "经核实不属于本单位职责范围，建议改派"):
                return item
            other = self._other_unit(lead, street)
            t += dt.timedelta(hours=rng.uniform(1, 20))
            if not add("rule_dispute", t, "退单理由成立，改派相应责任单位", lead_unit=other):
                return item
            lead = other
        t += self._span("acknowledge_minutes", "minutes")
        if not add("acknowledge", t):
            return item
        late = rng.random() < rates["respond_late"]
        t += dt.timedelta(hours=rng.uniform(26, 60)) if late else self._span("respond_hours", "hours")
        if not add("respond", t, "已电话联系诉求人，了解具体情况"):
            return item
        resolve_at = t + self._span("resolve_days", "days")
        if rng.random() < rates["supervise"]:
            for _ in range(2 if rng.random() < 0.2 else 1):
                at = t + (resolve_at - t) * rng.uniform(0.2, 0.8)
                if at > steps[-1].at and not add("supervise", at, "请加快办理进度，按时限办结并反馈"):
                    return item
        if rng.random() < rates["escalate"]:
            at = steps[-1].at + dt.timedelta(hours=rng.uniform(1, 12))
            if not add("escalate", at, "涉及多部门、群众反映强烈，提级响应"):
                return item
        if rng.random() < rates["whistle"] and self.departments:
            dept = rng.choice([d for d in self.departments if d.pk != lead.pk] or self.departments)
            at = steps[-1].at + dt.timedelta(hours=rng.uniform(1, 24))
            if dept.pk != lead.pk and not add("whistle", at, "需相关部门协同处置，吹哨报到", units=[dept]):
                return item
        if rng.random() < rates["extension"]:
            at = steps[-1].at + dt.timedelta(hours=rng.uniform(2, 48))
            days = rng.choice([3, 5, 7, 10, 15])
            if not add("request_extension", at, "需协调多方、办理周期较长，已告知诉求人", days=days):
                return item
            at += dt.timedelta(hours=rng.uniform(1, 20))
            denied = rng.random() < rates["extension_denied"]
            action = "deny_extension" if denied else "approve_extension"
            if not add(action, at, "理由不充分，请按原时限办结" if denied else "同意延期"):
                return item
            if not denied:
                resolve_at += dt.timedelta(days=days * 0.8)
        resolve_at = max(resolve_at, steps[-1].at + dt.timedelta(minutes=30))
        for round_ in range(2):
            reply = self.rng.choice(self.replies) if self.replies else GENERIC_REPLY
            if not add("resolve", resolve_at, reply=reply):
                return item
            t = resolve_at + self._span("callback_hours", "hours")
            if rng.random() < rates["callback_unreached"]:
                if not add("callback", t, "多次拨打未接通", reached=False):
                    return item
                add("close", t + self._span("close_minutes", "minutes"))
                return item
            quality = self.company_quality.get(project.company_id) if project else None
            if quality:  # the demo companies differ (data/org/demo_property.yaml), so the list has both ends
                solved = rng.random() < quality["solved"]
                weights = quality["satisfaction"] if solved else [2, 5, 23, 35, 35]
                satisfaction = rng.choices([5, 4, 3, 2, 1], weights=weights)[0]
            else:
                solved = rng.random() < self.unit_quality(lead) * (1 - rates["not_solved"]) / 0.92
                table = self.p["satisfaction_solved" if solved else "satisfaction_unsolved"]
                satisfaction = rng.choices(list(table), weights=list(table.values()))[0]
            if not add("callback", t, solved=solved, satisfaction=int(satisfaction)):
                return item
            t += self._span("close_minutes", "minutes")
            if solved or round_ == 1 or rng.random() >= rates["reopen_when_not_solved"]:
                add("close", t)
                return item
            if not add("reopen", t, "回访诉求人表示问题未解决，退回重办"):
                return item
            resolve_at = t + self._span("resolve_days", "days")
        return item

    def _other_unit(self, lead: Unit, street: Unit) -> Unit:
        pool = [s for s in self.streets if s.pk != lead.pk] if lead.kind != "department" else self.streets
        if lead.kind != "department" and self.departments and self.rng.random() < 0.5:
            pool = self.departments
        return self.rng.choice(pool)


def _received_times(*, month: dt.date, count: int, profile: dict, rng: random.Random, now: dt.datetime):
    tz = timezone.get_current_timezone()
    days = month_calendar.monthrange(month.year, month.month)[1]
    weekday, hours = profile["weekday"], profile["hours"]
    day_weights = [weekday[dt.date(month.year, month.month, d).weekday()] for d in range(1, days + 1)]
    out = []
    for _ in range(count):
        day = rng.choices(range(1, days + 1), weights=day_weights)[0]
        hour = rng.choices(range(24), weights=hours)[0]
        at = dt.datetime(month.year, month.month, day, hour, rng.randrange(60), rng.randrange(60), tzinfo=tz)
        if at < now - dt.timedelta(minutes=2):
            out.append(at)
    return sorted(out)


def load_recent_demo(
    *,
    shared: Path,
    months: int | None = None,
    per_month: int | None = None,
    now: dt.datetime | None = None,
    seed: int = 2026,
    batch: int = 2000,
    progress=None,
) -> RecentStats:
    """Generate and write the recent demo; returns counts. `progress(month, orders)` after each month."""
    profile = yaml.safe_load(PROFILE.read_text(encoding="utf-8"))
    months = months or int(profile["months"])
    per_month = per_month if per_month is not None else int(profile["per_month"])
    now = timezone.localtime(now or timezone.now())
    rng = random.Random(f"{seed}-{now:%Y%m%d}")
    texts = read_texts(shared=shared)
    replies = texts[2]
    categories = (
        {c.path: c for c in Category.objects.filter(is_active=True)}
        if _has_active()
        else {c.path: c for c in Category.objects.all()}
    )
    company_quality = create_demo_properties()
    gen = _Generator(profile=profile, rng=rng, now=now, texts=texts[:2], replies=replies, categories=categories)
    gen.company_quality = company_quality
    channels = profile["channels"]
    stats = RecentStats()
    all_months = _months(now, months)
    for index, month in enumerate(all_months):
        # per_month is the floor of a full month: busy months and later years rise above it.
        growth = (1 + profile.get("yearly_growth", 0)) ** (index / 12)
        count = max(per_month, round(per_month * float(profile["seasonal"][month.month]) * growth))
        times = _received_times(month=month, count=count, profile=profile, rng=rng, now=now)
        weights = gen.month_weights(month.month)
        paths = rng.choices(gen.paths, weights=weights, k=len(times))
        picked = rng.choices(list(channels), weights=list(channels.values()), k=len(times))
        built = []
        for n, (received, path, channel) in enumerate(zip(times, paths, picked, strict=True)):
            hotline, letters = gen.by_path[path]
            pool = letters if channel in ("web", "app") and letters else (hotline or letters)
            item = gen.order(n=n, received=received, path=path, text=rng.choice(pool), channel=channel)
            built.append(bulk.build(item))
            if len(built) >= batch:
                stats.orders, stats.events = _write(built, stats)
                built = []
        stats.orders, stats.events = _write(built, stats)
        stats.by_month[f"{month:%Y-%m}"] = len(times)
        if progress:
            progress(month, len(times))
    return stats


def _has_active() -> bool:
    return any(f.name == "is_active" for f in Category._meta.fields)


def _write(built, stats: RecentStats) -> tuple[int, int]:
    orders, events = bulk.write_batch(built)
    return stats.orders + orders, stats.events + events
