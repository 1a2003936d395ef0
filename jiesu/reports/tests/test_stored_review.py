"""The review page reads a stored review (jiesu.reports.stored): a second request builds nothing,
and every kind of change to what the review is built from shows on the next request."""

import datetime as dt
import re

import pytest
import time_machine
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from jiesu.assessment.rules import TZ
from jiesu.assessment.tests.flows import with_minimum_sample
from jiesu.indicators.services import import_rows, load_catalogue_file
from jiesu.indicators.validation import RawRow
from jiesu.insights.models import MonthlyTopic
from jiesu.reports import stored
from jiesu.reports.tests.conftest import handled, oct_day
from jiesu.supervision import services as supervision
from jiesu.supervision.models import Source
from jiesu.workorders import services

pytestmark = pytest.mark.django_db

OCTOBER = reverse("reports:review", args=["2026-10"])


@pytest.fixture
def builds(monkeypatch):
    """Counts the reviews actually built for the page."""
    calls = []
    real = stored.build_review

    def counting(**kwargs):
        calls.append(kwargs)
        return real(**kwargs)

    monkeypatch.setattr(stored, "build_review", counting)
    return calls


@pytest.fixture
def leader(client, users):
    client.force_login(users["district_leader"])
    return client


def page(client, url=OCTOBER) -> str:
    response = client.get(url)
    assert response.status_code == 200
    return response.content.decode()


def body(html: str) -> str:
    return html[html.index('<article class="review">') : html.index("</article>")]


def received(html: str) -> int:
    return int(re.search(r"全区纳入考评的诉求(\d+)件", html)[1])


def test_second_request_reads_the_stored_review(leader, month_of_orders, builds, django_assert_max_num_queries):
    first = page(leader)
    assert len(builds) == 1
    with django_assert_max_num_queries(12):  # session, user, fingerprint, packs: no review built
        second = page(leader)
    assert len(builds) == 1
    assert body(second) == body(first) and "2026年10月接诉即办工作点评" in body(second)
    # Another rule version is another review.
    page(leader, f"{OCTOBER}?rule={month_of_orders.version}")
    assert len(builds) == 2


def test_a_new_order_and_a_callback_show_at_once(leader, units, month_of_orders, builds):
    before = page(leader)
    handled(units["110106013"], when=oct_day(20))
    after = page(leader)
    assert received(after) == received(before) + 1
    callbacks = int(re.search(r"有效回访(\d+)件", after)[1])
    # An order handled up to its reply; its callback is one more event.
    order, _ = services.create_order(
        user=None, content="路灯不亮，夜间出行不便，请尽快维修", title="路灯", at=oct_day(21)
    )
    start = oct_day(21) + dt.timedelta(minutes=10)
    services.dispatch(user=None, order_id=order.pk, lead_unit=units["110106013"], at=start)
    services.acknowledge(user=None, order_id=order.pk, at=start + dt.timedelta(minutes=5))
    services.respond(user=None, order_id=order.pk, at=start + dt.timedelta(hours=1))
    services.resolve(user=None, order_id=order.pk, reply="已修复", at=start + dt.timedelta(hours=2))
    assert int(re.search(r"有效回访(\d+)件", page(leader))[1]) == callbacks
    services.callback(user=None, order_id=order.pk, solved=True, satisfaction=5, at=start + dt.timedelta(hours=30))
    assert int(re.search(r"有效回访(\d+)件", page(leader))[1]) == callbacks + 1
    assert len(builds) == 4


def test_a_rule_change_shows(leader, month_of_orders):
    assert "本月各街镇有效回访均不足30件，不作排名点评" in page(leader)
    with_minimum_sample(month_of_orders, 1)
    after = page(leader)
    assert "街镇综合得分排名前列的是方庄街道" in after and "均不足30件" not in after


def test_a_topic_change_shows(leader, units, month_of_orders, django_capture_on_commit_callbacks):
    topic = MonthlyTopic.objects.get(month=dt.date(2026, 10, 1), rank=1, basis="absolute")
    assert f"由{topic.lead_label}牵头研究解决" in page(leader) and topic.lead_unit_id != units["110106-D01"].pk
    # Edited in place (the admin): no new row, no event — the save moves the review's counter.
    with django_capture_on_commit_callbacks(execute=True):
        topic.lead_unit = units["110106-D01"]
        topic.save()
    assert f"由{units['110106-D01'].name}牵头研究解决" in page(leader)
    # A unit renamed in place shows too.
    with django_capture_on_commit_callbacks(execute=True):
        unit = units["110106-D01"]
        unit.name = "区住建委（更名）"
        unit.save()
    assert "由区住建委（更名）牵头研究解决" in page(leader)


def test_an_indicator_import_shows(leader, units, month_of_orders):
    load_catalogue_file(path=settings.BASE_DIR / "data" / "indicators" / "catalogue-fengtai-2024.yaml")
    assert "全市17个参评区中排名第3" not in page(leader)
    row = RawRow(number=1, indicator="city_jiesu_rank", unit="110106", month="2026-10", value=3, source="市政务服务局")
    outcome = import_rows(rows=[row], origin="import", source="市政务服务局")
    assert outcome.batch.created == 1
    assert "全市17个参评区中排名第3（2026年10月），来源：市政务服务局" in page(leader)
    # Replacing the value (an in-place update of the same row) shows as well.
    row = RawRow(number=1, indicator="city_jiesu_rank", unit="110106", month="2026-10", value=2, source="市政务服务局")
    assert import_rows(rows=[row], origin="import", source="市政务服务局", replace=True).batch.replaced == 1
    assert "全市17个参评区中排名第2（2026年10月）" in page(leader)


def test_a_supervision_change_shows(leader, reference):
    from django.core.management import call_command

    call_command("load_assessment_rules", verbosity=0)
    today = timezone.localdate()
    url = reverse("reports:review", args=[f"{today:%Y-%m}"])
    assert "督办事项共" not in page(leader, url)
    item = supervision.create_item(
        user=None,
        source=Source.TARGET_RESPONSIBILITY,
        title="完成老旧小区改造",
        start_date=today - dt.timedelta(days=30),
        due_date=today + dt.timedelta(days=60),
        milestones=[supervision.MilestoneSpec(title="完成设计", due_date=today + dt.timedelta(days=10))],
    )
    html = page(leader, url)
    assert "督办事项共1项" in html and "滞后0项" in html
    milestone = item.milestones.get()
    supervision.reschedule_milestone(
        user=None, item_id=item.pk, milestone_id=milestone.pk, due_date=today - dt.timedelta(days=1), reason="提前"
    )
    assert "滞后1项" in page(leader, url)


def test_the_next_day_builds_again(leader, month_of_orders, builds):
    # Four minutes apart (well within the TTL), across midnight: overdue counts and the
    # supervision section are as of today.
    with time_machine.travel(dt.datetime(2026, 12, 1, 23, 58, tzinfo=TZ), tick=False):
        page(leader)
        page(leader)
    assert len(builds) == 1
    with time_machine.travel(dt.datetime(2026, 12, 2, 0, 2, tzinfo=TZ), tick=False):
        page(leader)
    assert len(builds) == 2


def test_the_pack_builds_fresh_and_keeps_it_for_the_page(leader, units, month_of_orders, media, builds):
    before = received(page(leader))
    assert len(builds) == 1
    handled(units["110106013"], when=oct_day(22))
    response = leader.post(reverse("reports:generate"), {"month": "2026-10"})
    assert response.status_code == 302
    assert len(builds) == 2  # the pack built its own review, with the new order
    html = page(leader, response["Location"])
    assert len(builds) == 2  # …which the page then reads
    assert received(html) == before + 1


def test_with_the_cache_away_the_page_is_built(leader, month_of_orders, builds, monkeypatch):
    class Away:
        def get(self, *args, **kwargs):
            raise ConnectionError("Redis away")

        set = get

    monkeypatch.setattr(stored, "cache", Away())
    assert "2026年10月接诉即办工作点评" in body(page(leader))
    assert "2026年10月接诉即办工作点评" in body(page(leader))
    assert len(builds) == 2
