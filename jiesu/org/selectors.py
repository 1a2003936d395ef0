"""Reads of the organisation."""

from django.db.models import QuerySet

from jiesu.org.models import LOCAL_KINDS, Unit, UnitKind


def local_units() -> QuerySet[Unit]:
    """The 26 streets and towns (属地), in official order."""
    return Unit.objects.filter(kind__in=LOCAL_KINDS, is_active=True)


def departments() -> QuerySet[Unit]:
    return Unit.objects.filter(kind=UnitKind.DEPARTMENT, is_active=True)


def handling_units() -> QuerySet[Unit]:
    """Units that can be given orders to handle."""
    return Unit.objects.filter(kind__in=[*LOCAL_KINDS, UnitKind.DEPARTMENT, UnitKind.ENTERPRISE], is_active=True)
