"""Units under the rule's minimum sample are no longer ranked: the stored leader figures computed
with the old ranks are dropped and re-computed by the first page or the refresh timer (published
snapshots are left as they were published)."""

from django.db import migrations


def drop(apps, schema_editor):
    apps.get_model("assessment", "LeaderAggregate").objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [("assessment", "0003_leader_aggregates")]

    operations = [migrations.RunPython(drop, migrations.RunPython.noop)]
