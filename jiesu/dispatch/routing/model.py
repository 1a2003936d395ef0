"""The routing model: text → calibrated probabilities over outcomes (a unit code, or 属地 = the
street/town of the place) and over leaves of the Beijing-style category tree.

Features: jieba words 1–2 (TF-IDF, weight 0.5) + CJK characters 1–3 (TF-IDF) + the tree's keyword hits
(binary), on the text with source-specific words removed (routing/text.py). Two heads, each a linear SVM
with sigmoid calibration (cross-validated, one model kept): the unit head on every training row, the
leaf head on rows with a category (chi²-selected features keep it small). jiesu.dispatch.recommend mixes
the unit head with the 权责清单 lead of the leaf head's categories."""

from __future__ import annotations

import hashlib
import json
import platform
import time
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path

import joblib
import numpy as np
import sklearn
import yaml
from scipy import sparse
from scipy.special import expit
from sklearn.calibration import CalibratedClassifierCV
from sklearn.feature_extraction.text import CountVectorizer, TfidfVectorizer
from sklearn.feature_selection import SelectKBest, chi2
from sklearn.pipeline import FeatureUnion
from sklearn.svm import LinearSVC

from . import corpus as corpus_mod
from . import letters as letters_mod
from .maps import LOCAL, Catalogue
from .text import KeywordIndex, chars_of, document, keywords_of, words_of

FORMAT = 1


@dataclass(frozen=True)
class RoutingParams:
    seed: int = 20180
    C_unit: float = 1.0  # unit head: C=1 without class weights beat C=0.5 balanced by 1.4 points on 2018-04
    unit_class_weight: str | None = None
    C_leaf: float = 0.5
    word_weight: float = 0.5
    keyword_weight: float = 1.0
    min_df: int = 2
    leaf_features: int = 30000
    seed_weight: float = 3.0  # the tree's own examples count this many Haikou rows
    letters_weight: float = 2.0  # TipDM letters (jiesu.dispatch.routing.letters) count this many Haikou rows
    letters_fold: int | None = None  # train on the letters of the other fold only (cross-fitting), None = all
    calibration_folds: int = 3
    split: str = "all"  # all | time (train ≤ 2018-04) | grouped (80 % of the near-duplicate groups)
    limit: int | None = None  # first N Haikou rows (tests)


def build_features(params: RoutingParams) -> FeatureUnion:
    return FeatureUnion(
        [
            ("words", TfidfVectorizer(analyzer=words_of, ngram_range=(1, 1), min_df=params.min_df, sublinear_tf=True)),
            (
                "bigrams",
                TfidfVectorizer(
                    tokenizer=words_of,
                    token_pattern=None,
                    lowercase=False,
                    ngram_range=(2, 2),
                    min_df=params.min_df,
                    sublinear_tf=True,
                ),
            ),
            (
                "chars",
                TfidfVectorizer(
                    analyzer="char",
                    preprocessor=chars_of,
                    lowercase=False,
                    ngram_range=(1, 3),
                    min_df=params.min_df,
                    sublinear_tf=True,
                ),
            ),
            ("keywords", CountVectorizer(analyzer=keywords_of, binary=True)),
        ],
        transformer_weights={
            "words": params.word_weight,
            "bigrams": params.word_weight,
            "chars": 1.0,
            "keywords": params.keyword_weight,
        },
    )


def _svm(C: float, params: RoutingParams, n_min: int, class_weight: str | None = "balanced") -> CalibratedClassifierCV:
    folds = max(2, min(params.calibration_folds, n_min))
    return CalibratedClassifierCV(
        LinearSVC(C=C, class_weight=class_weight, random_state=params.seed), method="sigmoid", cv=folds, ensemble=False
    )


class RoutingModel:
    """Trained heads + the keyword index. `predict(texts)` → (unit proba, leaf proba)."""

    def __init__(self, *, version, features, unit_head, leaf_selector, leaf_head, keywords, manifest):
        self.version = version
        self.features = features
        self.unit_head = unit_head
        self.leaf_selector = leaf_selector
        self.leaf_head = leaf_head
        self.keywords = keywords
        self.manifest = manifest
        self.outcomes: list[str] = [str(c) for c in unit_head.classes_]
        self.leaves: list[str] = [str(c) for c in leaf_head.classes_]

    def documents(self, texts: list[str]) -> list[str]:
        return [document(t, keywords=self.keywords) for t in texts]

    def predict(self, texts: list[str]) -> tuple[np.ndarray, np.ndarray]:
        if not texts:
            return np.zeros((0, len(self.outcomes))), np.zeros((0, len(self.leaves)))
        # The fitted heads' parameters were validated at fit and TF-IDF values are finite: skipping
        # scikit-learn's per-call checks halves a proposal's CPU (6.6 → 3.6 ms, bench/routing.py).
        with sklearn.config_context(assume_finite=True, skip_parameter_validation=True):
            x = self.features.transform(self.documents(list(texts)))
            units = calibrated_proba(self.unit_head, x) * self._prior_ratio()
            units /= units.sum(axis=1, keepdims=True)
            return units, calibrated_proba(self.leaf_head, x @ self._leaf_columns())

    def _prior_ratio(self) -> np.ndarray:
        """Per-outcome factor of the prior shift (data/dispatch/routing_prior.yaml): 属地 from its share
        among the training rows to the target share; 1 for the others."""
        if getattr(self, "_ratio", None) is None:
            ratio = np.ones(len(self.outcomes))
            target = local_target_share()
            train = self.manifest.get("local_training_share")
            if target and train and LOCAL in self.outcomes:
                ratio[self.outcomes.index(LOCAL)] = target / train
            self._ratio = ratio
        return self._ratio

    def _leaf_columns(self):
        """The chi² selection as a sparse (features × kept) matrix: one product instead of sklearn's
        column indexing, which costs ~30 ms per call on 280 k columns."""
        if getattr(self, "_selection", None) is None:
            kept = np.flatnonzero(self.leaf_selector.get_support())
            n = self.leaf_selector.get_support().shape[0]
            self._selection = sparse.csr_matrix(
                (np.ones(len(kept)), (kept, np.arange(len(kept)))), shape=(n, len(kept))
            )
        return self._selection


def local_target_share() -> float | None:
    path = corpus_mod.data_path("dispatch", "routing_prior.yaml")
    if not path.exists():
        return None
    value = yaml.safe_load(path.read_text(encoding="utf-8")).get("local_target_share")
    return float(value) if value else None


def calibrated_proba(calibrated: CalibratedClassifierCV, x) -> np.ndarray:
    """`calibrated.predict_proba(x)` for a sigmoid-calibrated linear SVM with one kept model, vectorised
    (scikit-learn loops over the per-class calibrators in Python: 5 ms for 155 classes). Same formula:
    p_k = expit(−(a_k·f_k + b_k)), normalised over classes (uniform when all are 0)."""
    inner = calibrated.calibrated_classifiers_
    if len(inner) != 1 or len(calibrated.classes_) < 3:
        return calibrated.predict_proba(x)
    model = inner[0]
    a = np.array([c.a_ for c in model.calibrators])
    b = np.array([c.b_ for c in model.calibrators])
    scores = model.estimator.decision_function(x)
    proba = expit(-(scores * a + b))
    total = proba.sum(axis=1, keepdims=True)
    uniform = np.full_like(proba, 1 / proba.shape[1])
    return np.where(total > 0, proba / np.where(total > 0, total, 1), uniform)


def fit(
    *,
    params: RoutingParams,
    texts: list[str],
    outcomes: list[str] | np.ndarray,
    leaves: list[str] | np.ndarray,
    tree: corpus_mod.Tree,
    with_seeds: bool = True,
    letters=None,
) -> RoutingModel:
    """Train both heads on (texts, outcomes, leaves) plus, unless told otherwise, the tree's seeds, plus
    `letters` (jiesu.dispatch.routing.letters.Letters: unit head only, they have no category)."""
    keywords = KeywordIndex.build(tree.keywords)
    outcomes, leaves = list(outcomes), list(leaves)
    weights = [1.0] * len(texts)
    if letters is not None:
        keep = [i for i, f in enumerate(letters.folds) if params.letters_fold is None or f != params.letters_fold]
        texts = [*texts, *(letters.texts[i] for i in keep)]
        outcomes += [str(letters.outcomes[i]) for i in keep]
        leaves += [""] * len(keep)
        weights += [params.letters_weight] * len(keep)
    if with_seeds:
        s_texts, s_out, s_leaf = corpus_mod.seeds(tree)
        texts = [*texts, *s_texts]
        outcomes += s_out
        leaves += s_leaf
        weights += [params.seed_weight] * len(s_texts)
    docs = [document(t, keywords=keywords) for t in texts]
    features = build_features(params)
    x = features.fit_transform(docs)
    y_unit, w = np.array(outcomes), np.array(weights)
    unit_counts = np.unique(y_unit, return_counts=True)[1]
    unit_head = _svm(params.C_unit, params, int(unit_counts.min()), class_weight=params.unit_class_weight)
    unit_head.fit(x, y_unit, sample_weight=w)
    has_leaf = np.array([bool(leaf) for leaf in leaves])
    y_leaf = np.array(leaves)[has_leaf]
    selector = SelectKBest(chi2, k=min(params.leaf_features, x.shape[1]))
    x_leaf = selector.fit_transform(x[has_leaf], y_leaf)
    leaf_counts = np.unique(y_leaf, return_counts=True)[1]
    leaf_head = _svm(params.C_leaf, params, int(leaf_counts.min()))
    leaf_head.fit(x_leaf, y_leaf, sample_weight=w[has_leaf])
    _shrink(features)
    return RoutingModel(
        version="",
        features=features,
        unit_head=unit_head,
        leaf_selector=selector,
        leaf_head=leaf_head,
        keywords=keywords,
        manifest={
            "training_rows": len(texts),
            "leaf_rows": int(has_leaf.sum()),
            "features": int(x.shape[1]),
            "local_training_share": round(float(w[y_unit == LOCAL].sum() / w.sum()), 4),
        },
    )


def _shrink(features: FeatureUnion) -> None:
    """Pruned vocabularies are kept only for introspection; they are most of a pickle's size."""
    for _, vectorizer in features.transformer_list:
        if hasattr(vectorizer, "stop_words_"):
            del vectorizer.stop_words_


def models_dir() -> Path:
    from django.conf import settings

    return Path(settings.VAR_DIR) / "models"


def _version(params: RoutingParams, hashes: dict[str, str]) -> str:
    blob = json.dumps({"format": FORMAT, "params": asdict(params), "data": hashes}, sort_keys=True)
    return f"r{FORMAT}-{hashlib.sha256(blob.encode()).hexdigest()[:10]}"


def input_hashes() -> dict[str, str]:
    """Hashes of every file the model is trained from (cheap; decides whether a rebuild is needed)."""
    d = corpus_mod.data_path
    files = {
        "haikou": corpus_mod.haikou_path(),
        "unit_map": d(*corpus_mod.UNIT_MAP),
        "category_map": d(*corpus_mod.CATEGORY_MAP),
        "tree": d(*corpus_mod.TREE),
        "units": d("org", "units.yaml"),
        "text": d("dispatch", "routing_text.yaml"),
        "prior": d("dispatch", "routing_prior.yaml"),
        "letters": letters_mod.letters_path(),
        "letters_map": d(*letters_mod.UNIT_MAP),
    }
    return {k: corpus_mod.sha256(p) for k, p in files.items()} | {"letters_reader": letters_mod.READER}


def expected_version(params: RoutingParams) -> str:
    return _version(params, input_hashes())


def train(*, params: RoutingParams, out_dir: Path | None = None) -> dict:
    """Build the model from Haikou (+ the tree's seeds), save artefact + manifest, mark it current."""
    started = time.perf_counter()
    catalogue = Catalogue()
    tree = corpus_mod.load_tree(catalogue)
    data = corpus_mod.load_haikou(catalogue, limit=params.limit)
    if params.split == "time":
        idx = corpus_mod.time_split(data)[0]
    elif params.split == "grouped":
        idx = corpus_mod.grouped_split(data, seed=params.seed)[0]
    else:
        idx = np.arange(len(data.texts))
    model = fit(
        params=params,
        texts=[data.texts[i] for i in idx],
        outcomes=data.outcomes[idx],
        leaves=data.leaves[idx],
        tree=tree,
        letters=letters_mod.load_letters(catalogue),
    )
    version = _version(params, input_hashes())
    model.version = version
    manifest = {
        "version": version,
        "format": FORMAT,
        "trained_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "params": asdict(params),
        "data_sha256": input_hashes(),
        "tree_version": tree.version,
        "haikou_rows": len(idx),
        "haikou_skipped_unmapped": data.skipped_unmapped,
        **model.manifest,
        "outcomes": model.outcomes,
        "leaves": len(model.leaves),
        "build_seconds": round(time.perf_counter() - started, 1),
        "libraries": {"python": platform.python_version(), "scikit-learn": sklearn.__version__},
    }
    model.manifest = manifest
    out_dir = Path(out_dir or models_dir())
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / f"routing-{version}.joblib"
    save(model, path)
    (out_dir / f"routing-{version}.json").write_text(
        json.dumps(manifest, ensure_ascii=False, indent=2), encoding="utf-8"
    )
    (out_dir / "ROUTING_CURRENT").write_text(version + "\n", encoding="utf-8")
    manifest["path"] = str(path)
    return manifest


def save(model: RoutingModel, path: Path) -> None:
    joblib.dump(
        {
            "format": FORMAT,
            "version": model.version,
            "features": model.features,
            "unit_head": model.unit_head,
            "leaf_selector": model.leaf_selector,
            "leaf_head": model.leaf_head,
            "keywords": model.keywords,
            "manifest": model.manifest,
        },
        path,
        compress=1,  # zlib level 1: about the same size as level 3, loads in 0.7 s instead of 1.2 s
    )


def load(path: Path) -> RoutingModel:
    blob = joblib.load(path)
    if blob.get("format") != FORMAT:
        raise ValueError(f"派单模型文件格式 {blob.get('format')} 与当前代码 ({FORMAT}) 不符，请重新训练")
    return RoutingModel(
        version=blob["version"],
        features=blob["features"],
        unit_head=blob["unit_head"],
        leaf_selector=blob["leaf_selector"],
        leaf_head=blob["leaf_head"],
        keywords=blob["keywords"],
        manifest=blob["manifest"],
    )


class TipdmView:
    """The routing model seen as a 7-label TipDM classifier (for `evaluate_dispatch --via-categories`):
    the leaf probabilities summed by each leaf's TipDM label (from its first-level ancestor unless the
    tree says otherwise, data/taxonomy/beijing12345.yaml `tipdm`)."""

    def __init__(self, model: RoutingModel):
        from jiesu.workorders.reference import read_category_tree

        nodes = read_category_tree(path=corpus_mod.data_path(*corpus_mod.TREE))[2]
        label_of = {n["path"]: n["effective"].get("tipdm") or "" for n in nodes if n["leaf"]}
        self.model = model
        self.version = f"{model.version}→tipdm"
        self.labels = sorted({label for label in label_of.values() if label})
        self._columns = np.array(
            [self.labels.index(label_of[leaf]) if label_of.get(leaf) else -1 for leaf in model.leaves]
        )

    def predict_proba(self, texts: list[str]) -> np.ndarray:
        _, leaves = self.model.predict(list(texts))
        out = np.zeros((leaves.shape[0], len(self.labels)))
        for j, column in enumerate(self._columns):
            if column >= 0:
                out[:, column] += leaves[:, j]
        return out

    def predict(self, texts: list[str]) -> list[str]:
        return [self.labels[i] for i in self.predict_proba(texts).argmax(axis=1)]
