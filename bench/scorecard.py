"""Benchmark of the monthly review's street scorecard and of importing indicator values.

    .venv/bin/python bench/scorecard.py                       # SQLite (var/bench_scorecard.sqlite3, fresh)
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/jiesu_scorecard_bench .venv/bin/python bench/scorecard.py

1. Values: 26 streets × `--indicators` (20) indicators × 24 months ending `--end`, plus the months of
   the first year before them (the year to date reads them), written as imported values; leader
   comments at the two last meetings.
2. The whole scorecard page (`GET /scorecard/<month>/`: every street's card, the overview matrix,
   the 24-month trend of each street, speakers, follow-ups) through the Django test client,
   `--repeat` times: median and p95. Also the board alone (selectors.board) and the pack's section
   (HTML), and one whole review pack (HTML + PDF + Excel) for the month.
3. Importing 10,000 values from a CSV (`import_file`), again (all unchanged), and with --replace
   after changing every value.

The indicator tables of the database named by DATABASE_URL are emptied first: never point it at real
data. Figures are printed with the load average (the machine is shared)."""

import argparse
import csv
import datetime as dt
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "jiesu.test_settings")  # DEBUG off, throw-away SECRET_KEY


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def figures(label: str, seconds: list[float]) -> None:
    ms = [s * 1000 for s in seconds]
    print(f"{label}: median {statistics.median(ms):.0f} ms, p95 {p95(ms):.0f} ms, max {max(ms):.0f} ms (n={len(ms)})")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--indicators", type=int, default=20, help="street indicators on the board (≤ 22)")
    parser.add_argument("--end", default="2026-11", help="the meeting's month YYYY-MM")
    parser.add_argument("--repeat", type=int, default=40)
    parser.add_argument("--import-rows", type=int, default=10_000)
    parser.add_argument("--skip-pack", action="store_true", help="skip generating a whole review pack")
    args = parser.parse_args()
    if "DATABASE_URL" not in os.environ:
        path = ROOT / "var" / "bench_scorecard.sqlite3"
        path.unlink(missing_ok=True)
        os.environ["DATABASE_URL"] = f"sqlite:///{path}"

    import django

    django.setup()
    import yaml
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.test.utils import setup_test_environment

    from jiesu.common.months import parse_month
    from jiesu.indicators import demo, selectors
    from jiesu.indicators.models import (
        CatalogueVersion,
        FollowUpItem,
        FollowUpNote,
        ImportBatch,
        IndicatorValue,
        Origin,
        ReviewComment,
        ValueRevision,
    )
    from jiesu.indicators.services import import_file, record_comment, save_catalogue_version
    from jiesu.indicators.standings import month_add
    from jiesu.org.models import Role, Unit
    from jiesu.org.services import create_user

    setup_test_environment()  # the test client needs it; the page itself renders as in production
    call_command("migrate", verbosity=0)
    call_command("load_reference", verbosity=0)
    call_command("load_assessment_rules", verbosity=0)
    for model in (
        FollowUpNote,
        FollowUpItem,
        ReviewComment,
        ValueRevision,
        IndicatorValue,
        ImportBatch,
        CatalogueVersion,
    ):
        model.objects.all().delete()

    # A catalogue of the first N street indicators of the shipped one (same rules otherwise).
    shipped = yaml.safe_load((ROOT / "data" / "indicators" / "catalogue-fengtai-2024.yaml").read_text(encoding="utf-8"))
    doc = shipped["catalogue"]
    street = [i for i in doc["indicators"] if "street" in i.get("kinds", ["street"])]
    others = [i for i in doc["indicators"] if "street" not in i.get("kinds", ["street"])]
    chosen = street[: args.indicators]
    if not any(i["code"] == doc["speakers"]["basis"] for i in chosen):
        doc["speakers"]["basis"] = "overall"
    doc["indicators"] = chosen + others
    save_catalogue_version(version=f"bench-{args.indicators}", name="基准测试", effective_from="2020-01", document=doc)

    end = parse_month(args.end)
    months = [month_add(end, -k) for k in range(23, -1, -1)]
    first = dt.date(months[0].year, 1, 1)
    all_months = [first]
    while all_months[-1] < end:
        all_months.append(month_add(all_months[-1], 1))
    streets = list(Unit.objects.filter(kind__in=("street", "town"), is_active=True).order_by("sort_order"))
    params = yaml.safe_load(demo.DEMO_FILE.read_text(encoding="utf-8"))["indicators"]
    t0 = time.perf_counter()
    rows = []
    for spec in chosen:
        for unit in streets:
            values = demo.series(code=spec["code"], params=params[spec["code"]], unit_code=unit.code, months=all_months)
            for month, value in values.items():
                rows.append(
                    IndicatorValue(
                        indicator=spec["code"],
                        unit=unit,
                        month=month,
                        value=value,
                        origin=Origin.IMPORT,
                        source="基准测试",
                    )  # fmt: skip
                )
    IndicatorValue.objects.bulk_create(rows, batch_size=5000)
    print(
        f"values: {len(streets)} streets × {len(chosen)} indicators × {len(all_months)} months "
        f"({months[0]:%Y-%m}…{end:%Y-%m}, the trend's 24 plus the first year's earlier months) = {len(rows)} "
        f"in {time.perf_counter() - t0:.1f} s; database: {connection.vendor}"
    )
    leader = create_user(username="bench_leader", password="x", role=Role.DISTRICT_LEADER,
                         unit=Unit.objects.get(code="110106"), display_name="领导")  # fmt: skip
    for meeting in (month_add(end, -1), end):
        for unit in streets[:4]:
            record_comment(month=meeting, unit=unit, text="基准测试点评意见", requirement="基准测试整改要求",
                           user=leader, due=dt.date(2099, 1, 1), is_demo=True)  # fmt: skip

    print(f"load average at start: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    client = Client()
    client.force_login(leader)
    url = f"/scorecard/{end:%Y-%m}/"
    first_response = client.get(url)
    assert first_response.status_code == 200, first_response.status_code
    page = first_response.content.decode()
    assert page.count('class="unitcard') == len(streets), "every street's card on the page"
    page_times, page_cpu, board_times, pack_times = [], [], [], []
    for _ in range(args.repeat):
        t, c = time.perf_counter(), time.process_time()
        response = client.get(url)
        page_times.append(time.perf_counter() - t)
        page_cpu.append(time.process_time() - c)
        assert response.status_code == 200
    figures(f"whole scorecard page ({len(streets)} streets × {len(chosen)} indicators × 24 months)", page_times)
    figures("  the same, CPU time of this process (without waiting for the shared cores)", page_cpu)
    for _ in range(args.repeat):
        t = time.perf_counter()
        selectors.board(month=end)
        board_times.append(time.perf_counter() - t)
    figures("board alone (one query, ranks, drafting, comments)", board_times)

    from django.template.loader import render_to_string

    class _Review:  # what the pack's section template reads
        pass

    for _ in range(max(5, args.repeat // 4)):
        t = time.perf_counter()
        review = _Review()
        review.street_scorecard = selectors.pack_scorecard(month=end)
        html = render_to_string("indicators/_pack_section.html", {"review": review})
        pack_times.append(time.perf_counter() - t)
    figures("review pack section (HTML of the 26 street sections)", pack_times)
    print(f"  section size: {len(html) // 1024} KB; page size: {len(page) // 1024} KB")

    if not args.skip_pack:
        from jiesu.reports.services import generate_review_pack

        t = time.perf_counter()
        pack = generate_review_pack(month=end)
        print(f"whole review pack (HTML + PDF {pack.pdf_pages} pages + Excel): {time.perf_counter() - t:.1f} s")

    # ---- import 10,000 values
    importable = [
        i for i in doc["indicators"] if not selectors.has_provider(selectors.catalogue_for(end).get(i["code"]))
    ]
    importable = [i for i in importable if "street" in i.get("kinds", ["street"])]
    IndicatorValue.objects.filter(indicator__in=[i["code"] for i in importable]).delete()
    span = [month_add(end, -k) for k in range(59, -1, -1)]
    path = ROOT / "var" / "bench_scorecard_import.csv"
    written = 0
    with path.open("w", encoding="utf-8-sig", newline="") as fh:
        out = csv.writer(fh)
        out.writerow(["指标", "单位", "月份", "数值", "来源"])
        for month in reversed(span):
            for spec in importable:
                series = demo.series(code=spec["code"], params=params[spec["code"]], unit_code="x", months=[month])
                for unit in streets:
                    if written < args.import_rows:
                        value = round(series[month] * (0.97 + 0.005 * (unit.sort_order % 7)), 4)
                        value = round(value) if spec.get("integer") else value
                        out.writerow([spec["name"], unit.name, f"{month:%Y-%m}", value, "基准测试"])
                        written += 1
    load = os.getloadavg()[0]
    t = time.perf_counter()
    outcome = import_file(path=path)
    first_import = time.perf_counter() - t
    assert outcome.batch.created == written and not outcome.problems, (outcome.batch.created, outcome.problems[:3])
    print(
        f"import {written} values ({len(importable)} indicators, {len(streets)} streets): {first_import:.2f} s, "
        f"{written / first_import:.0f} values/s (load {load:.1f})"
    )
    t = time.perf_counter()
    again = import_file(path=path)
    print(f"re-import, all unchanged ({again.batch.unchanged}): {time.perf_counter() - t:.2f} s")
    changed = path.with_name("bench_scorecard_import_changed.csv")
    with path.open(encoding="utf-8-sig") as src, changed.open("w", encoding="utf-8-sig", newline="") as dst:
        reader, out = csv.reader(src), csv.writer(dst)
        out.writerow(next(reader))
        integers = {i["name"] for i in importable if i.get("integer")}
        for row in reader:
            changed_value = float(row[3]) + 1 if row[0] in integers else round(float(row[3]) * 0.99, 4)
            out.writerow([*row[:3], changed_value, row[4]])
    t = time.perf_counter()
    replaced = import_file(path=changed, replace=True)
    print(f"import with --replace, every value changed ({replaced.batch.replaced}): {time.perf_counter() - t:.2f} s")
    print(f"load average at end: {os.getloadavg()[0]:.1f}")
    path.unlink()
    changed.unlink()


if __name__ == "__main__":
    main()
