"""Speed and memory of smart dispatch, and the quality of duplicate detection on labelled pairs.

    .venv/bin/python bench/dispatch.py [--orders 300] [--batch 2000]

Runs on a private, temporary SQLite database (migrated, reference data loaded), with the current
trained classifier (var/models/CURRENT, or JIESU_CLASSIFIER_PATH). Prints:
- classifier load time and resident-memory growth;
- latency of one recommendation (category + 七有/五性 + locating + routing + duplicate check), median
  and p95 over real citizen messages with Fengtai addresses, and of its parts;
- the same through the service that also stores the Recommendation row;
- throughput of batch classification (texts per second);
- duplicate detection: precision/recall on data/dispatch/duplicate_pairs.csv, threshold chosen on the
  even-numbered pairs (dev) and reported on the odd-numbered ones (test), plus at the shipped threshold.
"""

from __future__ import annotations

import argparse
import csv
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "jiesu.test_settings")  # DEBUG off, throw-away SECRET_KEY
# jiesu.settings runs with DEBUG off unless told; a benchmark needs no real secret and no HTTPS.
os.environ.setdefault("SECRET_KEY", "bench-only-not-a-secret")
os.environ.setdefault("JIESU_HTTPS", "0")
os.environ["JIESU_VAR_DIR"] = tempfile.mkdtemp(prefix="jiesu-bench-dispatch-")
os.environ.pop("DATABASE_URL", None)

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402

SHARED = Path(settings.SHARED_DIR) / "data" / "tipdm2020c"


def rss_mb() -> float:
    with open("/proc/self/statm") as fh:
        return int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def pct(values: list[float], q: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(round(q * (len(values) - 1))))]


def ms(values: list[float]) -> str:
    return f"median {statistics.median(values) * 1000:.2f} ms, p95 {pct(values, 0.95) * 1000:.2f} ms (n={len(values)})"


def load_model():
    from jiesu.dispatch.classifier import load_classifier

    # The model lives in the worktree's var/, not in the temporary var/ of this run.
    if not os.environ.get("JIESU_CLASSIFIER_PATH"):
        pointer = ROOT / "var" / "models" / "CURRENT"
        if not pointer.exists():
            sys.exit("没有训练好的分类模型：先运行 python manage.py train_classifier")
        version = pointer.read_text(encoding="utf-8").strip()
        os.environ["JIESU_CLASSIFIER_PATH"] = str(ROOT / "var" / "models" / f"classifier-{version}.joblib")
    before = rss_mb()
    t0 = time.perf_counter()
    clf = load_classifier()
    load_s = time.perf_counter() - t0
    clf.predict_proba(["预热"])  # jieba builds its dictionary on first use
    return clf, load_s, rss_mb() - before, time.perf_counter() - t0


def messages(limit: int) -> list[tuple[str, str]]:
    rows = []
    with (SHARED / "attachment2_raw_partial.csv").open(encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            title = row["留言主题"].strip()
            body = (row["留言详情"] or row["text"]).strip()
            if title and body:
                rows.append((title, body))
    random.Random(7).shuffle(rows)
    return rows[:limit]


def fengtai_addresses() -> list[str]:
    import yaml

    spec = yaml.safe_load((ROOT / "data" / "dispatch" / "gazetteer.yaml").read_text(encoding="utf-8"))
    names = [n for s in spec["streets"].values() for n in s.get("communities", []) + s.get("landmarks", [])]
    rng = random.Random(11)
    return [f"北京市丰台区{rng.choice(names)}{rng.randint(1, 20)}号楼" for _ in range(1000)]


def bench_recommendation(clf, n_orders: int) -> None:
    from jiesu.dispatch import locator, recommend, router, services
    from jiesu.org.models import Role, Unit
    from jiesu.org.services import create_user
    from jiesu.workorders import services as workorders
    from jiesu.workorders.duplicates import find_similar

    agent = create_user(
        username="bench-agent", password="x-bench-1", role=Role.AGENT, unit=Unit.objects.get(code="110106-JSJB")
    )
    addresses = fengtai_addresses()
    orders = []
    for i, (title, body) in enumerate(messages(n_orders)):
        order, _ = workorders.create_order(
            user=agent, title=title[:200], content=body[:4000], address=addresses[i], requester_phone=f"139{i:08d}"
        )
        orders.append(order)
    # Warm the process-wide caches (gazetteer, routing data) as a running server would have them.
    recommend.build(order=orders[0], classifier=clf)

    full, full_cpu, classify, classify_cpu, locate, route, dups = [], [], [], [], [], [], []
    data = router.cache.get()
    for order in orders:
        text = f"{order.title}\n{order.content}"
        t0, c0 = time.perf_counter(), time.process_time()
        recommend.build(order=order, classifier=clf)
        full.append(time.perf_counter() - t0)
        full_cpu.append(time.process_time() - c0)
        t0, c0 = time.perf_counter(), time.process_time()
        clf.predict_proba([text])
        classify.append(time.perf_counter() - t0)
        classify_cpu.append(time.process_time() - c0)
        t0 = time.perf_counter()
        found = locator.locate(address=order.address)
        locate.append(time.perf_counter() - t0)
        street = data.units.get(found.street_id)
        t0 = time.perf_counter()
        router.route(category=data.by_path["城乡建设"], street=street, data=data)
        route.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        find_similar(
            content=text,
            address=order.address,
            requester_phone=order.requester_phone,
            now=order.received_at,
            exclude_id=order.pk,
        )
        dups.append(time.perf_counter() - t0)
    located = sum(1 for o in orders if locator.locate(address=o.address).known)
    print(f"一次推荐（分类+七有五性+定位+路由+查重，不写库）: {ms(full)}")
    print(f"  同上，本进程 CPU 时间（不受其他进程抢占影响）: {ms(full_cpu)}")
    print(f"  其中 分类: {ms(classify)}；CPU 时间 {ms(classify_cpu)}")
    print(f"  其中 地址定位: {ms(locate)}；合成丰台地址定位成功 {located}/{len(orders)}")
    print(f"  其中 权责路由: {ms(route)}")
    print(f"  其中 重复件查询(SQLite): {ms(dups)}")
    stored = []
    for order in orders[:100]:
        t0 = time.perf_counter()
        services.recommend_order(order_id=order.pk, classifier=clf)
        stored.append(time.perf_counter() - t0)
    print(f"推荐服务（含读取工单、写入推荐记录）: {ms(stored)}")


def bench_batch(clf, n: int) -> None:
    texts = [f"{t}\n{b}" for t, b in messages(n)]
    t0 = time.perf_counter()
    clf.predict_proba(texts)
    took = time.perf_counter() - t0
    print(f"批量分类: {len(texts)} 条 {took:.2f} s → {len(texts) / took:.0f} 条/秒")


def bench_duplicates() -> None:
    from jiesu.workorders.duplicates import PLACE_THRESHOLD, REQUESTER_THRESHOLD, text_similarity

    texts = {}
    for name in ("attachment3_hot_issues.csv", "attachment4_replies.csv"):
        with (SHARED / name).open(encoding="utf-8") as fh:
            for row in csv.DictReader(fh):
                texts.setdefault((name[:11], row["留言编号"]), row["留言主题"] + row["留言详情"])
    with (ROOT / "data" / "dispatch" / "duplicate_pairs.csv").open(encoding="utf-8") as fh:
        pairs = list(csv.DictReader(fh))
    scored = [
        (
            int(p["pair"]),
            text_similarity(texts[(p["a_file"], p["a_id"])], texts[(p["b_file"], p["b_id"])]),
            p["label"] == "1",
            p["labelled_by"],
        )
        for p in pairs
    ]

    def prf(rows, threshold):
        tp = sum(1 for _, s, y, _ in rows if s >= threshold and y)
        fp = sum(1 for _, s, y, _ in rows if s >= threshold and not y)
        fn = sum(1 for _, s, y, _ in rows if s < threshold and y)
        p = tp / (tp + fp) if tp + fp else 0.0
        r = tp / (tp + fn) if tp + fn else 0.0
        return p, r, (2 * p * r / (p + r) if p + r else 0.0)

    dev = [x for x in scored if x[0] % 2 == 0]
    test = [x for x in scored if x[0] % 2 == 1]
    grid = [round(0.2 + 0.05 * i, 2) for i in range(13)]
    best = max(grid, key=lambda t: (prf(dev, t)[2], t))
    pos = sum(1 for x in scored if x[2])
    print(
        f"重复件标注对: {len(scored)} 对（正例 {pos}，其中全文相同 {sum(1 for x in scored if x[3] == 'exact_text')}）"
    )
    p, r, f = prf(dev, best)
    print(f"  开发集(偶数号 {len(dev)} 对) 选阈值 {best:.2f}: P={p:.3f} R={r:.3f} F1={f:.3f}")
    p, r, f = prf(test, best)
    print(f"  测试集(奇数号 {len(test)} 对) 阈值 {best:.2f}: P={p:.3f} R={r:.3f} F1={f:.3f}")
    hand = [x for x in test if x[3] == "hand"]
    p, r, f = prf(hand, best)
    print(f"  测试集去掉全文相同对({len(hand)} 对): P={p:.3f} R={r:.3f} F1={f:.3f}")
    for name, value in (("REQUESTER_THRESHOLD", REQUESTER_THRESHOLD), ("PLACE_THRESHOLD", PLACE_THRESHOLD)):
        p, r, f = prf(test, value)
        print(f"  代码中的阈值 {name}={value} 测试集: P={p:.3f} R={r:.3f} F1={f:.3f}")
    print("  开发集各阈值 F1: " + " ".join(f"{t:.2f}:{prf(dev, t)[2]:.3f}" for t in grid))


def bench_same_place(days: int = 7) -> None:
    """Different requesters, same place: data/dispatch/same_place_pairs.csv scored through find_similar."""
    from jiesu.intake.dupeval import load_messages, precision_recall, score_pairs_through_find_similar
    from jiesu.workorders.duplicates import PLACE_THRESHOLD

    messages = load_messages(SHARED / "attachment3_hot_issues.csv")
    with (ROOT / "data" / "dispatch" / "same_place_pairs.csv").open(encoding="utf-8") as fh:
        pairs = list(csv.DictReader(fh))
    covered = sum(1 for m in messages.values() if m.address)
    print(f"同地点重复件: 附件3 {len(messages)} 条留言，规则抽出地址 {covered} 条（{covered / len(messages):.1%}）")
    scores = score_pairs_through_find_similar([(p["a_id"], p["b_id"]) for p in pairs], messages, days=days)
    labels = [p["label"] == "1" for p in pairs]
    dev = [i for i, p in enumerate(pairs) if int(p["pair"]) % 2 == 0]
    test = [i for i, p in enumerate(pairs) if int(p["pair"]) % 2 == 1]

    def on(idx, t):
        return precision_recall([scores[i] for i in idx], [labels[i] for i in idx], t)

    grid = [round(0.05 + 0.05 * i, 2) for i in range(16)]
    best = max(grid, key=lambda t: (on(dev, t)[2], t))
    found = sum(1 for s in scores if s is not None)
    print(f"  标注对 {len(pairs)}（正例 {sum(labels)}），不同诉求人、{days} 天内；find_similar 判为同地点的 {found} 对")
    for name, idx, t in (
        ("开发集(偶数号)", dev, best),
        ("测试集(奇数号)", test, best),
        ("测试集 代码阈值 PLACE_THRESHOLD", test, PLACE_THRESHOLD),
    ):
        p, r, f = on(idx, t)
        print(f"  {name} {len(idx)} 对 阈值 {t:.2f}: P={p:.3f} R={r:.3f} F1={f:.3f}")
    print("  开发集各阈值 F1: " + " ".join(f"{t:.2f}:{on(dev, t)[2]:.3f}" for t in grid))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=300)
    parser.add_argument("--batch", type=int, default=2000)
    parser.add_argument("--duplicates-only", action="store_true", help="只测重复件识别的精确率/召回率")
    args = parser.parse_args()
    print(f"机器: {os.cpu_count()} 核，测前 1 分钟平均负载 {os.getloadavg()[0]:.1f}")
    call_command("migrate", verbosity=0)
    call_command("load_reference", verbosity=0)
    if args.duplicates_only:
        bench_duplicates()
        bench_same_place()
        return
    clf, load_s, grew_mb, first_s = load_model()
    print(
        f"分类模型 {clf.version}: 加载 {load_s:.2f} s（含首次分词预热 {first_s:.2f} s），常驻内存增加 {grew_mb:.0f} MB"
    )
    bench_recommendation(clf, args.orders)
    bench_batch(clf, args.batch)
    bench_duplicates()
    bench_same_place()


if __name__ == "__main__":
    main()
