"""python manage.py run_timers [--once] [--now ISO] [--only NAME …] [--interval S] [--list]

The embedded default's timer process (bin/start runs it beside the web server): ticks every
--interval seconds until stopped (SIGTERM/SIGINT end it after the running tick). --now runs one tick
as if it were that moment (a clock for trying out timers; slots are claimed as for real)."""

import datetime as dt
import signal
import time

from django.core.management.base import BaseCommand, CommandError
from django.db import close_old_connections
from django.utils import timezone

from jiesu.timers import registry, services


class Command(BaseCommand):
    help = "运行定时任务（临期预警、超期督办、回访提醒、夜间核对、月度点评材料等）"

    def add_arguments(self, parser):
        parser.add_argument("--once", action="store_true", help="只运行一轮")
        parser.add_argument("--now", help="以此时刻运行一轮（ISO 格式，带时区），用于演练")
        parser.add_argument("--only", action="append", help="只运行指定的定时任务（可重复）")
        parser.add_argument("--interval", type=float, default=30.0, help="两轮之间的秒数（默认 30）")
        parser.add_argument("--list", action="store_true", help="列出已注册的定时任务")

    def handle(self, *args, **opts):
        if opts["list"]:
            for name, timer in registry.all_timers().items():
                self.stdout.write(f"{name:40} {timer.schedule.describe():16} {timer.label}")
            return
        if opts["interval"] <= 0:
            raise CommandError("--interval 须为正数（秒）")
        for name in opts["only"] or []:
            try:
                registry.get(name)
            except KeyError as exc:
                raise CommandError(str(exc.args[0])) from None
        now = None
        if opts["now"]:
            try:
                now = dt.datetime.fromisoformat(opts["now"])
            except ValueError:
                raise CommandError("--now 须为 ISO 格式的时刻，例如 2027-01-04T10:00+08:00") from None
            if timezone.is_naive(now):
                raise CommandError("--now 须带时区，例如 2027-01-04T10:00+08:00")
        if opts["once"] or now is not None:
            self._tick(now, opts["only"], long_running=False)
            return
        stop = {"requested": False}

        def request_stop(*_):
            stop["requested"] = True

        signal.signal(signal.SIGTERM, request_stop)
        signal.signal(signal.SIGINT, request_stop)
        self.stdout.write(f"定时任务进程已启动（每 {opts['interval']:g} 秒一轮；Ctrl+C 停止）")
        while not stop["requested"]:
            self._tick(None, opts["only"], long_running=True)
            waited = 0.0
            while waited < opts["interval"] and not stop["requested"]:
                time.sleep(0.2)
                waited += 0.2
        self.stdout.write("定时任务进程已停止")

    def _tick(self, now, only, *, long_running: bool):
        # A long-running process gives its connection back between ticks, as a request would.
        if long_running:
            close_old_connections()
        try:
            runs = services.tick(now=now, only=only, source="run_timers")
        finally:
            if long_running:
                close_old_connections()
        for run in runs:
            self.stdout.write(f"{run.timer} {run.slot}: {run.get_status_display()} {run.result or run.error[-200:]}")
