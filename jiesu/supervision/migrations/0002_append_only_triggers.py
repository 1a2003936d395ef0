"""On PostgreSQL, the database itself refuses UPDATE and DELETE of events and progress reports."""

from django.db import migrations

from jiesu.common.history import append_only_trigger


class Migration(migrations.Migration):
    dependencies = [("supervision", "0001_initial")]
    operations = [
        append_only_trigger(
            table="supervision_supervisionevent",
            function="supervision_event_append_only",
            trigger="supervision_event_no_update",
        ),
        append_only_trigger(
            table="supervision_progressreport",
            function="supervision_report_append_only",
            trigger="supervision_report_no_update",
        ),
    ]
