"""End to end on PostgreSQL and Redis: bin/serve starts gunicorn, a Celery worker and Celery beat;
an order whose deadline is already running late (dispatched hours ago — another process's clock
cannot be moved, so the order's times are) gets its 临期预警, which arrives in a real SMTP server
started here and in the handler's inbox. The web answers through gunicorn with whitenoise's
static files and the production headers, /healthz sees the worker's heartbeat.

Runs in bin/test's PostgreSQL pass; on SQLite it is skipped (the test database lives in memory)."""

import datetime as dt
import os
import secrets
import signal
import subprocess
import time
import urllib.request
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection
from django.utils import timezone

from jiesu.notify.models import Channel, Message
from jiesu.notify.tests.smtp import SmtpServer, free_port
from jiesu.workorders import services
from jiesu.workorders.tests.factories import make_order

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]
ROOT = Path(settings.BASE_DIR)
REDIS_URL = os.environ.get("JIESU_TEST_REDIS_URL", "redis://127.0.0.1:6379/3")


def redis_reachable() -> bool:
    import redis

    try:
        return bool(redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2).ping())
    except Exception:
        return False


def get(url: str, timeout: float = 5.0):
    request = urllib.request.Request(url, headers={"X-Request-ID": "e2e-check-0001"})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, dict(exc.headers), exc.read()


def wait_for(condition, *, seconds: float, what: str, process: subprocess.Popen, log: Path):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(
                f"bin/serve stopped ({process.returncode}) waiting for {what}:\n{log.read_text()[-4000:]}"
            )
        try:
            value = condition()
        except Exception:
            value = None
        if value:
            return value
        time.sleep(0.5)
    raise AssertionError(f"timed out waiting for {what}:\n{log.read_text()[-4000:]}")


def test_gunicorn_worker_and_beat_send_a_warning_by_email_and_inbox(users, units, tmp_path):
    if connection.vendor != "postgresql":
        pytest.skip("end to end runs on PostgreSQL (bin/test's second pass): SQLite's test database is in memory")
    if not redis_reachable():
        if os.environ.get("CI") == "true":
            pytest.fail(f"Redis is required in CI at {REDIS_URL}")
        pytest.skip(f"Redis not reachable at {REDIS_URL}")

    handler = users["handler"]
    handler.email = "handler@fangzhuang.example"
    handler.save(update_fields=["email"])
    # An urgent order (4 natural hours to handle) dispatched 2.5 h ago: 62 % of its time is gone.
    started = timezone.now() - dt.timedelta(hours=2, minutes=30)
    order = make_order(users=users, urgency="urgent", at=started)
    services.dispatch(user=users["dispatcher"], order_id=order.pk, lead_unit=units["110106013"], at=started)

    s = connection.settings_dict
    port = free_port()
    with SmtpServer() as smtp:
        env = {
            **{k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DEBUG", "JIESU_", "EMAIL_"))},
            "DJANGO_SETTINGS_MODULE": "jiesu.settings",
            "DATABASE_URL": f"postgres://{s['USER']}@{s['HOST']}:{s['PORT'] or 5432}/{s['NAME']}",
            "REDIS_URL": REDIS_URL,
            "JIESU_REDIS_PREFIX": f"ops-e2e-{secrets.token_hex(4)}",
            "SECRET_KEY": secrets.token_urlsafe(50),
            "DEBUG": "0",
            "JIESU_HTTPS": "0",  # plain HTTP on loopback only
            "JIESU_SKIP_SETUP": "1",
            "JIESU_VAR_DIR": str(tmp_path / "var"),
            "JIESU_ADDR": f"127.0.0.1:{port}",
            "JIESU_WEB_WORKERS": "1",
            "JIESU_WEB_THREADS": "2",
            "JIESU_CELERY_CONCURRENCY": "1",
            "JIESU_TIMER_TICK_SECONDS": "2",
            "JIESU_BEAT_SCHEDULE": str(tmp_path / "beat-schedule"),
            "EMAIL_HOST": "127.0.0.1",
            "EMAIL_PORT": str(smtp.port),
            "LOG_LEVEL": "WARNING",
        }
        log = tmp_path / "serve.log"
        with log.open("w") as out:
            serve = subprocess.Popen(
                ["bin/serve"], cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
            )
        base = f"http://127.0.0.1:{port}"
        try:
            # The web answers with the production headers.
            status, headers, body = wait_for(
                lambda: get(f"{base}/login/"), seconds=240, what="gunicorn", process=serve, log=log
            )
            assert status == 200 and "登录" in body.decode()
            assert "Content-Security-Policy" in headers and headers["X-Request-ID"] == "e2e-check-0001"
            css = next(
                p
                for p in (tmp_path / "var" / "static" / "web").iterdir()
                if p.name.startswith("app.") and p.suffix == ".css"
            )
            assert get(f"{base}/static/web/{css.name}")[0] == 200  # whitenoise, hashed name
            assert get(f"{base}/no-such-page/")[0] == 404

            # The worker ran beat's ticks: the warning arrives by e-mail and in the inbox.
            mail = wait_for(
                lambda: [m for m in smtp.messages if "临期预警" in m["message"]["Subject"]],
                seconds=240,  # a liveness wait, not a speed check: a loaded 2-core host boots slowly
                what="the warning e-mail",
                process=serve,
                log=log,
            )
            assert mail[0]["to"] == ["handler@fangzhuang.example"]
            assert order.number in mail[0]["message"]["Subject"]
            inbox = Message.objects.get(kind="unit_warning", channel=Channel.INBOX, recipient=handler)
            assert "办理期限" in inbox.body
            health = wait_for(
                lambda: (lambda r: r if r[0] == 200 and b'"timers": {"status": "ok"' in r[2] else None)(
                    get(f"{base}/healthz")
                ),
                seconds=30,
                what="a healthy /healthz",
                process=serve,
                log=log,
            )
            assert b'"redis": {"status": "ok"' in health[2]
        finally:
            if serve.poll() is None:
                os.killpg(serve.pid, signal.SIGTERM)
                try:
                    serve.wait(30)
                except subprocess.TimeoutExpired:
                    os.killpg(serve.pid, signal.SIGKILL)
                    serve.wait(10)
            try:
                os.killpg(serve.pid, signal.SIGKILL)  # nothing of it may outlive the test
            except ProcessLookupError:
                pass
