"""The order's indexes of mostly-empty columns only where set (issue 19, closed loop): every action
changes `state`, so no update of an order is HOT and each writes an entry into every index of the
row — also for the ≈ all orders whose community, grid, property project, coordinator unit or
merged_into is empty. Each becomes `… WHERE x IS NOT NULL` (every query of them asks for a value:
=, IN, a join), and on PostgreSQL so does `external_ref`'s `varchar_pattern_ops` twin (the demo
check's `external_ref LIKE 'demo:%'` implies it). Reversible."""

import django.db.models.deletion
from django.db import migrations, models

TWIN = ("external_ref", "_like")


def _twin(apps, schema_editor) -> tuple[str, str, str]:
    model = apps.get_model("workorders", "WorkOrder")
    column = model._meta.get_field(TWIN[0]).column
    name = schema_editor._create_index_name(model._meta.db_table, [column], suffix=TWIN[1])
    quote = schema_editor.quote_name
    return quote(name), quote(model._meta.db_table), quote(column)


def twin_where_set(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    name, table, column = _twin(apps, schema_editor)
    schema_editor.execute(f"DROP INDEX IF EXISTS {name}")
    schema_editor.execute(f"CREATE INDEX {name} ON {table} ({column} varchar_pattern_ops) WHERE {column} IS NOT NULL")


def twin_whole(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    name, table, column = _twin(apps, schema_editor)
    schema_editor.execute(f"DROP INDEX IF EXISTS {name}")
    schema_editor.execute(f"CREATE INDEX {name} ON {table} ({column} varchar_pattern_ops)")


class Migration(migrations.Migration):

    dependencies = [
        ('org', '0004_grid_layers_and_grid_worker'),
        ('workorders', '0014_drop_pattern_ops_twins_of_order_codes'),
    ]

    operations = [
        migrations.AlterField(
            model_name='workorder',
            name='community',
            field=models.ForeignKey(blank=True, db_index=False, null=True, on_delete=django.db.models.deletion.PROTECT, to='org.community', verbose_name='社区'),
        ),
        migrations.AlterField(
            model_name='workorder',
            name='coordinator_unit',
            field=models.ForeignKey(blank=True, db_index=False, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='coordinated_orders', to='org.unit', verbose_name='提级统筹单位'),
        ),
        migrations.AlterField(
            model_name='workorder',
            name='grid',
            field=models.ForeignKey(blank=True, db_index=False, null=True, on_delete=django.db.models.deletion.PROTECT, to='org.grid', verbose_name='网格'),
        ),
        migrations.AlterField(
            model_name='workorder',
            name='merged_into',
            field=models.ForeignKey(blank=True, db_index=False, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='duplicates', to='workorders.workorder', verbose_name='合并至'),
        ),
        migrations.AlterField(
            model_name='workorder',
            name='property_project',
            field=models.ForeignKey(blank=True, db_index=False, null=True, on_delete=django.db.models.deletion.PROTECT, to='org.propertyproject', verbose_name='物业项目'),
        ),
        migrations.AddIndex(
            model_name='workorder',
            index=models.Index(condition=models.Q(('community__isnull', False)), fields=['community'], name='wo_community_set'),
        ),
        migrations.AddIndex(
            model_name='workorder',
            index=models.Index(condition=models.Q(('grid__isnull', False)), fields=['grid'], name='wo_grid_set'),
        ),
        migrations.AddIndex(
            model_name='workorder',
            index=models.Index(condition=models.Q(('property_project__isnull', False)), fields=['property_project'], name='wo_property_project_set'),
        ),
        migrations.AddIndex(
            model_name='workorder',
            index=models.Index(condition=models.Q(('coordinator_unit__isnull', False)), fields=['coordinator_unit'], name='wo_coordinator_unit_set'),
        ),
        migrations.AddIndex(
            model_name='workorder',
            index=models.Index(condition=models.Q(('merged_into__isnull', False)), fields=['merged_into'], name='wo_merged_into_set'),
        ),
        migrations.RunPython(twin_where_set, twin_whole, elidable=False),
    ]
