"""Production settings in a fresh process: `check --deploy` is clean, DEBUG is off unless set, a
missing SECRET_KEY stops the start with a clear message."""

import os
import re
import subprocess
import sys
from pathlib import Path

from django.conf import settings

ROOT = Path(settings.BASE_DIR)
STRONG_KEY = "k9$Fq2@Lm8#Wz5!Rt7&Yp3*Hx6^Nb4%Vc1(Jd0)Gs8_Ue2+Ia7=Ko5"


def manage(*args, **env):
    # Nothing of the test run's own environment (the browser tests allow async-unsafe calls, which
    # the deploy check rightly refuses).
    clean = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("DEBUG", "SECRET_KEY", "JIESU_HTTPS", "DJANGO_ALLOW_ASYNC_UNSAFE"))
    }
    clean.update(DJANGO_SETTINGS_MODULE="jiesu.settings", **env)
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=clean, capture_output=True, text=True, timeout=120
    )


def test_check_deploy_is_clean_with_production_settings():
    result = manage("check", "--deploy", SECRET_KEY=STRONG_KEY, ALLOWED_HOSTS="jiesu.example.cn")
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    # Nothing but, near the year's end, the calendar horizon (a reminder to load the next notice).
    assert set(re.findall(r"\(([a-z_]+\.[A-Z]\d{3})\)", output)) <= {"worktime.W001"}, output


def test_debug_is_off_unless_set_and_secret_key_is_required():
    probe = "from django.conf import settings; print(settings.DEBUG, settings.SESSION_COOKIE_SECURE, settings.SECURE_HSTS_SECONDS)"
    result = manage("shell", "-c", probe, SECRET_KEY=STRONG_KEY)
    assert result.stdout.splitlines()[-1].split() == ["False", "True", "31536000"], result.stderr
    result = manage("shell", "-c", probe, DEBUG="1")
    assert result.stdout.splitlines()[-1].split()[0] == "True", result.stderr
    result = manage("check")
    assert result.returncode != 0
    assert "未设置 SECRET_KEY" in result.stderr and "SECRET_KEY is required when DEBUG is off" in result.stderr


def test_offline_commands_run_without_the_production_secret_key(tmp_path):
    """An evaluator's `manage.py workdays/evaluate_routing …` needs no SECRET_KEY (a one-off key);
    anything else, like `check` (as above) or `migrate`, still refuses to start without it."""
    # A database of its own: on bin/test's PostgreSQL pass DATABASE_URL names a database that only
    # exists with the test prefix.
    fresh = f"sqlite:///{tmp_path / 'offline.sqlite3'}"
    result = manage("workdays", "--start", "2027-01-29T10:00", "--add-days", "3", DATABASE_URL=fresh)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1].startswith("due=2027-02-03"), result.stdout
    refused = manage("migrate", "--check", DATABASE_URL=fresh)
    assert refused.returncode != 0 and "未设置 SECRET_KEY" in refused.stderr
