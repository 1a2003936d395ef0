"""The data files load: all 42 tasks of seed 003 with the page's areas, dates and targets (the
rest empty), each with a status and a next step; the 21 demo projects; the meeting's figures."""

import datetime as dt

import pytest
from django.conf import settings

from jiesu.supervision import meetings, selectors
from jiesu.supervision.demo import load_all
from jiesu.supervision.models import ReportMeeting, Source, Status, SupervisionItem

pytestmark = pytest.mark.django_db
DATA = settings.BASE_DIR / "data" / "supervision"


@pytest.fixture
def loaded(reference):
    return load_all(data_dir=DATA, today=dt.date(2026, 11, 30))


def test_all_42_tasks_load_with_areas_dates_and_targets(loaded):
    assert loaded.tasks == 42
    tasks = SupervisionItem.objects.filter(source=Source.TARGET_RESPONSIBILITY)
    assert tasks.count() == 42 and tasks.values("area").distinct().count() == 9  # 8 named areas + none
    kindergarten = tasks.get(number="ZRS2024-17")
    assert (kindergarten.target_value, kindergarten.target_unit) == (50, "%")
    assert kindergarten.due_date == dt.date(2024, 12, 31) and kindergarten.due_text == "年底"
    museum = tasks.get(number="ZRS2024-01")
    assert [m.due_date for m in museum.milestones.order_by("due_date")] == [
        dt.date(2024, 6, 30),
        dt.date(2024, 12, 31),
        dt.date(2025, 8, 31),
    ]
    assert all(t.start_date == dt.date(2024, 2, 17) for t in tasks)
    blank = tasks.get(number="ZRS2024-35")
    assert blank.area is None and blank.target_value is None and blank.due_date is None and not blank.is_public
    assert not tasks.exclude(lead_unit=None).exists()  # the page names no lead unit: none invented


def test_each_task_shows_status_and_next_milestone(loaded):
    day = dt.date(2024, 5, 1)
    for task in SupervisionItem.objects.filter(source=Source.TARGET_RESPONSIBILITY):
        status = selectors.status_of(task, today=day)
        due, title = selectors.next_step(task)
        assert status in Status.values
        if task.milestones.exists():
            first = task.milestones.order_by("due_date").first()
            assert (due, title) == (first.due_date, first.title)
    conference = SupervisionItem.objects.get(number="ZRS2024-03")  # 4月底前
    assert selectors.status_of(conference, today=day) == Status.LAGGING
    assert selectors.status_of(conference, today=dt.date(2024, 4, 30)) == Status.NOT_STARTED


def test_demo_projects_meeting_and_idempotence(loaded):
    projects = SupervisionItem.objects.filter(source=Source.LIVELIHOOD_PROJECT)
    assert projects.count() == 21 and not projects.filter(is_demo=False).exists()
    statuses = {selectors.status_of(p, today=dt.date(2026, 11, 30)) for p in projects}
    assert statuses == {s for s in Status.values}  # the demo shows every status
    ranking = selectors.livelihood_ranking(day=dt.date(2026, 11, 30))
    assert len(ranking) == 21 and ranking[0].completed == 1 and ranking[-1].completed == 0
    (row,) = meetings.meeting_figures(meetings=ReportMeeting.objects.all())
    assert (row.asked, row.collected, row.solved, row.itemised) == (191, 1216, 725, False)
    again = load_all(data_dir=DATA, today=dt.date(2026, 11, 30))
    assert (again.tasks, again.projects, again.meetings) == (0, 0, 0)
    assert SupervisionItem.objects.count() == 42 + 21 + 1
