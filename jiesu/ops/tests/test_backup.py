"""Backup and restore on the engine under test: the restored database has the same orders, events,
messages and users, and on PostgreSQL the append-only trigger still refuses to change an event."""

import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from jiesu.ops import backup
from jiesu.workorders import services
from jiesu.workorders.models import WorkOrder, WorkOrderEvent
from jiesu.workorders.tests.factories import make_order

pytestmark = pytest.mark.django_db(transaction=True)  # pg_dump reads committed data only


@pytest.fixture
def history(users, units):
    for n in range(3):
        order = make_order(users=users, content=f"第{n}号楼道灯不亮")
        services.dispatch(user=users["dispatcher"], order_id=order.pk, lead_unit=units["110106013"])
    return {"orders": WorkOrder.objects.count(), "events": WorkOrderEvent.objects.count()}


def pg_admin():
    import psycopg

    s = connection.settings_dict
    return psycopg.connect(
        dbname="postgres",
        host=s["HOST"] or None,
        port=s["PORT"] or None,
        user=s["USER"] or None,
        password=s["PASSWORD"] or None,
        autocommit=True,
    )


def test_backup_then_restore_into_another_database(history, tmp_path, capsys):
    out = tmp_path / "jiesu.backup"
    call_command("backup", "--out", str(out))
    manifest = json.loads((tmp_path / "jiesu.backup.json").read_text(encoding="utf-8"))
    assert manifest["counts"]["orders"] == history["orders"] == 3
    assert manifest["counts"]["events"] == history["events"] == 6
    assert "已备份到" in capsys.readouterr().out
    s = connection.settings_dict
    if connection.vendor == "postgresql":
        scratch = f"{s['NAME']}_restore"
        with pg_admin() as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{scratch}"')
            admin.execute(f'CREATE DATABASE "{scratch}"')
        url = f"postgres://{s['USER']}@{s['HOST']}:{s['PORT'] or 5432}/{scratch}"
    else:
        scratch = tmp_path / "restored.sqlite3"
        url = f"sqlite:///{scratch}"
    try:
        call_command("restore", str(out), "--database-url", url)
        assert "与备份一致" in capsys.readouterr().out
        target = backup.Target.from_url(url)
        found = backup.inspect(target)
        assert found["counts"] == manifest["counts"]
        if connection.vendor == "postgresql":
            assert found["append_only_trigger"] is True
            import psycopg

            with psycopg.connect(dbname=scratch, host=s["HOST"], user=s["USER"]) as conn:
                with pytest.raises(psycopg.errors.RaiseException, match="append-only"):
                    conn.execute("UPDATE workorders_workorderevent SET reason = 'x'")
        # A second restore over data needs --yes, and then gives the same counts.
        with pytest.raises(CommandError, match="已有数据"):
            call_command("restore", str(out), "--database-url", url)
        call_command("restore", str(out), "--database-url", url, "--yes")
        assert backup.inspect(target)["counts"] == manifest["counts"]
    finally:
        if connection.vendor == "postgresql":
            with pg_admin() as admin:
                admin.execute(f'DROP DATABASE IF EXISTS "{scratch}"')


def test_restore_refuses_a_missing_file_or_manifest(tmp_path):
    with pytest.raises(CommandError, match="备份文件不存在"):
        call_command("restore", str(tmp_path / "none.dump"), "--database-url", f"sqlite:///{tmp_path / 'x.sqlite3'}")
    orphan = tmp_path / "orphan.dump"
    orphan.write_bytes(b"not a backup")
    with pytest.raises(CommandError, match="缺少备份说明文件"):
        call_command("restore", str(orphan), "--database-url", f"sqlite:///{tmp_path / 'x.sqlite3'}")
    (tmp_path / "orphan.dump.json").write_text(json.dumps({"engine": "postgresql", "counts": {}}), encoding="utf-8")
    with pytest.raises(CommandError, match="不能恢复到 sqlite"):
        call_command("restore", str(orphan), "--database-url", f"sqlite:///{tmp_path / 'x.sqlite3'}")
    with pytest.raises(CommandError, match="只支持"):
        call_command("restore", str(orphan), "--database-url", "mysql://x/y")
