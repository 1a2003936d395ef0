"""Benchmark: point → grid with 1,000 grids (target ≤ 1 ms median).

    .venv/bin/python bench/grids.py                 # 1,000 grids, 20,000 points
    .venv/bin/python bench/grids.py --grids 5000

Builds `--grids` grids as a Voronoi tiling of the 丰台 district outline (WGS-84, like Unit and
Grid boundaries), plus a second overlapping layer of the same size (a department's grids), into
jiesu.grids.lookup's STRtree index — the index the API and services query — and times single
point lookups (each call one `grids_at`, as a request does) at random points in the district's
bounding box. Prints the build time, median and p95 per lookup, and how many points hit grids.
No database: the index is built from rows shaped like `Grid.objects.values_list(...)`."""

import argparse
import json
import os
import random
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--grids", type=int, default=1000)
    parser.add_argument("--points", type=int, default=20000)
    args = parser.parse_args()

    from shapely import voronoi_polygons
    from shapely.geometry import MultiPoint, Point, mapping

    from jiesu.common import geo
    from jiesu.grids.lookup import build

    outline = json.loads((ROOT / "data/org/fengtai_outline.geojson").read_text(encoding="utf-8"))
    district = geo.geometry_of(geo.transform_geojson(outline, crs=geo.GCJ02)).buffer(0)
    minx, miny, maxx, maxy = district.bounds
    rng = random.Random(17)

    def tiling(n):
        seeds = []
        while len(seeds) < n:
            p = Point(rng.uniform(minx, maxx), rng.uniform(miny, maxy))
            if district.contains(p):
                seeds.append(p)
        cells = voronoi_polygons(MultiPoint(seeds), extend_to=district)
        return [c.intersection(district) for c in cells.geoms]

    rows = []
    for layer in (1, 2):
        for i, cell in enumerate(tiling(args.grids)):
            if not cell.is_empty:
                rows.append((len(rows) + 1, layer, f"L{layer}-{i}", f"网格{i}", None, mapping(cell)))
    vertices = sum(len(json.dumps(r[5])) for r in rows) // 1000
    started = time.perf_counter()
    index = build(rows)
    build_s = time.perf_counter() - started

    points = [(rng.uniform(miny, maxy), rng.uniform(minx, maxx)) for _ in range(args.points)]
    times, hits = [], 0
    for lat, lng in points:
        t0 = time.perf_counter()
        found = index.at(lat=lat, lng=lng)
        times.append(time.perf_counter() - t0)
        hits += bool(found)
    times.sort()
    load = os.getloadavg()
    print(f"grids: {args.grids} per layer × 2 layers = {len(rows)} polygons (~{vertices} k chars of GeoJSON)")
    print(f"index build: {build_s * 1000:.0f} ms")
    print(
        f"lookup: median {statistics.median(times) * 1e6:.0f} µs, p95 {times[int(len(times) * 0.95)] * 1e6:.0f} µs, "
        f"max {times[-1] * 1e6:.0f} µs over {len(times)} points ({hits} inside grids)"
    )
    print(f"machine load (1/5/15 min): {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}")


if __name__ == "__main__":
    main()
