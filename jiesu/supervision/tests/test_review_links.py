"""The monthly review reads the 督办 engine: a leader's 点评 becomes a 督办事项 (source 领导批示) that
the unit reports on, and the scorecard's 民生项目池完成率 comes from the projects' completions."""

import datetime as dt
from pathlib import Path

import pytest
import time_machine
from django.conf import settings

from jiesu.common.errors import Forbidden, InvalidInput
from jiesu.indicators import providers, selectors
from jiesu.indicators.catalogue import IndicatorSpec
from jiesu.indicators.services import load_catalogue_file, record_comment, report_follow_up
from jiesu.supervision import services
from jiesu.supervision.models import ItemState, Source, SupervisionItem

TZ = dt.timezone(dt.timedelta(hours=8))
FANGZHUANG, YOUANMEN = "110106013", "110106001"
OCT = dt.date(2026, 10, 1)


@pytest.fixture
def meeting(units):
    load_catalogue_file(path=Path(settings.BASE_DIR) / "data/indicators/catalogue-fengtai-2024.yaml")
    with time_machine.travel(dt.datetime(2026, 11, 6, 10, tzinfo=TZ), tick=False):
        yield


def test_a_comment_is_followed_up_as_a_supervision_item(users, units, meeting):
    comment = record_comment(
        month=OCT,
        unit=units[FANGZHUANG],
        user=users["district_leader"],
        text="垃圾分类方面仍存不足",
        requirement="加大垃圾分类执法检查",
        speaker="区委书记",
    )
    assert comment.follow_up_backend == "supervision"
    item = SupervisionItem.objects.get(pk=int(comment.follow_up_ref))
    assert (item.source, item.lead_unit_id, item.due_date, item.title) == (
        Source.LEADER_INSTRUCTION,
        units[FANGZHUANG].pk,
        comment.due,
        "加大垃圾分类执法检查",
    )
    assert item.origin_kind == "review_comment" and item.source_ref == f"点评意见#{comment.pk}"
    # Another street may not report on it; the commented street's handler may, and closes it.
    with pytest.raises(Forbidden):
        report_follow_up(comment_id=comment.pk, text="已整改", done=True, user=users["other_handler"])
    report_follow_up(comment_id=comment.pk, text="已开展专项执法检查12次", done=True, user=users["handler"])
    item.refresh_from_db()
    assert item.state == ItemState.COMPLETED
    view = selectors.comments(month=OCT)[0]
    assert (view.status, view.last_note, view.backend) == ("done", "已开展专项执法检查12次", "supervision")
    with pytest.raises(InvalidInput):
        report_follow_up(comment_id=comment.pk, text="再报一次", done=False, user=users["handler"])


def test_a_district_leader_reports_on_the_units_behalf_and_the_history_says_so(users, units, meeting):
    comment = record_comment(
        month=OCT, unit=units[FANGZHUANG], user=users["district_leader"], text="仍存不足", requirement="整改"
    )
    report_follow_up(comment_id=comment.pk, text="经现场核查已推进", done=False, user=users["district_leader"])
    item = SupervisionItem.objects.get(pk=int(comment.follow_up_ref))
    report = item.reports.get()
    assert report.reported_by is None and "代报" in report.text and item.state == ItemState.OPEN


def test_project_pool_completion_is_computed_as_of_the_months_end(users, units, make_item):
    provider = providers.registered()["project_pool_completion"]
    spec = IndicatorSpec.__new__(IndicatorSpec)
    with time_machine.travel(dt.datetime(2026, 9, 2, 10, tzinfo=TZ), tick=False):
        items = [make_item(title=f"民生项目{i}", milestones=[]) for i in range(3)]
        make_item(title="右安门项目", lead_unit=units[YOUANMEN], milestones=[])
    with time_machine.travel(dt.datetime(2026, 10, 20, 10, tzinfo=TZ), tick=False):
        services.report_progress(
            user=users["handler"], item_id=items[0].pk, text="已完工", completes_item=True, files=[_pdf()]
        )
    sept = provider(month=dt.date(2026, 9, 1), kind="street", spec=spec)
    octo = provider(month=dt.date(2026, 10, 1), kind="street", spec=spec)
    assert sept[units[FANGZHUANG].pk].value == 0.0
    assert octo[units[FANGZHUANG].pk].value == pytest.approx(33.3)
    assert octo[units[FANGZHUANG].pk].detail == {"total": 3, "completed": 1}
    assert octo[units[YOUANMEN].pk].value == 0.0
    assert provider(month=dt.date(2026, 10, 1), kind="department", spec=spec) == {}


def _pdf():
    from django.core.files.uploadedfile import SimpleUploadedFile

    from jiesu.attachments.tests import samples

    return SimpleUploadedFile("完工验收.pdf", samples.pdf(), "application/pdf")
