"""An edit in one process reaches the caches of another: the shared version counter, in a file
(embedded) and in Redis, and the calendar across two processes on one database."""

import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection
from django.test import override_settings

from jiesu.common import shared_version

ROOT = Path(settings.BASE_DIR)
REDIS_TEST_URL = os.environ.get("JIESU_TEST_REDIS_URL", "redis://127.0.0.1:6379/3")

WATCHER = r"""
import os, sys, time
import django
django.setup()
from functools import lru_cache
from jiesu.common.shared_version import VersionWatch

builds = [0]

@lru_cache(maxsize=1)
def data():
    builds[0] += 1
    return builds[0]

watch = VersionWatch(sys.argv[1], check_seconds=0.2)
watch.on_change(data.cache_clear)
watch.check()
print("ready", data(), flush=True)
deadline = time.time() + 20
while time.time() < deadline:
    watch.check()
    if data() != 1:
        print("rebuilt", data(), flush=True)
        break
    time.sleep(0.05)
else:
    print("timeout", flush=True)
"""


def start(script: str, *args: str, **env) -> subprocess.Popen:
    full = {**os.environ, "DJANGO_SETTINGS_MODULE": "jiesu.test_settings", **env}
    return subprocess.Popen(
        [sys.executable, "-c", script, *args],
        cwd=ROOT,
        env=full,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def expect(process: subprocess.Popen, prefix: str) -> str:
    line = process.stdout.readline().strip()
    if not line.startswith(prefix):
        process.kill()
        raise AssertionError(f"expected {prefix!r}, got {line!r}; stderr: {process.stderr.read()[-2000:]}")
    return line


def redis_reachable() -> bool:
    try:
        shared_version._redis_for(REDIS_TEST_URL).ping()
        return True
    except Exception:
        return False


def test_a_bump_in_this_process_clears_another_process_file_counter(tmp_path):
    name = f"test-{uuid.uuid4().hex[:8]}"
    with override_settings(REDIS_URL="", VAR_DIR=tmp_path):
        other = start(WATCHER, name, JIESU_VAR_DIR=str(tmp_path), REDIS_URL="")
        expect(other, "ready 1")
        shared_version.VersionWatch(name).bump()
        assert expect(other, "rebuilt") == "rebuilt 2"
        other.wait(10)
        assert shared_version.read(name) == 1


@pytest.mark.skipif(not redis_reachable(), reason=f"Redis not reachable at {REDIS_TEST_URL}")
def test_a_bump_in_this_process_clears_another_process_redis_counter():
    name = f"test-{uuid.uuid4().hex[:8]}"
    prefix = f"ops-test-{uuid.uuid4().hex[:6]}"
    with override_settings(REDIS_URL=REDIS_TEST_URL, REDIS_PREFIX=prefix):
        other = start(WATCHER, name, REDIS_URL=REDIS_TEST_URL, JIESU_REDIS_PREFIX=prefix)
        expect(other, "ready 1")
        shared_version.VersionWatch(name).bump()
        assert expect(other, "rebuilt") == "rebuilt 2"
        other.wait(10)
        assert shared_version.read(name) == 1
        shared_version._redis().delete(f"{prefix}:version:{name}")


CALENDAR = r"""
import datetime as dt, time
import django
django.setup()
from jiesu.worktime import calendar
day = dt.date(2025, 3, 8)  # a Saturday
print("ready", calendar.is_workday(day), flush=True)
deadline = time.time() + 20
while time.time() < deadline:
    if calendar.is_workday(day):
        print("workday", calendar.day_info(day).source, calendar.day_info(day).name, flush=True)
        break
    time.sleep(0.1)
else:
    print("timeout", flush=True)
"""


@pytest.mark.django_db(transaction=True)
def test_an_admin_calendar_edit_reaches_another_process(tmp_path):
    if connection.vendor != "postgresql":
        pytest.skip("SQLite's test database lives in this process's memory; another process cannot open it")
    from jiesu.worktime import calendar
    from jiesu.worktime.services import set_calendar_day

    url = (
        f"postgres://{connection.settings_dict['USER']}@{connection.settings_dict['HOST']}:"
        f"{connection.settings_dict['PORT'] or 5432}/{connection.settings_dict['NAME']}"
    )
    other = start(CALENDAR, DATABASE_URL=url, JIESU_VAR_DIR=str(settings.VAR_DIR))
    assert expect(other, "ready") == "ready False"
    try:
        set_calendar_day(date=__import__("datetime").date(2025, 3, 8), is_workday=True, name="测试调休上班")
        assert expect(other, "workday") == "workday admin 测试调休上班"
    finally:
        other.wait(10)
        calendar.invalidate()
