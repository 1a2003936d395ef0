"""Who is told: the people of an audience (unit handlers, unit leaders, the command centre,
district leaders, callback agents, administrators), and where they can be reached."""

from django.db.models import Q, QuerySet

from jiesu.org.models import Role, UnitKind, User


def audience(name: str, *, unit_id: int | None = None) -> QuerySet[User]:
    users = User.objects.filter(is_active=True)
    if name == "unit_handlers":
        return users.filter(unit_id=unit_id, role__in=[Role.HANDLER, Role.UNIT_LEADER]) if unit_id else users.none()
    if name == "unit_leaders":
        return users.filter(unit_id=unit_id, role=Role.UNIT_LEADER) if unit_id else users.none()
    if name == "centre":
        return users.filter(unit__kind=UnitKind.CENTRE, role=Role.DISPATCHER)
    if name == "district_leaders":
        return users.filter(role=Role.DISTRICT_LEADER)
    if name == "callback_agents":
        return users.filter(role=Role.CALLBACK_AGENT)
    if name == "admins":
        return users.filter(Q(role=Role.ADMIN) | Q(is_superuser=True))
    raise ValueError(f"unknown audience {name}")


# The audiences of a unit (`audience` with a unit): the roles they take. `services.unit_recipients`
# reads them with the batch's opt-outs and rate counts in one statement (same users: test_recipients).
UNIT_AUDIENCE_ROLES: dict[str, tuple[str, ...]] = {
    "unit_handlers": (Role.HANDLER, Role.UNIT_LEADER),
    "unit_leaders": (Role.UNIT_LEADER,),
}


def people(names, *, unit_id: int | None = None) -> list[User]:
    """The users of several audiences, each once, with what delivery needs."""
    found: dict[int, User] = {}
    for name in names:
        for user in audience(name, unit_id=unit_id).select_related("notify_profile"):
            found.setdefault(user.pk, user)
    return list(found.values())


def phone_of(user: User) -> str:
    profile = getattr(user, "notify_profile", None)
    return profile.phone if profile else ""
