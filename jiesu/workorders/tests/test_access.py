"""Who sees which order, and whose personal data is masked: a role × visibility matrix."""

import pytest

from jiesu.workorders import selectors, services
from jiesu.workorders.models import State
from jiesu.workorders.tests.factories import order_in_state

# role fixture → (sees the Fangzhuang order, sees personal data of it)
MATRIX = {
    "agent": (True, True),
    "callback": (True, False),  # sees full phones only of orders due for callback (issue 14)
    "dispatcher": (True, False),
    "district_leader": (True, False),
    "auditor": (True, False),
    "admin": (True, False),
    "handler": (True, True),  # lead unit
    "unit_leader": (True, True),  # lead unit
    "other_handler": (False, False),  # another street
    "dept_handler": (False, False),  # a department not involved (until whistled in)
}


@pytest.mark.django_db
@pytest.mark.parametrize("who", MATRIX)
def test_visibility_and_masking_matrix(who, users, units):
    order = order_in_state(State.ACKNOWLEDGED, users=users, units=units)
    unrelated = order_in_state(State.RECEIVED, users=users, units=units)
    user = users[who]
    sees, personal = MATRIX[who]
    visible = set(selectors.visible_orders(user=user).values_list("pk", flat=True))
    assert (order.pk in visible) is sees
    if user.is_unit_scoped:
        assert unrelated.pk not in visible  # not dispatched to anyone
    if sees:
        name, phone = selectors.requester_for(user=user, order=order)
        if personal:
            assert (name, phone) == ("张三", "13812345678")
        else:
            assert (name, phone) == ("张*", "138****5678")


@pytest.mark.django_db
def test_assisting_unit_sees_the_order_and_its_personal_data(users, units):
    order = order_in_state(State.ACKNOWLEDGED, users=users, units=units)
    dept = users["dept_handler"]
    assert not selectors.visible_orders(user=dept).filter(pk=order.pk).exists()
    services.whistle(user=users["handler"], order_id=order.pk, units=[units["110106-D01"]], reason="需住建委协助")
    assert selectors.visible_orders(user=dept).filter(pk=order.pk).exists()
    assert selectors.requester_for(user=dept, order=order)[1] == "13812345678"


@pytest.mark.django_db
def test_after_redispatch_the_old_unit_loses_the_order(users, units):
    order = order_in_state(State.DISPATCHED, users=users, units=units)
    services.redispatch(user=users["dispatcher"], order_id=order.pk, lead_unit=units["110106001"], reason="改派")
    assert not selectors.visible_orders(user=users["handler"]).filter(pk=order.pk).exists()
    assert selectors.visible_orders(user=users["other_handler"]).filter(pk=order.pk).exists()


@pytest.mark.parametrize(
    "phone, masked",
    [("13812345678", "138****5678"), ("010-63456789", "010*****6789"), ("12345", "1***5"), ("", "")],
)
def test_mask_phone(phone, masked):
    assert selectors.mask_phone(phone) == masked


@pytest.mark.parametrize("name, masked", [("张三", "张*"), ("欧阳娜娜", "欧***"), ("李", "李*"), ("", "")])
def test_mask_name(name, masked):
    assert selectors.mask_name(name) == masked
