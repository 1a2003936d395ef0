"""Backup and restore of the whole database, with a manifest that lets a restore prove itself.

PostgreSQL: `pg_dump --format=custom` of one exported snapshot; the orders and events are counted
in that same snapshot (so the manifest matches the dump exactly, even while the platform writes),
and `pg_restore --clean --if-exists --single-transaction` puts it back. The append-only trigger on
the event table travels with the dump (it is part of the schema) and is checked after a restore.

SQLite: the online backup API (a consistent copy while the demo runs); restore copies the file's
pages back the same way — stop the server and the timers first.

The manifest (`<file>.json`) holds the engine, the time, the counts and the Django migrations
applied; `restore` refuses a file whose manifest names another engine, and verifies the counts."""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import sqlite3
import subprocess
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import dj_database_url
from django.db import connection
from django.utils import timezone

COUNTED = {
    "orders": "workorders_workorder",
    "events": "workorders_workorderevent",
    "messages": "notify_message",
    "users": "org_user",
}
TRIGGER = "workorders_event_no_update"


class BackupError(Exception):
    """A Chinese message for the operator."""


@dataclass
class Target:
    vendor: str  # "postgresql" | "sqlite"
    name: str  # database name or file path
    host: str = ""
    port: str = ""
    user: str = ""
    password: str = ""

    @classmethod
    def from_settings(cls, settings_dict: dict) -> Target:
        vendor = "sqlite" if settings_dict["ENGINE"].endswith("sqlite3") else "postgresql"
        return cls(
            vendor=vendor,
            name=str(settings_dict["NAME"]),
            host=str(settings_dict.get("HOST") or ""),
            port=str(settings_dict.get("PORT") or ""),
            user=str(settings_dict.get("USER") or ""),
            password=str(settings_dict.get("PASSWORD") or ""),
        )

    @classmethod
    def from_url(cls, url: str) -> Target:
        if urlsplit(url).scheme not in ("postgres", "postgresql", "pgsql", "sqlite"):
            raise BackupError("--database-url 只支持 postgres://… 或 sqlite:///…")
        return cls.from_settings(dj_database_url.parse(url))

    def pg_env(self) -> dict:
        env = dict(os.environ)
        if self.password:
            env["PGPASSWORD"] = self.password
        return env

    def pg_args(self) -> list[str]:
        args = []
        if self.host:
            args += ["--host", self.host]
        if self.port:
            args += ["--port", self.port]
        if self.user:
            args += ["--username", self.user]
        return args


def _tool(name: str) -> str:
    found = shutil.which(name)
    if not found:
        raise BackupError(f"找不到 {name}：请安装 PostgreSQL 客户端（Debian: apt-get install postgresql-client）")
    return found


def _migrations(cursor) -> int:
    cursor.execute("SELECT COUNT(*) FROM django_migrations")
    return cursor.fetchone()[0]


def _counts(cursor) -> dict[str, int]:
    result = {}
    for key, table in COUNTED.items():
        cursor.execute(f"SELECT COUNT(*) FROM {table}")
        result[key] = cursor.fetchone()[0]
    return result


def backup(*, out: Path) -> dict:
    """Back up the configured database to `out`; returns the manifest (also written to out.json)."""
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    target = Target.from_settings(connection.settings_dict)
    if target.vendor == "postgresql":
        manifest = _backup_postgresql(target, out)
    else:
        manifest = _backup_sqlite(out)
    manifest.update(
        engine=target.vendor,
        file=out.name,
        size=out.stat().st_size,
        created_at=timezone.now().isoformat(),
    )
    Path(f"{out}.json").write_text(json.dumps(manifest, ensure_ascii=False, indent=2), encoding="utf-8")
    return manifest


def _backup_postgresql(target: Target, out: Path) -> dict:
    pg_dump = _tool("pg_dump")
    import psycopg

    # Our own connection holds a REPEATABLE READ snapshot: counts and dump see the same data.
    params = {
        "dbname": target.name,
        "host": target.host or None,
        "port": target.port or None,
        "user": target.user or None,
        "password": target.password or None,
    }
    with psycopg.connect(**{k: v for k, v in params.items() if v}) as conn:
        conn.execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
        snapshot = conn.execute("SELECT pg_export_snapshot()").fetchone()[0]
        with conn.cursor() as cursor:
            counts = _counts(cursor)
            migrations = _migrations(cursor)
        result = subprocess.run(
            [
                pg_dump,
                *target.pg_args(),
                "--format=custom",
                "--no-owner",
                f"--snapshot={snapshot}",
                f"--file={out}",
                target.name,
            ],
            env=target.pg_env(),
            capture_output=True,
            text=True,
        )
        conn.rollback()
    if result.returncode != 0:
        raise BackupError(f"pg_dump 失败：{result.stderr.strip()[-500:]}")
    return {"counts": counts, "migrations": migrations}


def _backup_sqlite(out: Path) -> dict:
    connection.ensure_connection()
    if out.exists():
        out.unlink()
    destination = sqlite3.connect(out)
    try:
        connection.connection.backup(destination)
    finally:
        destination.close()
    copy = sqlite3.connect(out)
    try:
        cursor = copy.cursor()
        return {"counts": _counts(cursor), "migrations": _migrations(cursor)}
    finally:
        copy.close()


def read_manifest(path: Path) -> dict:
    meta = Path(f"{path}.json")
    if not Path(path).exists():
        raise BackupError(f"备份文件不存在：{path}")
    if not meta.exists():
        raise BackupError(f"缺少备份说明文件 {meta.name}（由 manage.py backup 生成），无法核对")
    try:
        return json.loads(meta.read_text(encoding="utf-8"))
    except ValueError:
        raise BackupError(f"备份说明文件 {meta.name} 已损坏") from None


def target_has_data(target: Target) -> bool:
    try:
        return any(inspect(target)["counts"].values())
    except Exception:
        return False  # empty or not yet migrated


def restore(*, path: Path, target: Target) -> dict:
    """Restore `path` into `target`; returns what the restored database holds (counts, trigger)."""
    manifest = read_manifest(path)
    if manifest.get("engine") != target.vendor:
        raise BackupError(f"备份来自 {manifest.get('engine')}，不能恢复到 {target.vendor}")
    if target.vendor == "postgresql":
        pg_restore = _tool("pg_restore")
        result = subprocess.run(
            [
                pg_restore,
                *target.pg_args(),
                "--clean",
                "--if-exists",
                "--no-owner",
                "--single-transaction",
                f"--dbname={target.name}",
                str(path),
            ],
            env=target.pg_env(),
            capture_output=True,
            text=True,
        )
        if result.returncode != 0:
            raise BackupError(f"pg_restore 失败（数据库未改动）：{result.stderr.strip()[-500:]}")
    else:
        source = sqlite3.connect(path)
        destination = sqlite3.connect(target.name)
        try:
            source.backup(destination)
        finally:
            source.close()
            destination.close()
    found = inspect(target)
    if found["counts"] != manifest["counts"]:
        raise BackupError(f"恢复后的数量与备份不一致：备份 {manifest['counts']}，恢复后 {found['counts']}")
    if target.vendor == "postgresql" and not found["append_only_trigger"]:
        raise BackupError("恢复后缺少事件表的只追加触发器")
    return found


def inspect(target: Target) -> dict:
    """Counts and (PostgreSQL) whether the append-only trigger is in place, read directly."""
    if target.vendor == "postgresql":
        import psycopg

        params = {
            "dbname": target.name,
            "host": target.host or None,
            "port": target.port or None,
            "user": target.user or None,
            "password": target.password or None,
        }
        with psycopg.connect(**{k: v for k, v in params.items() if v}) as conn, conn.cursor() as cursor:
            counts = _counts(cursor)
            cursor.execute("SELECT COUNT(*) FROM pg_trigger WHERE tgname = %s AND NOT tgisinternal", [TRIGGER])
            trigger = cursor.fetchone()[0] == 1
        return {"counts": counts, "append_only_trigger": trigger}
    db = sqlite3.connect(target.name)
    try:
        return {"counts": _counts(db.cursor()), "append_only_trigger": None}
    finally:
        db.close()


def default_path(vendor: str) -> Path:
    from django.conf import settings

    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    suffix = "dump" if vendor == "postgresql" else "sqlite3"
    return Path(settings.VAR_DIR) / "backups" / f"jiesu-{stamp}.{suffix}"
