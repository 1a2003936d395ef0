"""Append-only history shared by every record with a lifecycle (work orders, supervision items).

- `HistoryEvent`: the abstract event row — seq (= the record's version after the change),
  action, from/to state, actor and the actor's unit, time, reason, payload. The concrete model
  adds the FK to its record, its unique (record, seq) constraint and its indexes.
- The model and its queryset refuse UPDATE and DELETE; on PostgreSQL a trigger refuses them in
  the database itself, whatever the client (`append_only_trigger` builds the migration step).
"""

from django.conf import settings
from django.db import migrations, models


class AppendOnlyQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise TypeError(f"{self.model.history_noun}只能追加，不能修改")

    def delete(self):
        raise TypeError(f"{self.model.history_noun}只能追加，不能删除")


class AppendOnly(models.Model):
    """A row written once: the model and its queryset refuse UPDATE and DELETE."""

    history_noun = "记录"  # "工单事件", "进展报告": the word the refusals use

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise TypeError(f"{self.history_noun}只能追加，不能修改")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise TypeError(f"{self.history_noun}只能追加，不能删除")


class HistoryEvent(AppendOnly):
    """One change of one record. Never updated or deleted."""

    history_noun = "事件"

    seq = models.PositiveIntegerField("序号")
    action = models.CharField("动作", max_length=32, db_index=True)
    from_state = models.CharField("原状态", max_length=16, blank=True)
    to_state = models.CharField("新状态", max_length=16)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="操作人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    actor_unit = models.ForeignKey(
        "org.Unit", verbose_name="操作单位", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    at = models.DateTimeField("时间", db_index=True)
    reason = models.CharField("原因/说明", max_length=500, blank=True)
    payload = models.JSONField("内容", default=dict, blank=True)

    class Meta:
        abstract = True


def trigger_sql(*, table: str, function: str, trigger: str) -> tuple[str, str]:
    """(forward, backward) SQL of the PostgreSQL trigger that refuses UPDATE and DELETE on `table`."""
    forward = f"""
CREATE OR REPLACE FUNCTION {function}() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION '{table} is append-only';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER {trigger} BEFORE UPDATE OR DELETE ON {table}
    FOR EACH ROW EXECUTE FUNCTION {function}();
"""
    backward = f"""
DROP TRIGGER IF EXISTS {trigger} ON {table};
DROP FUNCTION IF EXISTS {function}();
"""
    return forward, backward


def append_only_trigger(*, table: str, function: str, trigger: str) -> migrations.RunPython:
    """The migration step that installs the trigger on PostgreSQL (other databases rely on the
    model's refusals)."""
    forward_sql, backward_sql = trigger_sql(table=table, function=function, trigger=trigger)

    def forward(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(forward_sql)

    def backward(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(backward_sql)

    return migrations.RunPython(forward, backward)
