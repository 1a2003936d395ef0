"""The item's lifecycle through its services: the transition table, the lead unit's exclusive
right to report, evidence rules, milestone dates, the append-only history and the projection
the status is derived from."""

import datetime as dt

import pytest
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from jiesu.attachments.models import Attachment
from jiesu.attachments.tests import samples
from jiesu.common.errors import Conflict, Forbidden, InvalidInput, NotAllowed
from jiesu.supervision import selectors, services
from jiesu.supervision.models import ItemState, ProgressReport, Source, Status, SupervisionEvent, SupervisionItem
from jiesu.supervision.services import MilestoneSpec

pytestmark = pytest.mark.django_db
JUNE = dt.date(2026, 6, 15)


def test_create_writes_item_milestones_projection_and_first_event(make_item):
    item = make_item()
    assert item.number == f"DB2026-{item.pk:05d}" and item.state == ItemState.OPEN
    item.refresh_from_db()
    assert (item.milestones_total, item.milestones_done) == (2, 0)
    assert (item.next_milestone_due, item.next_milestone_title) == (dt.date(2026, 5, 31), "完成居民意见征询")
    event = item.events.get()
    assert (event.seq, event.action, event.to_state) == (1, "create", "open")
    assert [m["title"] for m in event.payload["milestones"]] == ["完成居民意见征询", "开工"]


def test_milestone_before_start_is_refused_in_chinese_and_nothing_is_written(make_item):
    with pytest.raises(InvalidInput) as refused:
        make_item(milestones=[MilestoneSpec(title="方案审定", due_date=dt.date(2026, 2, 1))])
    assert refused.value.code == "milestone_before_start"
    assert "早于事项开始日期（2026-03-01）" in refused.value.message
    assert not SupervisionItem.objects.exists()


def test_added_milestone_before_start_is_refused(make_item, users):
    item = make_item()
    with pytest.raises(InvalidInput) as refused:
        services.add_milestone(user=users["dispatcher"], item_id=item.pk, title="验收", due_date=dt.date(2025, 1, 1))
    assert refused.value.code == "milestone_before_start"
    assert item.milestones.count() == 2 and item.events.count() == 1


def test_only_the_lead_unit_reports_progress(make_item, users):
    item = make_item()
    for name in ("other_handler", "dept_handler"):
        with pytest.raises(Forbidden) as refused:
            services.report_progress(user=users[name], item_id=item.pk, text="我们也在推进")
        assert refused.value.status == 403 and "只有牵头单位可以执行“报送进展”" in refused.value.message
    for name in ("dispatcher", "district_leader", "auditor"):
        with pytest.raises(Forbidden):
            services.report_progress(user=users[name], item_id=item.pk, text="代报")
    assert not ProgressReport.objects.exists() and item.events.count() == 1
    services.report_progress(user=users["handler"], item_id=item.pk, text="已入户征询 120 户", value=1)
    item.refresh_from_db()
    assert item.reports_count == 1 and item.current_value == 1 and item.last_report_at is not None


def test_completing_a_milestone_needs_evidence(make_item, users, _attachments_in_tmp):
    item = make_item()
    first = item.milestones.get(seq=1)
    with pytest.raises(InvalidInput) as refused:
        services.report_progress(
            user=users["handler"], item_id=item.pk, text="征询完成", milestone_id=first.pk, completes_milestone=True
        )
    assert refused.value.code == "evidence_required" and "佐证材料" in refused.value.message
    assert not ProgressReport.objects.exists()
    services.report_progress(
        user=users["handler"],
        item_id=item.pk,
        text="征询完成，同意率 92%",
        milestone_id=first.pk,
        completes_milestone=True,
        files=[("征询结果.pdf", samples.pdf(pages=2)), ("公示照片.jpg", samples.photo())],
    )
    item.refresh_from_db()
    assert (item.milestones_done, item.next_milestone_title) == (1, "开工")
    event = item.events.order_by("-seq").first()
    assert event.action == "report_progress" and [e["name"] for e in event.payload["evidence"]] == [
        "征询结果.pdf",
        "公示照片.jpg",
    ]
    assert Attachment.objects.filter(purpose="evidence").count() == 2


def test_a_bad_evidence_file_refuses_the_whole_report(make_item, users, _attachments_in_tmp):
    item = make_item()
    with pytest.raises(InvalidInput) as refused:
        services.report_progress(
            user=users["handler"],
            item_id=item.pk,
            text="进展",
            files=[("好的.jpg", samples.photo()), ("照片.jpg", samples.executable())],
        )
    assert "佐证材料“照片.jpg”" in refused.value.message and "可执行程序" in refused.value.message
    assert not ProgressReport.objects.exists() and not Attachment.objects.exists()
    assert not any(_attachments_in_tmp.rglob("*.*"))


def test_every_report_needs_evidence_for_inspection_items(make_item, users):
    item = make_item(source=Source.INSPECTION, title="巡视反馈问题整改")
    assert item.evidence == "every"  # data/supervision/rules.yaml
    with pytest.raises(InvalidInput) as refused:
        services.report_progress(user=users["handler"], item_id=item.pk, text="已整改一半")
    assert refused.value.code == "evidence_required" and refused.value.message.startswith("每次报送")


def test_completion_needs_every_milestone_then_review(make_item, users):
    item = make_item(milestones=[MilestoneSpec(title="开工", due_date=dt.date(2026, 8, 31))])
    with pytest.raises(NotAllowed) as refused:
        services.report_completion(
            user=users["handler"], item_id=item.pk, text="完成", files=[("a.jpg", samples.photo())]
        )
    assert refused.value.code == "guard_failed" and "未完成的节点" in refused.value.message
    milestone = item.milestones.get()
    services.report_progress(
        user=users["handler"],
        item_id=item.pk,
        text="已开工",
        milestone_id=milestone.pk,
        completes_milestone=True,
        files=[("开工.jpg", samples.photo())],
    )
    with pytest.raises(InvalidInput):  # completion needs evidence too
        services.report_completion(user=users["handler"], item_id=item.pk, text="4部电梯投入使用", value=4)
    services.report_completion(
        user=users["handler"], item_id=item.pk, text="4部电梯投入使用", value=4, files=[("验收.pdf", samples.pdf())]
    )
    item.refresh_from_db()
    assert item.state == ItemState.COMPLETED and item.completed_at is not None
    with pytest.raises(Forbidden):
        services.close_item(user=users["handler"], item_id=item.pk)
    services.return_completion(user=users["district_leader"], item_id=item.pk, reason="验收材料不全")
    assert SupervisionItem.objects.get(pk=item.pk).state == ItemState.OPEN
    services.report_completion(
        user=users["handler"], item_id=item.pk, text="补充验收报告", files=[("验收报告.pdf", samples.pdf())]
    )
    services.close_item(user=users["district_leader"], item_id=item.pk, reason="同意销号")
    item.refresh_from_db()
    assert item.state == ItemState.CLOSED and selectors.status_of(item, today=JUNE) == Status.CLOSED
    actions = list(item.events.order_by("seq").values_list("action", flat=True))
    assert actions == [
        "create",
        "report_progress",
        "report_completion",
        "return_completion",
        "report_completion",
        "close",
    ]
    assert list(item.events.order_by("seq").values_list("seq", flat=True)) == list(range(1, 7))


def test_state_refusals_are_409(make_item, users):
    item = make_item()
    with pytest.raises(NotAllowed) as refused:
        services.close_item(user=users["dispatcher"], item_id=item.pk)
    assert refused.value.status == 409 and "督办事项当前状态为“在办”" in refused.value.message


def test_stale_version_is_a_conflict(make_item, users, monkeypatch):
    item = make_item()
    original = SupervisionItem.objects.filter

    def racing_filter(*args, **kwargs):  # someone else wrote between our read and our write
        if "version" in kwargs:
            kwargs["version"] = -1
        return original(*args, **kwargs)

    monkeypatch.setattr(SupervisionItem.objects, "filter", racing_filter)
    with pytest.raises(Conflict):
        services.supervise(user=users["district_leader"], item_id=item.pk, reason="请加快进度")
    monkeypatch.undo()
    assert item.events.count() == 1


def test_history_and_reports_are_append_only(make_item, users):
    item = make_item()
    services.report_progress(user=users["handler"], item_id=item.pk, text="进展")
    event, report = item.events.last(), ProgressReport.objects.get()
    for row in (event, report):
        with pytest.raises(TypeError):
            row.save()
        with pytest.raises(TypeError):
            row.delete()
    with pytest.raises(TypeError):
        SupervisionEvent.objects.all().delete()
    with pytest.raises(TypeError):
        ProgressReport.objects.update(text="改写")


def test_database_refuses_history_updates_on_postgresql(make_item, users):
    if connection.vendor != "postgresql":
        pytest.skip("the trigger exists on PostgreSQL only")
    item = make_item()
    services.report_progress(user=users["handler"], item_id=item.pk, text="进展")
    for table in ("supervision_supervisionevent", "supervision_progressreport"):
        with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(f"UPDATE {table} SET at = at WHERE item_id = %s", [item.pk])


def test_deleted_evidence_never_breaks_the_history(make_item, users, django_capture_on_commit_callbacks):
    item = make_item()
    services.report_progress(user=users["handler"], item_id=item.pk, text="进展", files=[("现场.jpg", samples.photo())])
    attachment = Attachment.objects.get()
    with pytest.raises(Forbidden):
        services.delete_evidence(user=users["other_handler"], item_id=item.pk, attachment_id=attachment.pk, reason="x")
    with django_capture_on_commit_callbacks(execute=True):
        services.delete_evidence(user=users["handler"], item_id=item.pk, attachment_id=attachment.pk, reason="照片拍错")
    detail = selectors.item_detail(user=users["district_leader"], item_id=item.pk)
    (report,) = detail.reports
    assert report.evidence[0].is_deleted and "照片拍错" in report.evidence[0].label
    history = [(e.action, e.summary) for e in detail.history]
    assert ("report_progress", "报送进展（佐证：现场.jpg）") in history
    assert history[-1][0] == "delete_evidence" and "现场.jpg" in history[-1][1]


def test_status_is_derived_from_milestones_reports_and_state(make_item, users):
    item = make_item()
    before, after_first = dt.date(2026, 4, 1), dt.date(2026, 6, 1)
    assert selectors.status_of(item, today=before) == Status.NOT_STARTED
    assert selectors.status_of(item, today=after_first) == Status.LAGGING
    services.report_progress(user=users["handler"], item_id=item.pk, text="在征询")
    item.refresh_from_db()
    assert selectors.status_of(item, today=before) == Status.IN_PROGRESS
    assert selectors.status_of(item, today=after_first) == Status.LAGGING  # a report does not cure a late milestone
    for status in Status.values:  # the SQL filter agrees with the Python rule
        found = selectors.filter_items(SupervisionItem.objects.all(), status=status, today=after_first)
        assert list(found) == ([item] if status == Status.LAGGING else [])


def test_issue_order_creates_and_dispatches_a_proactive_order(make_item, users, units, reference):
    from jiesu.workorders.models import Category, Channel, State, WorkOrder

    category = Category.objects.filter(level=2).first()
    item = make_item(
        source=Source.PROACTIVE, title="方庄地区夜间施工噪音", category=category, street=units["110106013"]
    )
    other = make_item()
    with pytest.raises(NotAllowed):
        services.issue_order(user=users["dispatcher"], item_id=other.pk, lead_unit=units["110106013"], content="x")
    item, order_id = services.issue_order(
        user=users["dispatcher"], item_id=item.pk, lead_unit=units["110106013"], content="请核查芳古园工地夜间施工"
    )
    order = WorkOrder.objects.get(pk=order_id)
    assert (order.channel, order.state, order.lead_unit_id) == (
        Channel.PROACTIVE,
        State.DISPATCHED,
        units["110106013"].pk,
    )
    assert order.category == category and order.handling_due is not None
    assert order.events.get(action="create").payload["supervision_item"] == item.pk
    assert item.events.order_by("-seq").first().payload["order"] == order_id
    # the lead unit's leader may issue too: the platform acts on their behalf
    from jiesu.org.services import create_user

    lead = create_user(username="fz_lead2", password="pw-test-123", role="unit_leader", unit=units["110106013"])
    _, second = services.issue_order(user=lead, item_id=item.pk, lead_unit=units["110106013"], content="再查一次")
    created = WorkOrder.objects.get(pk=second).events.get(action="create")
    assert created.actor_id is None and created.payload["issued_by"] == lead.pk
    with pytest.raises(Forbidden):
        services.issue_order(user=users["handler"], item_id=item.pk, lead_unit=units["110106013"], content="x")


def test_timezone_naive_times_are_refused(make_item, users):
    item = make_item()
    with pytest.raises(InvalidInput):
        services.supervise(user=users["dispatcher"], item_id=item.pk, reason="x", at=dt.datetime(2026, 1, 1))
    assert timezone.is_aware(item.created_at)


def test_rollups_completion_and_on_time_rates(make_item, users):
    item = make_item()  # milestones due 2026-05-31 and 2026-08-31
    first, second = item.milestones.order_by("seq")
    late = timezone.make_aware(dt.datetime(2026, 6, 10, 10))
    early = timezone.make_aware(dt.datetime(2026, 8, 31, 23))  # the deadline day itself counts as on time
    for milestone, when in ((first, late), (second, early)):
        services.report_progress(
            user=users["handler"],
            item_id=item.pk,
            text="完成",
            milestone_id=milestone.pk,
            completes_milestone=True,
            files=[("a.pdf", samples.pdf())],
            at=when,
        )
    make_item(title="另一项", milestones=[])
    (row,) = selectors.rollups(items=SupervisionItem.objects.all(), by="unit", day=dt.date(2026, 9, 1))
    assert (row.label, row.total, row.completed, row.lagging) == ("方庄街道", 2, 0, 0)
    assert (row.milestones_due, row.milestones_on_time, row.on_time_rate) == (2, 1, 0.5)
    assert row.completion_rate == 0
