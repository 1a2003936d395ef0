"""PostgreSQL: drop the `varchar_pattern_ops` twins Django creates beside the indexes of `number`,
`tracking_code`, `client_ref` and `requester_phone` (issue 19, closed loop). Every action changes
the order's `state`, so no update is HOT and each action writes every index of the row again; no
query searches these columns by prefix (`LIKE 'x%'`): they are looked up whole (`=`), or by their
end (`endswith`, which no btree serves). `external_ref`'s twin stays: the demo check reads
`external_ref LIKE 'demo:%'`. SQLite has no such indexes: nothing to do there. Reversible."""

from django.db import migrations

TWINS = ("number", "tracking_code", "client_ref", "requester_phone")


def _twins(apps, schema_editor):
    model = apps.get_model("workorders", "WorkOrder")
    for name in TWINS:
        field = model._meta.get_field(name)
        yield model, field, schema_editor._create_index_name(model._meta.db_table, [field.column], suffix="_like")


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for _, _, index in _twins(apps, schema_editor):
        schema_editor.execute(f"DROP INDEX IF EXISTS {schema_editor.quote_name(index)}")


def restore(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for model, field, index in _twins(apps, schema_editor):
        table, column = schema_editor.quote_name(model._meta.db_table), schema_editor.quote_name(field.column)
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {schema_editor.quote_name(index)} ON {table} ({column} varchar_pattern_ops)"
        )


class Migration(migrations.Migration):
    dependencies = [("workorders", "0013_escalated_queue_index")]

    operations = [migrations.RunPython(drop, restore, elidable=False)]
