"""Reads of the notify app: a user's inbox and unread count, opt-outs."""

from django.db.models import QuerySet

from jiesu.notify.models import Channel, Message, OptOut
from jiesu.org.models import User


def inbox(*, user: User, unread_only: bool = False) -> QuerySet[Message]:
    messages = Message.objects.filter(recipient=user, channel=Channel.INBOX).select_related("order")
    if unread_only:
        messages = messages.filter(read_at__isnull=True)
    return messages.order_by("-created_at", "-id")


def unread_count(*, user: User) -> int:
    return Message.objects.filter(recipient=user, channel=Channel.INBOX, read_at__isnull=True).count()


def opt_outs(*, user: User) -> set[tuple[str, str]]:
    return set(OptOut.objects.filter(user=user, address="").values_list("channel", "kind"))
