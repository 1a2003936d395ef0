"""On PostgreSQL, refuse UPDATE and DELETE of events in the database itself, whatever the client."""

from django.db import migrations

FORWARD = """
CREATE OR REPLACE FUNCTION workorders_event_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'workorders_workorderevent is append-only';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER workorders_event_no_update BEFORE UPDATE OR DELETE ON workorders_workorderevent
    FOR EACH ROW EXECUTE FUNCTION workorders_event_append_only();
"""
BACKWARD = """
DROP TRIGGER IF EXISTS workorders_event_no_update ON workorders_workorderevent;
DROP FUNCTION IF EXISTS workorders_event_append_only();
"""


def forward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(FORWARD)


def backward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(BACKWARD)


class Migration(migrations.Migration):
    dependencies = [("workorders", "0001_initial")]
    operations = [migrations.RunPython(forward, backward)]
