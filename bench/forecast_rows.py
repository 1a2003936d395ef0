"""The forecast table of docs/insights.md §3: `backtest_forecast` on the 10 real rows (../shared/data),
one line per row — MASE, baseline MASE, 80 % coverage, series, seconds — and the machine load.

    .venv/bin/python bench/forecast_rows.py              # all 10 rows, one after the other
    .venv/bin/python bench/forecast_rows.py -j 2         # two rows at a time
    .venv/bin/python bench/forecast_rows.py --only hk_w_c1 t4_m
    .venv/bin/python bench/forecast_rows.py --held-out      # 9 other rows, never used to choose a rule

Each row runs the real command in its own process (manage.py, test settings: no database is used)."""

import argparse
import os
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DATA = Path(os.environ.get("JIESU_SHARED_DATA", ROOT.parent / "shared" / "data"))
HK = DATA / "haikou12345" / "orders.csv"
TIPDM = DATA / "tipdm2020c"

# name → (label, command arguments)
ROWS = {
    "hk_d_c1": ("Haikou daily by 行业分类1级", ["--data", HK, "--time-col", "日期", "--group-col", "行业分类1级", "--freq", "D"]),
    "hk_d_c2": ("Haikou daily by 行业分类2级", ["--data", HK, "--time-col", "日期", "--group-col", "行业分类2级", "--freq", "D"]),
    "hk_d": ("Haikou daily total", ["--data", HK, "--time-col", "日期", "--freq", "D"]),
    "hk_w_c1": ("Haikou weekly by 行业分类1级", ["--data", HK, "--time-col", "日期", "--group-col", "行业分类1级", "--freq", "W"]),
    "t3_d": ("TipDM 附件3 daily", ["--data", TIPDM / "attachment3_hot_issues.csv", "--time-col", "留言时间_iso", "--freq", "D"]),
    "t3_w": ("TipDM 附件3 weekly", ["--data", TIPDM / "attachment3_hot_issues.csv", "--time-col", "留言时间_iso", "--freq", "W"]),
    "t4_m": ("TipDM 附件4 monthly", ["--data", TIPDM / "attachment4_replies.csv", "--time-col", "留言时间_iso", "--freq", "M"]),
    "t4_w": ("TipDM 附件4 weekly", ["--data", TIPDM / "attachment4_replies.csv", "--time-col", "留言时间_iso", "--freq", "W"]),
    "test_m": ("TipDM test set monthly", ["--data", TIPDM / "attachment2_official_testset_unlabeled.csv", "--time-col", "留言时间_iso", "--freq", "M"]),
    "t2_m": ("TipDM 附件2 monthly by 一级标签", ["--data", TIPDM / "attachment2_raw_partial.csv", "--time-col", "留言时间", "--group-col", "一级标签", "--freq", "M", "--skip-bad-times"]),
}  # fmt: skip

# Other groupings and frequencies of the same files, kept apart: the backtest's rules (calibrating
# origins, γ, the dormant and `min_active` rules) were chosen on ROWS, and these rows check that
# they carry over (docs/insights.md §3).
HELD_OUT = {
    "hk_d_unit": ("Haikou daily by 处置单位", ["--data", HK, "--time-col", "日期", "--group-col", "处置单位_归一", "--freq", "D"]),
    "hk_w_unit": ("Haikou weekly by 处置单位", ["--data", HK, "--time-col", "日期", "--group-col", "处置单位_归一", "--freq", "W"]),
    "hk_w_c2": ("Haikou weekly by 行业分类2级", ["--data", HK, "--time-col", "日期", "--group-col", "行业分类2级", "--freq", "W"]),
    "hk_d_code": ("Haikou daily by 单位类别码", ["--data", HK, "--time-col", "日期", "--group-col", "单位类别码", "--freq", "D"]),
    "t2_w": ("TipDM 附件2 weekly by 一级标签", ["--data", TIPDM / "attachment2_raw_partial.csv", "--time-col", "留言时间", "--group-col", "一级标签", "--freq", "W", "--skip-bad-times"]),
    "t2_d": ("TipDM 附件2 daily by 一级标签", ["--data", TIPDM / "attachment2_raw_partial.csv", "--time-col", "留言时间", "--group-col", "一级标签", "--freq", "D", "--skip-bad-times"]),
    "t4_d": ("TipDM 附件4 daily", ["--data", TIPDM / "attachment4_replies.csv", "--time-col", "留言时间_iso", "--freq", "D"]),
    "test_w": ("TipDM test set weekly", ["--data", TIPDM / "attachment2_official_testset_unlabeled.csv", "--time-col", "留言时间_iso", "--freq", "W"]),
    "test_d": ("TipDM test set daily", ["--data", TIPDM / "attachment2_official_testset_unlabeled.csv", "--time-col", "留言时间_iso", "--freq", "D"]),
}  # fmt: skip
ALL_ROWS = {**ROWS, **HELD_OUT}


def run(name: str) -> tuple[str, dict, float]:
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "jiesu.test_settings"}
    args = [sys.executable, str(ROOT / "manage.py"), "backtest_forecast", *map(str, ALL_ROWS[name][1])]
    started = time.perf_counter()
    out = subprocess.run(args, env=env, cwd=ROOT, capture_output=True, text=True, check=False)
    seconds = time.perf_counter() - started
    if out.returncode:
        raise SystemExit(f"{name}: {out.stderr.strip()[-2000:]}")
    last = out.stdout.strip().splitlines()[-1]
    return name, {k: float(v) for k, v in (part.split("=") for part in last.split())}, seconds


def load() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--only", nargs="*", choices=list(ALL_ROWS), help="these rows only")
    p.add_argument("--held-out", action="store_true", help="the held-out rows instead of the 10 of the docs' table")
    p.add_argument("-j", "--jobs", type=int, default=1)
    args = p.parse_args()
    names = args.only or list(HELD_OUT if args.held_out else ROWS)
    jobs = args.jobs
    print(f"load before: {load()}")
    print(f"{'row':<9}{'mase':>8}{'base':>8}{'cov80':>8}{'series':>7}{'s':>6}  data")
    in_band = 0
    with ThreadPoolExecutor(max_workers=jobs) as pool:
        for name, v, seconds in pool.map(run, names):
            ok = 0.75 <= v["coverage80"] <= 0.85
            in_band += ok
            flag = "" if v["mase"] < v["baseline_mase"] else "  MASE ≥ baseline"
            print(
                f"{name:<9}{v['mase']:>8.4f}{v['baseline_mase']:>8.4f}{v['coverage80']:>8.3f}{'' if ok else '*'}"
                f"{int(v['n_series']):>6}{seconds:>6.0f}  {ALL_ROWS[name][0]}{flag}",
                flush=True,
            )
    print(f"coverage within 75–85 %: {in_band} of {len(names)} rows (* = outside); load after: {load()}")


if __name__ == "__main__":
    main()
