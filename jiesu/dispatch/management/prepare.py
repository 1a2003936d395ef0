"""Offline evaluation commands (evaluate_routing, evaluate_dispatch) on a fresh checkout: instead of a
traceback or a list of steps, they bring the database and the model to the state `bin/start` would —
migrated, reference data (units, category tree, 权责清单) loaded, model trained — saying so on stderr."""

from django.core.management import call_command
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from jiesu.common.errors import DomainError


def ensure_database(*, say) -> None:
    executor = MigrationExecutor(connection)
    if executor.migration_plan(executor.loader.graph.leaf_nodes()):
        say("数据库尚未迁移（或未迁移到最新）：正在迁移……")
        call_command("migrate", verbosity=0)
    from jiesu.org.models import ResponsibilityRule, Unit

    if not Unit.objects.exists() or not ResponsibilityRule.objects.exists():
        say("数据库中没有单位或权责清单：正在加载参考数据（load_reference）……")
        call_command("load_reference", verbosity=0)


def ensure_model(*, load, train_command: str, say):
    """`load()` the current model; when none has been trained yet, train it first (a few minutes)."""
    try:
        return load()
    except DomainError as missing:
        say(f"{missing.message}：现在训练（{train_command}，约 2 分钟）……")
    call_command(train_command, if_missing=True, verbosity=0)
    return load()
