"""Writing the data-access log."""

from jiesu.privacy.models import PersonalDataAccess


def record_access(*, user, order_id: int, order_number: str, fields: str, channel: str) -> None:
    if user is None or not getattr(user, "is_authenticated", False):
        return
    PersonalDataAccess.objects.create(
        user=user, order_id=order_id, order_number=order_number, fields=fields[:200], channel=channel[:200]
    )
