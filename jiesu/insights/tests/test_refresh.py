"""The stored findings: refresh_hotspots keeps a hotspot's key across refreshes, records each alert
once, ends hotspots that are gone; the seasonal refresh finds a problem that comes back at one
street every July; the forecast refresh stores intervals; the proposals carry a stable ref."""

import datetime as dt

import pytest

from jiesu.insights import proposals, selectors
from jiesu.insights.models import AlertKind, Hotspot, HotspotAlert, HotspotStatus, RecurringProblem, VolumeProfile
from jiesu.insights.services import refresh_forecasts, refresh_hotspots, refresh_seasonal
from jiesu.insights.tests.test_hotspots import LAMPS, MIXER, OTHERS
from jiesu.insights.topic import TZ
from jiesu.org.models import Unit
from jiesu.workorders import services
from jiesu.workorders.models import Category

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 5, 20, 12, tzinfo=TZ)


def category(path="城乡建设/城市建设和市政管理"):
    parent = Category.objects.get(path=path)
    return parent.children.order_by("code").first() or parent


def street(code="110106013"):
    return Unit.objects.get(code=code)


def order(title, content, when, *, phone, cat=None, where=None, address=""):
    o, _ = services.create_order(
        user=None,
        title=title,
        content=content,
        at=when,
        requester_phone=phone,
        category=cat or category(),
        street=where or street(),
        address=address,
    )
    return o


def background(when):
    for i, (title, content) in enumerate(OTHERS):
        order(title, content, when - dt.timedelta(hours=i), phone=f"1390000{i:04d}", cat=category("环境保护/环境污染"))


def test_hotspot_keeps_its_key_alerts_once_and_ends_when_gone():
    background(NOW - dt.timedelta(days=25))
    first = [
        order(t, c, NOW - dt.timedelta(days=20 - i), phone=f"1380000{i:04d}", address="青禾家园小区")
        for i, (t, c) in enumerate(MIXER[:3])
    ]
    run = refresh_hotspots(now=NOW - dt.timedelta(days=16))
    assert run.orders >= 3 + len(OTHERS) and run.findings >= 1
    spot = next(s for s in Hotspot.objects.all() if first[0].pk in s.member_ids)
    assert spot.key == f"HS{first[0].pk}" and spot.place == "青禾家园小区"
    assert spot.street.code == "110106013" and spot.category is not None
    assert spot.lead_unit_id is not None and spot.lead_basis
    assert [a.kind for a in spot.alerts.all()] == [AlertKind.NEW]

    refresh_hotspots(now=NOW - dt.timedelta(days=16))  # the timer fires twice: nothing new
    assert HotspotAlert.objects.filter(hotspot=spot).count() == 1

    # the problem grows: five more callers this week, none the week before → kept key, growth alert
    more = MIXER + MIXER[:3]
    for i, (t, c) in enumerate(more[3:8]):
        order(t, c, NOW - dt.timedelta(days=3, hours=i), phone=f"1370000{i:04d}", address="青禾家园小区")
    refresh_hotspots(now=NOW)
    refresh_hotspots(now=NOW)
    spot.refresh_from_db()
    assert spot.status == HotspotStatus.ACTIVE and spot.size == 8 and spot.recent == 5
    assert spot.peak_heat >= spot.heat
    assert sorted(spot.alerts.values_list("kind", flat=True)) == [AlertKind.GROWN, AlertKind.NEW]
    assert spot.alerts.get(kind=AlertKind.GROWN).period == "2026-W21"
    assert [s.key for s in selectors.active_hotspots()][0] == spot.key

    # a month later none of its orders is in the window: the hotspot has ended
    refresh_hotspots(now=NOW + dt.timedelta(days=45))
    spot.refresh_from_db()
    assert spot.status == HotspotStatus.ENDED


def test_proposals_from_hotspots_carry_ref_place_lead_evidence_and_link():
    background(NOW - dt.timedelta(days=2))
    fourth = ("柳荫路路灯一直不亮", "柳荫路路灯不亮好几天了，晚上很黑。")
    for i, (t, c) in enumerate([*LAMPS, fourth]):
        order(t, c, NOW - dt.timedelta(days=1, hours=i), phone=f"1360000{i:04d}")
    refresh_hotspots(now=NOW)
    found = proposals.proactive_proposals(sources=("hotspot",))
    assert found, "an active hotspot is proposed"
    p = found[0]
    spot = Hotspot.objects.get(key=p.ref.split(":", 1)[1])
    assert p.ref == f"hotspot:{spot.key}" and p.source == "hotspot"
    assert p.title == spot.title and "柳荫路" in p.place
    assert p.street_name == "方庄街道" and p.category_path
    assert p.lead_unit_id == spot.lead_unit_id and p.lead_unit_name
    assert p.evidence["size"] == 4 and p.evidence["callers"] == 4
    assert p.url.endswith(f"/hotspots/{spot.key}/")
    assert proposals.proposal(p.ref) == p
    assert proposals.proposal("hotspot:HS-none") is None and proposals.proposal("nonsense") is None
    assert p.as_dict()["source_label"] == "热点"


def test_seasonal_refresh_finds_a_problem_that_comes_back_every_july():
    cat, where = category(), street("110106001")
    other = category("环境保护/环境污染")
    n = 0
    for year in (2023, 2024, 2025):
        for month in range(1, 13):
            count = 9 if month == 7 else 2
            for k in range(count):
                n += 1
                order(
                    "路面积水",
                    "下雨后路面积水严重",
                    dt.datetime(year, month, 3 + k, 10, tzinfo=TZ),
                    phone=f"135{n:08d}",
                    cat=cat,
                    where=where,
                )
            order("噪音", "夜间噪音", dt.datetime(year, month, 20, 10, tzinfo=TZ), phone=f"134{n:08d}", cat=other)
    run = refresh_seasonal(now=dt.datetime(2026, 1, 10, tzinfo=TZ))
    problems = list(RecurringProblem.objects.all())
    assert [(p.street.code, p.month) for p in problems] == [("110106001", 7)]
    july = problems[0]
    assert [y["year"] for y in july.years] == [2023, 2024, 2025] and july.ratio >= 4
    assert "汛期" in july.season
    profile = VolumeProfile.objects.get(scope="category", key=cat.code[:2])
    assert profile.index[6] == max(profile.index) and profile.last_month == dt.date(2025, 12, 1)
    assert profile.year_ago == 2 and profile.last_volume == 2 and profile.yoy == 0
    assert run.findings >= 2
    cal = selectors.calendar(today=dt.date(2026, 5, 10))
    assert [c["month"] for c in cal] == [dt.date(2026, 6, 1), dt.date(2026, 7, 1), dt.date(2026, 8, 1)]
    assert any(p.pk == july.pk for p in cal[1]["recurring"])
    assert any(s.name == "汛期" for s in cal[1]["seasons"])
    recurring = proposals.proactive_proposals(sources=("recurring",), today=dt.date(2026, 5, 10))
    assert [p.ref for p in recurring] == [f"recurring:{july.key}"]
    assert recurring[0].due_hint == "2026-07-01"


def test_forecast_refresh_stores_intervals_and_backtest_figures():
    cat = category()
    n = 0
    for month in range(1, 25):
        year, m = 2024 + (month - 1) // 12, (month - 1) % 12 + 1
        for k in range(10 + (month % 3)):
            n += 1
            order("井盖破损", "井盖破损", dt.datetime(year, m, 1 + k, 9, tzinfo=TZ), phone=f"133{n:08d}", cat=cat)
    run = refresh_forecasts(now=dt.datetime(2026, 1, 5, tzinfo=TZ))
    assert run.findings > 0
    district = next(f for f in selectors.forecast_series(freq="M") if f.scope == "district")
    period, mean, lo, hi = district.forecast[0]
    assert period == "2026-01-01" and lo <= mean <= hi and lo >= 0
    assert district.history[-1][0] == "2025-12-01"
    assert district.mase is not None and district.baseline_mase is not None
    weekly = next(f for f in selectors.forecast_series(freq="W") if f.scope == "district")
    assert len(weekly.forecast) == 4


def test_refresh_insights_command_runs_every_job_and_rejects_a_bad_time(capsys):
    from django.core.management import CommandError, call_command

    call_command("refresh_insights", now="latest")
    assert "没有工单" in capsys.readouterr().out
    order("路灯不亮", "路灯坏了", NOW - dt.timedelta(days=1), phone="13200000001")
    call_command("refresh_insights", now="latest")
    out = capsys.readouterr().out
    assert "hotspots:" in out and "seasonal:" in out and "forecasts:" in out
    with pytest.raises(CommandError, match="无法识别"):
        call_command("refresh_insights", now="明天")
