"""查询码 (tracking code): a random public code per order; existing orders get one each."""

from django.db import migrations, models

import jiesu.workorders.models


def backfill(apps, schema_editor):
    WorkOrder = apps.get_model("workorders", "WorkOrder")
    taken = set()
    pending = []
    for pk in WorkOrder.objects.filter(tracking_code__isnull=True).values_list("pk", flat=True).iterator():
        code = jiesu.workorders.models.new_tracking_code()
        while code in taken:
            code = jiesu.workorders.models.new_tracking_code()
        taken.add(code)
        pending.append(WorkOrder(pk=pk, tracking_code=code))
        if len(pending) >= 2000:
            WorkOrder.objects.bulk_update(pending, ["tracking_code"])
            pending = []
    if pending:
        WorkOrder.objects.bulk_update(pending, ["tracking_code"])


class Migration(migrations.Migration):
    dependencies = [("workorders", "0007_channel_proactive_report_meeting")]

    operations = [
        migrations.AddField(
            model_name="workorder",
            name="tracking_code",
            field=models.CharField(blank=True, editable=False, max_length=16, null=True, verbose_name="查询码"),
        ),
        migrations.RunPython(backfill, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="workorder",
            name="tracking_code",
            field=models.CharField(
                blank=True,
                default=jiesu.workorders.models.new_tracking_code,
                editable=False,
                max_length=16,
                null=True,
                unique=True,
                verbose_name="查询码",
            ),
        ),
    ]
