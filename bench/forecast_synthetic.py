"""80 % interval coverage of the forecast backtest on seeded synthetic counts that no tuning saw:
4 kinds (steady, trending, a level shift, over-dispersed) × monthly (72 months) and weekly (160
weeks), 12 series each with a random level of 5–200 a period and a yearly cycle. Each kind is
backtested once (the forecasts, today's origins), then calibrated four ways: the calibration of
before 2026-12-01 (no calibration-only origins, fixed level), the adaptive level only (γ =
ACI_STEP), calibration-only origins only, and both (the current calibration).

    .venv/bin/python bench/forecast_synthetic.py [--seed 2026] [--series 12]"""

import argparse
import copy
import datetime as dt
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "jiesu.test_settings")

import numpy as np  # noqa: E402

from jiesu.insights import forecasting as fc  # noqa: E402

KINDS = ("steady", "trend", "shift", "overdispersed")


def counts(rng, kind: str, n: int, season: int) -> np.ndarray:
    t = np.arange(n)
    mean = rng.uniform(5, 200) * (1 + 0.25 * np.sin(2 * np.pi * t / season + rng.uniform(0, 6)))
    if kind == "trend":
        mean = mean * (1 + rng.uniform(0.3, 1.5) * t / n)
    elif kind == "shift":
        mean = mean * np.where(t > n * rng.uniform(0.5, 0.8), rng.uniform(1.4, 2.0), 1)
    elif kind == "overdispersed":
        mean = mean * rng.gamma(4, 1 / 4, n)
    return rng.poisson(mean).astype(float)


def coverage(results, *, f, extra: bool, aci_step: float) -> float:
    results = copy.deepcopy(results)
    for r in results:
        r.covered = []
        if not extra:
            r.calibration = []
    fc.calibrate(results, horizon=f.horizon, aci_step=aci_step)
    return float(np.mean([c for r in results for c in r.covered]))


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--seed", type=int, default=2026)
    p.add_argument("--series", type=int, default=12)
    args = p.parse_args()
    rng = np.random.default_rng(args.seed)
    print(f"load before: {' '.join(Path('/proc/loadavg').read_text().split()[:3])}")
    ways = {
        "before": (False, 0.0),
        "ACI only": (False, fc.ACI_STEP),
        "origins only": (True, 0.0),
        "both (now)": (True, fc.ACI_STEP),
    }
    print(f"{'freq':<5}{'kind':<14}" + "".join(f"{w:>14}" for w in ways) + f"{'scored':>8}{'s':>6}")
    off = {w: [] for w in ways}
    for code, n in (("M", 72), ("W", 160)):
        f = fc.FREQS[code]
        for kind in KINDS:
            started = time.perf_counter()
            series = [
                fc.Series(
                    key=f"{kind}{i}", start=dt.date(2018, 1, 1), values=counts(rng, kind, n, 12 if code == "M" else 52)
                )
                for i in range(args.series)
            ]
            results = [fc.backtest_series(s, f=f) for s in series]
            row = {w: coverage(results, f=f, extra=e, aci_step=g) for w, (e, g) in ways.items()}
            for w, c in row.items():
                off[w].append(abs(c - fc.COVERAGE))
            points = sum(len(r.windows) - (0 if r.calibration else 1) for r in results) * f.horizon
            print(
                f"{code:<5}{kind:<14}" + "".join(f"{c:>14.3f}" for c in row.values())
                + f"{points:>8}{time.perf_counter() - started:>6.0f}",
                flush=True,
            )  # fmt: skip
    print(f"{'mean |coverage − 0.8|':<19}" + "".join(f"{np.mean(v):>14.3f}" for v in off.values()))
    print(f"load after: {' '.join(Path('/proc/loadavg').read_text().split()[:3])}")


if __name__ == "__main__":
    main()
