"""On PostgreSQL, refuse UPDATE and DELETE of events in the database itself, whatever the client
(the shared helper of jiesu.common.history; the SQL is the one this migration always ran)."""

from django.db import migrations

from jiesu.common.history import append_only_trigger


class Migration(migrations.Migration):
    dependencies = [("workorders", "0001_initial")]
    operations = [
        append_only_trigger(
            table="workorders_workorderevent",
            function="workorders_event_append_only",
            trigger="workorders_event_no_update",
        )
    ]
