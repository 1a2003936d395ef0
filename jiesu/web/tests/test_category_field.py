"""The 诉求类别 field (issue 12): required at the hotline, searchable by name, keyword and pinyin
initials, pre-filled from the routing model, recorded with how it was set; 更正类别 on the order page."""

import pytest

from jiesu.dispatch.routing import load_routing_model
from jiesu.web.tests.test_pages import login
from jiesu.workorders.models import Category, WorkOrder


def form(**extra):
    return {"content": "公司拖欠工资三个月不发", "requester_phone": "13911112222", "urgency": "general", **extra}


@pytest.fixture
def routing_model():
    """The production routing model (bin/test trains it when missing)."""
    load_routing_model.cache_clear()
    yield load_routing_model()
    load_routing_model.cache_clear()


@pytest.mark.django_db
def test_search_by_initials_name_and_keyword(client, users, reference):
    client = login(client, users["agent"])
    by_initials = client.get("/intake/categories/", {"category_label": "wyfw"}).content.decode()
    assert 'value="住房/物业管理/物业服务质量"' in by_initials
    by_name = client.get("/intake/categories/", {"category_label": "油烟"}).content.decode()
    assert "城市管理/街面秩序/餐饮油烟" in by_name
    by_keyword = client.get("/intake/categories/", {"category_label": "欠薪"}).content.decode()
    assert "劳动就业与社保/劳动关系/拖欠工资" in by_keyword
    assert (
        "城乡建设" not in client.get("/intake/categories/", {"category_label": "城乡"}).content.decode()
    )  # old scheme hidden
    assert client.get("/intake/categories/", {"category_label": ""}).content.decode().strip() == ""


@pytest.mark.django_db
def test_the_model_prefills_and_the_clerk_overrides(client, users, reference, routing_model):
    client = login(client, users["agent"])
    proposed = client.post("/intake/category-proposal/", form()).content.decode()
    wages = Category.objects.get(path="劳动就业与社保/劳动关系/拖欠工资")
    assert f'value="{wages.code}"' in proposed and "模型推荐" in proposed
    school = Category.objects.get(path="教育/义务教育/入学与学位")
    kept = client.post(
        "/intake/category-proposal/", form(category=school.code, category_by="clerk", category_label=school.path)
    ).content.decode()
    assert f'value="{school.code}"' in kept and "模型推荐" not in kept
    nothing = client.post("/intake/category-proposal/", form(content="hello")).content.decode()
    assert "没有中文" in nothing and 'id="category-code" value=""' in nothing


@pytest.mark.django_db
def test_intake_records_the_category_and_how_it_was_set(client, users, reference, routing_model):
    client = login(client, users["agent"])
    wages = Category.objects.get(path="劳动就业与社保/劳动关系/拖欠工资")
    school = Category.objects.get(path="教育/义务教育/入学与学位")
    client.post(
        "/intake/", form(category=school.code, category_by="clerk", category_proposed=wages.code, client_ref="c1")
    )
    chosen = WorkOrder.objects.get(client_ref="c1")
    create = chosen.events.get(action="create").payload
    assert chosen.category == school and create["category_by"] == "clerk" and create["category_proposed"] == wages.code
    client.post("/intake/", form(client_ref="c2"))  # saved before the proposal reached the page
    filled = WorkOrder.objects.get(client_ref="c2")
    create = filled.events.get(action="create").payload
    assert filled.category == wages and create["category_by"] == "model" and create["category_probability"] > 0


@pytest.mark.django_db
def test_no_category_and_nothing_to_propose_is_refused(client, users, reference):
    response = login(client, users["agent"]).post("/intake/", form(content="hello world", client_ref="c3"))
    assert response.status_code == 400 and "请选择诉求类别" in response.content.decode()
    assert not WorkOrder.objects.filter(client_ref="c3").exists()


@pytest.mark.django_db
def test_dispatcher_changes_the_category_with_an_event(client, users, reference, make_order):
    order = make_order()
    target = Category.objects.get(path="城市管理/市政设施/道路积水与排水")
    page = login(client, users["dispatcher"]).get(f"/orders/{order.pk}/").content.decode()
    assert 'data-action="recategorize"' in page and target.path in page
    response = client.post(f"/orders/{order.pk}/act/recategorize/", {"category": target.code, "reason": "下水道问题"})
    assert response.status_code in (200, 302)
    order.refresh_from_db()
    event = order.events.get(action="recategorize")
    assert order.category == target
    assert event.payload["changed"]["category"] == [None, target.code] and event.payload["category_by"] == "dispatcher"
    again = client.post(f"/orders/{order.pk}/act/recategorize/", {"category": target.code})
    assert again.status_code == 400 and "类别没有变化" in again.content.decode()
    handler = login(client, users["handler"]).post(f"/orders/{order.pk}/act/recategorize/", {"category": target.code})
    assert handler.status_code in (403, 404)
