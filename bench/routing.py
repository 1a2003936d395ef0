"""Quality, calibration and speed of unit routing (issue 12), all in one run.

    .venv/bin/python bench/routing.py [--skip-grouped] [--latency 300]

On a private temporary SQLite database (migrated, reference data loaded: the category tree and its
权责清单, the unit catalogue). Prints:
- Haikou 12345, time split (train ≤ 2018-04, test 2018-05/06) and grouped random split (80/20 over
  near-duplicate groups): top-1 / top-3 / macro-F1 / abstention on units, scored with the same MAP logic
  as `evaluate_routing` (data/dispatch/haikou_unit_map.yaml), beside two baselines trained on the same
  rows: always 属地, and TF-IDF (characters 1–2) + logistic regression on the mapped units;
- the mixing share of model vs 权责清单 chosen on a validation month inside the training months
  (train ≤ 2018-03, validate 2018-04), never on the test months;
- reliability: expected calibration error (15 bins) of the proposed unit's probability, and the
  precision and coverage of proposals above the auto-dispatch threshold (the threshold for ≥ 95 %
  precision is chosen on the validation month, then measured on the test months);
- cross-source check: TipDM 附件4 messages whose reply names the answering body (never used in
  training), mapped with data/dispatch/tipdm_unit_map.yaml, routed by the production model; the check
  file is written to var/routing-checks/ so `evaluate_routing` can be run on it;
- speed: production model load time, resident-memory growth, one proposal's median/p95.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "jiesu.test_settings")  # DEBUG off, throw-away SECRET_KEY
PRODUCTION_MODELS = ROOT / "var" / "models"
os.environ["JIESU_VAR_DIR"] = tempfile.mkdtemp(prefix="jiesu-bench-routing-")
os.environ.pop("DATABASE_URL", None)

import django  # noqa: E402

django.setup()

import numpy as np  # noqa: E402
from django.core.management import call_command  # noqa: E402


def rss_mb() -> float:
    with open("/proc/self/statm") as fh:
        return int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def pct(values: list[float], q: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(round(q * (len(values) - 1))))]


def ece(confidences: np.ndarray, correct: np.ndarray, bins: int = 15) -> float:
    edges = np.linspace(0, 1, bins + 1)
    total = 0.0
    for lo, hi in zip(edges[:-1], edges[1:], strict=True):
        mask = (confidences > lo) & (confidences <= hi)
        if mask.any():
            total += mask.mean() * abs(confidences[mask].mean() - correct[mask].mean())
    return float(total)


class Scorer:
    """Route texts (place unknown) and score them as evaluate_routing does."""

    def __init__(self, unit_map_path: Path):
        from jiesu.dispatch import router
        from jiesu.dispatch.routing.evaluation import Predicted
        from jiesu.dispatch.routing.maps import read_unit_map
        from jiesu.org.models import LOCAL_KINDS

        self.data = router.cache.get()
        self.unit_map = read_unit_map(unit_map_path)
        self.by_code = {u.code: u for u in self.data.units.values()}
        self.Predicted = Predicted
        self.local_kinds = LOCAL_KINDS

    def predicted(self, key: str):
        from jiesu.dispatch.routing.maps import LOCAL

        if key == LOCAL:
            return self.Predicted(code="", name="属地（街镇待定）", short_name=LOCAL, local=True)
        unit = self.by_code[key]
        return self.Predicted(unit.code, unit.name, unit.short_name, unit.kind in self.local_kinds)

    def rows(self, texts: list[str], externals: list[str]):
        from jiesu.dispatch.routing.evaluation import RoutingRows

        rows = RoutingRows(texts=[], rules=[], externals=[])
        for text, ext in zip(texts, externals, strict=True):
            rule = self.unit_map.rule_for(ext)
            if rule is not None:
                rows.texts.append(text)
                rows.rules.append(rule)
                rows.externals.append(ext)
        return rows

    def route(self, model, texts: list[str], *, share: float | None = None, probabilities=None):
        """[(top keys, top probability, abstained)] for each text."""
        from jiesu.dispatch.routing.propose import propose

        if probabilities is None:
            probabilities = model.predict(texts)
        out = []
        for i, text in enumerate(texts):
            r = propose(
                text=text,
                model=model,
                data=self.data,
                probabilities=(probabilities[0][i], probabilities[1][i]),
                model_share=share,
            )
            keys = [u.key if u.unit_id is None else self.by_code_of(u.unit_id) for u in r.units]
            out.append((keys, r.units[0].probability if r.units else 0.0, r.abstained))
        return out

    def by_code_of(self, unit_id: int) -> str:
        return self.data.units[unit_id].code

    def score(self, rows, routed):
        from jiesu.dispatch.routing.evaluation import matches, score

        predictions = [None if abstained else [self.predicted(k) for k in keys] for keys, _, abstained in routed]
        scores = score(rows=rows, predictions=predictions)
        conf = np.array([p for _, p, _ in routed])
        correct = np.array(
            [
                bool(keys) and matches(rule, self.predicted(keys[0]))
                for rule, (keys, _, _) in zip(rows.rules, routed, strict=True)
            ]
        )
        return scores, conf, correct


def line(name: str, s) -> str:
    return f"  {name:<34} top1={s.top1:.4f} top3={s.top3:.4f} macro_f1={s.macro_f1:.4f} abstain={s.abstain:.4f} n={s.n}"


def baselines(scorer: Scorer, train_texts, train_outcomes, rows) -> list[str]:
    """Always 属地, and TF-IDF characters + logistic regression on the mapped units (same train rows)."""
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression

    from jiesu.dispatch.routing.maps import LOCAL

    out = []
    always = [([LOCAL], 1.0, False) for _ in rows.texts]
    s, _, _ = scorer.score(rows, always)
    out.append(line("always 属地", s))
    started = time.perf_counter()
    vec = TfidfVectorizer(analyzer="char", ngram_range=(1, 2), min_df=2, sublinear_tf=True)
    x = vec.fit_transform(train_texts)
    lr = LogisticRegression(max_iter=300, C=10)
    lr.fit(x, train_outcomes)
    proba = lr.predict_proba(vec.transform(rows.texts))
    classes = np.array(lr.classes_)
    routed = [(list(classes[np.argsort(-p)[:3]]), float(p.max()), False) for p in proba]
    s, conf, correct = scorer.score(rows, routed)
    out.append(line("TF-IDF chars + LR", s) + f" ece={ece(conf, correct):.4f} ({time.perf_counter() - started:.0f} s)")
    return out


def evaluate_split(
    scorer, corpus, tree, train_idx, test_idx, *, name: str, share: float, threshold: float, letters
) -> list[str]:
    from jiesu.dispatch.routing import model as rm

    started = time.perf_counter()
    model = rm.fit(
        params=rm.RoutingParams(),
        texts=[corpus.texts[i] for i in train_idx],
        outcomes=corpus.outcomes[train_idx],
        leaves=corpus.leaves[train_idx],
        tree=tree,
        letters=letters,
    )
    fit_s = time.perf_counter() - started
    rows = scorer.rows([corpus.texts[i] for i in test_idx], [corpus.external_units[i] for i in test_idx])
    proba = model.predict(rows.texts)
    out = [f"{name}: train {len(train_idx)} rows (+ tree seeds), test {len(rows.texts)} rows; fit {fit_s:.0f} s"]
    unshifted = unshift(model, proba)
    for label, s_share, probs in (
        ("model + 权责清单 (shipped)", share, proba),
        ("  same, without the 属地 prior shift", share, unshifted),
        ("model unit head only", 1.0, proba),
        ("权责清单 via leaf head only", 0.0, proba),
    ):
        routed = scorer.route(model, rows.texts, share=s_share, probabilities=probs)
        scores, conf, correct = scorer.score(rows, routed)
        extra = ""
        if s_share == share and probs is proba:
            above = conf >= threshold
            extra = (
                f" ece={ece(conf, correct):.4f}; ≥{threshold:.2f}: precision={correct[above].mean() if above.any() else 0:.4f}"
                f" coverage={above.mean():.4f}"
            )
            shipped = scores
        out.append(line(label, scores) + extra)
    out += baselines(scorer, [corpus.texts[i] for i in train_idx], corpus.outcomes[train_idx], rows)
    out.append("  per unit (shipped; precision recall f1 support):")
    for lab, p, r, f, n in sorted(shipped.per_unit, key=lambda t: -t[4])[:16]:
        out.append(f"    {lab:<14} {p:.3f} {r:.3f} {f:.3f} {n}")
    return out


def unshift(model, proba):
    """The unit probabilities without the prior shift of data/dispatch/routing_prior.yaml."""
    units = proba[0] / model._prior_ratio()
    return units / units.sum(axis=1, keepdims=True), proba[1]


def tune(scorer, corpus, tree, letters) -> tuple[float, float, list[str]]:
    """Mixing share and auto-dispatch threshold on 2018-04 with a model trained on ≤ 2018-03."""
    from jiesu.dispatch.routing import model as rm

    train = np.flatnonzero(corpus.months <= "201803")
    val = np.flatnonzero(corpus.months == "201804")
    model = rm.fit(
        params=rm.RoutingParams(),
        texts=[corpus.texts[i] for i in train],
        outcomes=corpus.outcomes[train],
        leaves=corpus.leaves[train],
        tree=tree,
        letters=letters,
    )
    rows = scorer.rows([corpus.texts[i] for i in val], [corpus.external_units[i] for i in val])
    proba = model.predict(rows.texts)
    out = [f"tuning on 2018-04 ({len(rows.texts)} rows), model trained on ≤ 2018-03 ({len(train)} rows):"]
    best = (-1.0, 0.6)
    for share in (0.0, 0.2, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0):
        scores, _, _ = scorer.score(rows, scorer.route(model, rows.texts, share=share, probabilities=proba))
        out.append(f"  share {share:.1f}: top1={scores.top1:.4f} top3={scores.top3:.4f}")
        best = max(best, (scores.top1, share))
    from jiesu.dispatch.routing.propose import MODEL_SHARE

    share = MODEL_SHARE
    out.append(f"  best share on validation {best[1]:.1f}; shipped share {share:.1f} (see propose.MODEL_SHARE)")
    _, conf, correct = scorer.score(rows, scorer.route(model, rows.texts, share=share, probabilities=proba))
    threshold = 0.99
    for t in np.arange(0.5, 0.99, 0.01):
        above = conf >= t
        if above.sum() >= 50 and correct[above].mean() >= 0.97:  # a margin over 95 % for the next months
            threshold = float(round(t, 2))
            break
    out.append(f"  auto-dispatch threshold {threshold:.2f} (first with ≥ 97 % precision on validation)")
    return share, threshold, out


def cross_source(scorer: Scorer, corpus, tree, letters) -> list[str]:
    """Letters of another board, each routed by a model that never saw its half (two folds by writer);
    beside a model trained without any letter and always 属地. The fold models and their check files
    are kept in var/routing-checks/ so `evaluate_routing` can be run on them."""
    from jiesu.dispatch.routing import model as rm
    from jiesu.dispatch.routing.evaluation import RoutingRows
    from jiesu.dispatch.routing.letters import write_check_file

    out_dir = ROOT / "var" / "routing-checks"
    out_dir.mkdir(parents=True, exist_ok=True)
    rows = RoutingRows(
        texts=list(letters.texts),
        rules=[scorer.unit_map.rule_for(b) for b in letters.bodies],
        externals=list(letters.bodies),
    )
    routed: list = [None] * len(rows.texts)
    commands = []
    for fold in (0, 1):
        params = rm.RoutingParams(letters_fold=fold)
        model = rm.fit(
            params=params,
            texts=corpus.texts,
            outcomes=corpus.outcomes,
            leaves=corpus.leaves,
            tree=tree,
            letters=letters,
        )
        model.version = f"letters-fold{fold}"
        rm.save(model, out_dir / f"routing-letters-fold{fold}.joblib")
        check = write_check_file(letters, out_dir / f"letters_fold{fold}.csv", fold=fold)
        idx = [i for i, f in enumerate(letters.folds) if f == fold]
        for i, r in zip(idx, scorer.route(model, [rows.texts[i] for i in idx]), strict=True):
            routed[i] = r
        commands.append(
            f"manage.py evaluate_routing --data {check.relative_to(ROOT)} --text-cols 留言 --unit-col 答复单位 "
            f"--unit-map data/dispatch/tipdm_unit_map.yaml --model var/routing-checks/routing-letters-fold{fold}.joblib"
        )
    scores, conf, correct = scorer.score(rows, routed)
    plain = rm.fit(
        params=rm.RoutingParams(), texts=corpus.texts, outcomes=corpus.outcomes, leaves=corpus.leaves, tree=tree
    )
    no_letters, _, _ = scorer.score(rows, scorer.route(plain, rows.texts))
    proba = plain.predict(rows.texts)
    rules_only, _, _ = scorer.score(rows, scorer.route(plain, rows.texts, share=0.0, probabilities=proba))
    local = sum(1 for r in rows.rules if r.raw_units[0] == "属地") / max(1, len(rows.rules))
    by_fold = [
        f"fold {f}: top1={np.mean([correct[i] for i in range(len(correct)) if letters.folds[i] == f]):.4f}"
        for f in (0, 1)
    ]
    return [
        f"cross-source check: {len(rows.texts)} TipDM 附件4 letters with the answering body read from the reply, "
        "each routed by a model trained on Haikou + tree seeds + the other half of the letters:",
        line("shipped configuration", scores) + f" ece={ece(conf, correct):.4f} ({'; '.join(by_fold)})",
        line("model without any letter", no_letters),
        line("  its 权责清单 via leaf head only", rules_only),
        f"  always 属地 would score top1={local:.4f}",
        *[f"  (run: {c})" for c in commands],
    ]


def latency(model, texts: list[str]) -> list[str]:
    from jiesu.dispatch.routing.propose import propose

    scorer_data = __import__("jiesu.dispatch.router", fromlist=["cache"]).cache.get()
    wall, cpu = [], []
    for text in texts:
        w, c = time.perf_counter(), time.process_time()
        propose(text=text, model=model, data=scorer_data)
        wall.append(time.perf_counter() - w)
        cpu.append(time.process_time() - c)
    return [
        f"one proposal (text → categories + units, place unknown): median {statistics.median(wall) * 1000:.2f} ms, "
        f"p95 {pct(wall, 0.95) * 1000:.2f} ms wall; CPU median {statistics.median(cpu) * 1000:.2f} ms (n={len(texts)})"
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--skip-grouped", action="store_true")
    parser.add_argument("--latency", type=int, default=300)
    parser.add_argument("--speed-only", action="store_true", help="only load time, memory and latency")
    parser.add_argument("--cross-source-only", action="store_true", help="only the letters check (and speed)")
    args = parser.parse_args()
    print(f"load before: {os.getloadavg()[0]:.2f}; {time.strftime('%Y-%m-%d %H:%M')}")
    call_command("migrate", verbosity=0)
    call_command("load_reference", verbosity=0)

    from jiesu.dispatch.routing import corpus as rc
    from jiesu.dispatch.routing import model as rm
    from jiesu.dispatch.routing.maps import Catalogue, data_path

    version = (PRODUCTION_MODELS / "ROUTING_CURRENT").read_text().strip()
    before = rss_mb()
    started = time.perf_counter()
    production = rm.load(PRODUCTION_MODELS / f"routing-{version}.joblib")
    production.predict(["加载后第一次推理"])
    load_s = time.perf_counter() - started
    print(
        f"production model {version}: load + first proposal {load_s:.2f} s, resident memory +{rss_mb() - before:.0f} MB"
    )

    catalogue = Catalogue()
    tree = rc.load_tree(catalogue)
    corpus = rc.load_haikou(catalogue)
    if args.speed_only:
        print("\n".join(latency(production, [corpus.texts[i] for i in rc.time_split(corpus)[1][: args.latency]])))
        print(f"load after: {os.getloadavg()[0]:.2f}")
        return
    print(
        f"Haikou: {len(corpus.texts)} orders mapped, {corpus.skipped_unmapped} skipped; leaf-labelled {(corpus.leaves != '').sum()}"
    )
    scorer = Scorer(data_path("dispatch", "haikou_unit_map.yaml"))
    from jiesu.dispatch.routing.letters import load_letters

    letters = load_letters(catalogue)
    print(f"letters: {len(letters.texts)} TipDM 附件4 letters with a mapped answering body")
    if args.cross_source_only:
        print("\n".join(cross_source(Scorer(data_path("dispatch", "tipdm_unit_map.yaml")), corpus, tree, letters)))
        print("\n".join(latency(production, [corpus.texts[i] for i in rc.time_split(corpus)[1][: args.latency]])))
        print(f"load after: {os.getloadavg()[0]:.2f}")
        return
    share, threshold, lines = tune(scorer, corpus, tree, letters)
    print("\n".join(lines))
    train, test = rc.time_split(corpus)
    print(
        "\n".join(
            evaluate_split(
                scorer, corpus, tree, train, test, name="time split", share=share, threshold=threshold, letters=letters
            )
        )
    )
    if not args.skip_grouped:
        train, test = rc.grouped_split(corpus)
        print(
            "\n".join(
                evaluate_split(
                    scorer,
                    corpus,
                    tree,
                    train,
                    test,
                    name="grouped random split",
                    share=share,
                    threshold=threshold,
                    letters=letters,
                )
            )
        )
    print("\n".join(cross_source(Scorer(data_path("dispatch", "tipdm_unit_map.yaml")), corpus, tree, letters)))
    texts = [corpus.texts[i] for i in rc.time_split(corpus)[1][: args.latency]]
    print("\n".join(latency(production, texts)))
    print(f"load after: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
