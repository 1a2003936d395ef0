"""System check: warn (on every manage.py command and at server start) when the official holiday
calendar runs out within worktime.selectors.WARN_DAYS."""

from django.core.checks import Warning as CheckWarning
from django.core.checks import register
from django.db import DatabaseError


@register()
def calendar_horizon(app_configs, **kwargs):
    from jiesu.worktime.selectors import horizon_warning

    try:
        message = horizon_warning()
    except DatabaseError:  # before migrate: admin years cannot be read yet; the libraries decide later
        return []
    if message is None:
        return []
    return [CheckWarning(message, id="worktime.W001")]
