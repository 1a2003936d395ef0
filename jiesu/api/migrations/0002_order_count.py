"""The number of work orders kept by triggers on PostgreSQL (jiesu.api.models.OrderCountDelta): the
API's unfiltered list reads SUM(delta) instead of COUNT(*) over every order. CREATE TRIGGER locks the
order table against writers until this migration commits, so the starting count is exact."""

from django.db import migrations, models

FORWARD = """
CREATE FUNCTION api_order_count_inserted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO api_ordercountdelta (delta) SELECT count(*) FROM new_rows HAVING count(*) > 0;
    RETURN NULL;
END $$;
CREATE FUNCTION api_order_count_deleted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO api_ordercountdelta (delta) SELECT -count(*) FROM old_rows HAVING count(*) > 0;
    RETURN NULL;
END $$;
CREATE FUNCTION api_order_count_truncated() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM api_ordercountdelta;
    RETURN NULL;
END $$;
CREATE TRIGGER api_order_count_insert AFTER INSERT ON workorders_workorder
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION api_order_count_inserted();
CREATE TRIGGER api_order_count_delete AFTER DELETE ON workorders_workorder
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION api_order_count_deleted();
CREATE TRIGGER api_order_count_truncate AFTER TRUNCATE ON workorders_workorder
    FOR EACH STATEMENT EXECUTE FUNCTION api_order_count_truncated();
INSERT INTO api_ordercountdelta (delta) SELECT count(*) FROM workorders_workorder;
"""
BACKWARD = """
DROP TRIGGER IF EXISTS api_order_count_insert ON workorders_workorder;
DROP TRIGGER IF EXISTS api_order_count_delete ON workorders_workorder;
DROP TRIGGER IF EXISTS api_order_count_truncate ON workorders_workorder;
DROP FUNCTION IF EXISTS api_order_count_inserted();
DROP FUNCTION IF EXISTS api_order_count_deleted();
DROP FUNCTION IF EXISTS api_order_count_truncated();
"""


def forward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(FORWARD)


def backward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(BACKWARD)


class Migration(migrations.Migration):
    dependencies = [("api", "0001_idempotency_key"), ("workorders", "0001_initial")]

    operations = [
        migrations.CreateModel(
            name="OrderCountDelta",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("delta", models.BigIntegerField(verbose_name="增减")),
            ],
            options={"verbose_name": "工单总数增量", "verbose_name_plural": "工单总数增量"},
        ),
        migrations.RunPython(forward, backward),
    ]
