from django.core.management.base import BaseCommand, CommandError

from jiesu.common.errors import DomainError
from jiesu.insights import forecasting, tablefiles

NO_GROUP = "（全部）"


class Command(BaseCommand):
    help = (
        "按时间列把任意 CSV/XLSX 文件聚合成各分组的诉求量序列，滚动起点回测 AutoETS 预测及其 80% 区间，"
        "与季节性朴素法（无完整季节时为上期值）比较；最后一行为 mase=… baseline_mase=… coverage80=… n_series=…"
    )

    def add_arguments(self, parser):
        parser.add_argument("--data", required=True, help="CSV（utf-8 / gb18030）或 XLSX 文件")
        parser.add_argument("--time-col", required=True, help="时间列")
        parser.add_argument("--group-col", default="", help="分组列（类别、街镇…）；缺省时整个文件为一个序列")
        parser.add_argument("--freq", default="M", help="D（日，预测未来28天）、W（周，4周）或 M（月，下月）；默认 M")
        parser.add_argument("--min-total", type=int, default=0, help="总量少于此数的分组不回测（列为跳过）")
        parser.add_argument(
            "--skip-bad-times", action="store_true", help="跳过时间为空或无法识别的行（报告行数），而不是报错"
        )

    def handle(self, *args, **opts):
        try:
            f = forecasting.freq(opts["freq"])
            group_col = opts["group_col"].strip()
            table = tablefiles.read(opts["data"], required=[opts["time_col"]], optional=[group_col])
            if opts["skip_bad_times"]:
                parsed = [tablefiles.parse_time(v) for v in table.values(opts["time_col"])]
                table.rows = [row for row, t in zip(table.rows, parsed, strict=True) if t is not None]
                dropped = len(parsed) - len(table.rows)
                if dropped:
                    self.stdout.write(f"跳过 {dropped} 行：列“{opts['time_col']}”为空或无法识别为时间")
                if len(table.rows) < 2:
                    raise CommandError("去掉无时间的行后不足 2 行数据")
            times = [t.date() for t in tablefiles.times(table, opts["time_col"])]
        except DomainError as exc:
            message = exc.message
            if exc.code == "bad_time":
                message += "（如需跳过这些行，加 --skip-bad-times）"
            raise CommandError(message) from exc
        keys = [v or "（空）" for v in table.values(group_col)] if group_col else [NO_GROUP] * len(times)
        series = forecasting.build_series(times, keys, f=f)
        small = {k for k, s in series.items() if s.values.sum() < opts["min_total"]}
        result = forecasting.backtest([s for k, s in sorted(series.items()) if k not in small], f=f)
        self.stdout.write(
            f"{len(times)} 行，{len(series)} 个分组，频度 {f.label}，每次预测 {f.horizon} 个{f.label}，"
            f"每个序列最多 {result.max_origins} 个滚动起点（超过 {f.max_windows} 个时，最早的至多 "
            f"{forecasting.CALIBRATION_WINDOWS} 个只用于校准区间，其余计分；{f.unbacktested_origins}）；"
            f"模型 AutoETS 与阻尼趋势 AutoETS 的平均，基准：季节性朴素法（季节 {f.season}，历史不足两季时为上期值）；"
            "80% 区间：归一化共形校准，分位水平按已过去窗口的漏覆盖率自适应调整"
        )
        self.stdout.write(f"{'分组':<16}{'期数':>6}{'窗口':>6}{'MASE':>9}{'基准MASE':>10}{'80%覆盖':>9}")
        for r in sorted(result.scored, key=lambda r: -r.n):
            coverage = f"{r.coverage:.3f}" if r.coverage is not None else "—"
            self.stdout.write(
                f"{r.key[:16]:<16}{r.n:>6}{len(r.windows):>6}{r.mase:>9.3f}{r.baseline_mase:>10.3f}{coverage:>9}"
            )
        skipped = [(k, f"总量{int(series[k].values.sum())} < {opts['min_total']}") for k in sorted(small)]
        skipped += [(r.key, r.skipped) for r in result.skipped]
        if skipped:
            self.stdout.write(f"跳过 {len(skipped)} 个分组：")
            for key, why in skipped:
                self.stdout.write(f"  {key}：{why}")
        if not result.scored:
            raise CommandError("没有可回测的序列（全部太短或恒定）")
        s = result.summary()
        self.stdout.write(
            f"mase={s['mase']:.4f} baseline_mase={s['baseline_mase']:.4f} "
            f"coverage80={s['coverage80']:.4f} n_series={s['n_series']}"
        )
