"""吹哨报到's 报到率 / 到场率 are indicators of the catalogue version 2026 (data/indicators/
catalogue-fengtai-2026.yaml, in force from January 2026): computed by the platform from the month's
whistle calls and shown on the departments' scorecard with their n (calls); the months before keep
the 2024 version, without them.

October 2026: an order of 方庄街道 whistles 区住建委 and 区城管委; 住建委 reports in and takes part in
the joint handling (100 %, 100 %), 城管委 does neither (0 %, 0 %)."""

import datetime as dt
from pathlib import Path

import pytest
import time_machine
from django.conf import settings
from django.test import Client
from django.urls import reverse

from jiesu.assessment.services import load_rule_file
from jiesu.indicators import selectors
from jiesu.indicators.models import IndicatorValue
from jiesu.indicators.services import load_catalogue_file, refresh_platform_values
from jiesu.workorders import services
from jiesu.workorders.models import State
from jiesu.workorders.tests.factories import order_in_state

pytestmark = pytest.mark.django_db

OCT = dt.date(2026, 10, 1)
ZHUJIANWEI, CHENGGUANWEI, FANGZHUANG = "110106-D01", "110106-D02", "110106013"
CODES = {"whistle_report_rate", "whistle_attendance_rate"}


@pytest.fixture
def catalogues(units):
    folder = Path(settings.BASE_DIR) / "data" / "indicators"
    return {p.stem: load_catalogue_file(path=p) for p in sorted(folder.glob("catalogue-*.yaml"))}


@pytest.fixture
def whistled(catalogues, users, units):
    load_rule_file(path=Path(settings.BASE_DIR) / "data" / "assessment" / "rules-huairou-2021.yaml")
    with time_machine.travel(dt.datetime(2026, 10, 12, 9, tzinfo=dt.UTC), tick=False):
        order = order_in_state(State.IN_PROGRESS, users=users, units=units)
        called = [units[ZHUJIANWEI], units[CHENGGUANWEI]]
        services.whistle(user=users["handler"], order_id=order.pk, units=called, reason="需住建委、城管委到场")
        services.report_in(user=users["dept_handler"], order_id=order.pk, note="两人到场")
    with time_machine.travel(dt.datetime(2026, 10, 12, 11, tzinfo=dt.UTC), tick=False):
        services.joint_handling(
            user=users["handler"],
            order_id=order.pk,
            participants=[units[FANGZHUANG], units[ZHUJIANWEI]],
            held_at=dt.datetime(2026, 10, 12, 10, 30, tzinfo=dt.UTC),
            place="芳城园一区",
            result="渣土已清运",
        )
    refresh_platform_values(month=OCT)
    return order


def test_the_2026_version_lists_the_whistle_indicators_from_january(catalogues):
    assert CODES <= {s.code for s in selectors.catalogue_for(OCT).indicators}
    assert selectors.catalogue_for(OCT).version == "fengtai-2026"
    before = selectors.catalogue_for(dt.date(2025, 12, 1))
    assert before.version == "fengtai-2024" and not CODES & {s.code for s in before.indicators}
    # Everything the 2024 version has, the 2026 version keeps (codes are stable across versions).
    assert {s.code for s in before.indicators} <= {s.code for s in selectors.catalogue_for(OCT).indicators}


def test_the_platform_computes_them_and_the_scorecard_ranks_them(whistled, units, users):
    def stored(code, unit):
        return IndicatorValue.objects.get(indicator=code, unit=units[unit], month=OCT)

    assert stored("whistle_report_rate", ZHUJIANWEI).value == 100.0
    assert stored("whistle_attendance_rate", ZHUJIANWEI).value == 100.0
    assert stored("whistle_report_rate", CHENGGUANWEI).value == 0.0
    assert stored("whistle_report_rate", CHENGGUANWEI).detail == {"called": 1, "reported": 0, "attended": 0}

    board = selectors.board(month=OCT, kind="department")
    lines = {(c.unit.code, ln.spec.code): ln.place for c in board.cards for ln in c.lines if ln.spec.code in CODES}
    assert lines[(ZHUJIANWEI, "whistle_report_rate")].rank == 1
    assert lines[(CHENGGUANWEI, "whistle_report_rate")].rank == 2
    assert lines[(CHENGGUANWEI, "whistle_attendance_rate")].value == 0.0

    client = Client()
    client.force_login(users["district_leader"])
    html = client.get(reverse("indicators:board", args=["2026-10"]), {"kind": "department"}).content.decode()
    assert 'title="吹哨报到报到率（区接诉即办指挥部）">报到率</th>' in html
    assert 'title="吹哨报到到场率（区接诉即办指挥部）">到场率</th>' in html
    assert "吹哨报到报到率：100.00%（n=1），第1位（共2个）" in html
    assert "吹哨报到到场率：0.00%（n=1），第2位（共2个）" in html
    unit_page = client.get(reverse("indicators:unit", args=["2026-10", ZHUJIANWEI])).content.decode()
    assert (
        "吹哨报到报到率" in unit_page
        and "办理（吹哨报到）"
        in client.get(reverse("indicators:board", args=["2026-10"]), {"kind": "department"}).content.decode()
    )
