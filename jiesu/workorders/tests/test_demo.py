"""The demo loader imports real messages with their original times and plays the loop."""

import datetime as dt

import pytest
from django.conf import settings
from django.utils import timezone

from jiesu.org.models import PropertyProject
from jiesu.workorders.demo import create_demo_users, load_demo
from jiesu.workorders.models import State, WorkOrder, WorkOrderEvent

DATA = settings.SHARED_DIR / "data" / "tipdm2020c"


@pytest.mark.django_db
def test_demo_keeps_original_times_and_plays_the_loop(reference):
    create_demo_users(spec_path=settings.BASE_DIR / "data" / "org" / "demo_users.yaml")
    now = timezone.now()
    stats = load_demo(data_dir=DATA, replied_limit=15, labelled_limit=15, live_count=30, now=now)
    assert stats.orders == WorkOrder.objects.count() == 60
    replied = WorkOrder.objects.filter(external_ref__startswith="tipdm4-")
    first = replied.order_by("received_at").first()
    assert first.received_at.year < 2021  # original 留言时间
    assert set(replied.values_list("state", flat=True)) <= {State.CLOSED, State.IN_PROGRESS}
    closed = replied.filter(state=State.CLOSED).first()
    actions = [e.action for e in closed.events.all()]
    # 办结 directly (utilities) or through 多级核查, spot-checked when sampled (state_machine.yaml).
    assert closed.reply and actions[:4] == ["create", "dispatch", "acknowledge", "respond"]
    assert actions[-2:] == ["callback", "close"]
    assert actions[4:-2] in (
        ["resolve"],
        ["submit_check", "approve_check"],
        ["submit_check", "approve_to_spot_check", "pass_spot_check"],
    )
    live = WorkOrder.objects.filter(external_ref__startswith="tipdmT-")
    assert live.filter(received_at__gte=now - dt.timedelta(days=11)).count() == live.count() == 30
    assert len(set(live.values_list("state", flat=True))) >= 3  # a living mix of states
    assert not WorkOrderEvent.objects.filter(at__gt=now).exists()
    labelled = WorkOrder.objects.filter(external_ref__startswith="tipdm2-")
    assert labelled.filter(category__isnull=False).count() == labelled.count()
    # Property messages are placed in a demo compound and linked by the address matching.
    linked = WorkOrder.objects.filter(property_project__isnull=False).select_related("property_project")
    assert PropertyProject.objects.count() == 8 and linked.exists()
    for order in linked:
        assert order.property_project.name in order.address
        assert order.street_id == order.property_project.street_id
        assert order.events.get(action="create").payload["property_project_by"] == "address_match"
    again = load_demo(data_dir=DATA, replied_limit=15, labelled_limit=15, live_count=30, now=now)
    assert again.orders == 0 and WorkOrder.objects.count() == 60
