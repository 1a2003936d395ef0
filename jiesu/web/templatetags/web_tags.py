from django import template
from django.urls import reverse

from jiesu.org.models import Role
from jiesu.web.roles import NAV_BY_ROLE
from jiesu.worktime.selectors import horizon_warning

register = template.Library()


@register.inclusion_tag("web/_nav.html", takes_context=True)
def web_nav(context):
    request = context.get("request")
    user = getattr(request, "user", None)
    items, calendar_warning, unread = [], None, 0
    if user is not None and user.is_authenticated:
        from jiesu.notify.selectors import unread_count

        unread = unread_count(user=user)
        path = request.path
        for name, label in NAV_BY_ROLE.get(user.role, []):
            url = reverse(name)
            items.append({"url": url, "label": label, "active": path.startswith(url)})
        if user.role in CALENDAR_WARNING_ROLES:
            calendar_warning = horizon_warning()
    return {
        "user": user,
        "items": items,
        "request": request,
        "calendar_warning": calendar_warning,
        "unread": unread,
        "demo": demo_loaded(),
    }


def demo_loaded() -> bool:
    """Does the database hold the demo's orders (演示数据)? Every page then says so in the top bar."""
    from django.core.cache import cache

    from jiesu.workorders.demo_recent import DEMO_REF_PREFIX
    from jiesu.workorders.models import WorkOrder

    return cache.get_or_set(
        "jiesu:demo-loaded", lambda: WorkOrder.objects.filter(external_ref__startswith=DEMO_REF_PREFIX).exists(), 300
    )


# Those who dispatch or keep the calendar are told when the official holiday calendar runs out.
CALENDAR_WARNING_ROLES = {Role.ADMIN, Role.DISPATCHER}


_EXTRA_ACTIONS = {"create": "受理", "duplicate_merged": "并入重复件"}


@register.filter
def action_label(action: str) -> str:
    from jiesu.workorders import state_machine

    if action in _EXTRA_ACTIONS:
        return _EXTRA_ACTIONS[action]
    transition = state_machine.table().get(action)
    return transition.label if transition else action


@register.filter
def state_label(state: str) -> str:
    from jiesu.workorders.models import State

    try:
        return State(state).label
    except ValueError:
        return state
