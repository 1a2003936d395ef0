"""The category classifier: features, training, the saved artefact and its inference wrapper."""

from __future__ import annotations

import csv
import hashlib
import json
import platform
import time
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import jieba
import joblib
import numpy as np
import scipy
import sklearn
from sklearn.calibration import CalibratedClassifierCV
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.metrics import accuracy_score, f1_score
from sklearn.pipeline import FeatureUnion, Pipeline
from sklearn.svm import LinearSVC

from . import data
from .text import canonical_raw, char_analyzer_input, word_analyzer

FORMAT = 1  # bump when the artefact layout or preprocessing changes


@dataclass(frozen=True)
class TrainParams:
    seed: int = 20200
    C: float = 3.0  # chosen by inner grouped CV on training data only (bench --tune, docs/dispatch.md)
    word_ngrams: tuple[int, int] = (1, 2)
    char_ngrams: tuple[int, int] = (1, 3)
    min_df: int = 3  # same inner-CV F1 as 2, a smaller and faster model
    # the word block counts less than the character block (inner grouped CV, docs/dispatch.md): jieba's
    # words in raw text and the contestant's segmentation differ more than their characters do
    word_weight: float = 0.5
    class_weight: str | None = "balanced"
    calibration_folds: int = 3
    calibration_ensemble: bool = False  # one SVM + cross-validated calibration: a third of the size
    n_splits: int = 5
    holdout_fold: int = 0  # which of the grouped, stratified raw folds is held out
    use_all: bool = False  # True: no held-out raw messages (production build; no honest metric then)
    limit: int | None = None  # keep ~limit rows of each file (tests)


def build_features(params: TrainParams) -> FeatureUnion:
    """jieba word n-grams (down-weighted) + character n-grams, TF-IDF each."""
    return FeatureUnion(
        [
            (
                "words",
                TfidfVectorizer(
                    tokenizer=word_analyzer,
                    token_pattern=None,
                    lowercase=False,
                    ngram_range=params.word_ngrams,
                    min_df=params.min_df,
                    sublinear_tf=True,
                ),
            ),
            (
                "chars",
                TfidfVectorizer(
                    analyzer="char",
                    preprocessor=char_analyzer_input,
                    lowercase=False,
                    ngram_range=params.char_ngrams,
                    min_df=params.min_df,
                    sublinear_tf=True,
                ),
            ),
        ],
        transformer_weights={"words": params.word_weight, "chars": 1.0},
    )


def build_pipeline(params: TrainParams) -> Pipeline:
    """`build_features` → linear SVM with sigmoid-calibrated probabilities."""
    features = build_features(params)
    svm = LinearSVC(C=params.C, class_weight=params.class_weight, random_state=params.seed)
    model = CalibratedClassifierCV(
        svm, method="sigmoid", cv=params.calibration_folds, ensemble=params.calibration_ensemble
    )
    return Pipeline([("features", features), ("model", model)])


class TextClassifier:
    """A trained model plus the preprocessing it expects. Feed it raw title+content strings."""

    def __init__(self, *, version: str, pipeline: Pipeline, stop_words: frozenset[str], manifest: dict):
        self.version = version
        self.pipeline = pipeline
        self.stop_words = stop_words
        self.manifest = manifest
        self.labels: list[str] = [str(c) for c in pipeline.classes_]

    def canonical(self, texts: list[str]) -> list[str]:
        return [canonical_raw(t, self.stop_words) for t in texts]

    def predict_proba(self, texts: list[str]) -> np.ndarray:
        """(n, len(labels)) calibrated probabilities, columns in `labels` order."""
        if not texts:
            return np.zeros((0, len(self.labels)))
        return self.pipeline.predict_proba(self.canonical(list(texts)))

    def predict(self, texts: list[str]) -> list[str]:
        proba = self.predict_proba(texts)
        return [self.labels[i] for i in proba.argmax(axis=1)]


@dataclass
class TrainingSet:
    docs: list[str]
    labels: np.ndarray
    stop_words: frozenset[str]
    raw_test_idx: np.ndarray
    dropped_segmented: int
    info: dict = field(default_factory=dict)


def raw_folds(corpus: data.Corpus, *, seed: int, n_splits: int) -> list[tuple[np.ndarray, np.ndarray]]:
    """Grouped (same user / near-duplicate), stratified folds over the raw messages."""
    groups = data.group_ids(corpus.raw_canonical(frozenset()), corpus.raw_users)
    return data.grouped_folds(corpus.raw_labels, groups, seed=seed, n_splits=n_splits)


def assemble_training(corpus: data.Corpus, *, raw_train_idx: np.ndarray, raw_test_idx: np.ndarray) -> TrainingSet:
    """Segmented rows not leaking any held-out raw message + the training raw messages, one canonical form.

    Stop words are derived from the training raw messages only."""
    words = corpus.raw_words()
    stop = data.derive_stop_words(raw_words=[words[i] for i in raw_train_idx], seg_tokens=corpus.seg_tokens)
    raw_canon = corpus.raw_canonical(stop)
    seg_canon = [" ".join(t for t in doc.split() if t not in stop) for doc in corpus.seg_tokens]
    leaks = data.leaking_segmented_rows(held_out_raw=[raw_canon[i] for i in raw_test_idx], seg_docs=seg_canon)
    keep_seg = np.setdiff1d(np.arange(len(seg_canon)), leaks)
    docs = [seg_canon[i] for i in keep_seg] + [raw_canon[i] for i in raw_train_idx]
    labels = np.concatenate([corpus.seg_labels[keep_seg], corpus.raw_labels[raw_train_idx]])
    return TrainingSet(
        docs=docs,
        labels=labels,
        stop_words=stop,
        raw_test_idx=raw_test_idx,
        dropped_segmented=len(leaks),
        info={
            "segmented_rows": len(keep_seg),
            "raw_rows": len(raw_train_idx),
            "held_out_raw": len(raw_test_idx),
            "dropped_segmented": len(leaks),
            "stop_words": len(stop),
        },
    )


def _drop_pruned_vocabulary(pipeline: Pipeline) -> None:
    """TfidfVectorizer keeps every term min_df pruned (`stop_words_`) only for introspection; it is
    most of the pickle's size and load time."""
    for _, vectorizer in pipeline.named_steps["features"].transformer_list:
        if hasattr(vectorizer, "stop_words_"):
            del vectorizer.stop_words_


def _version(params: TrainParams, hashes: dict[str, str]) -> str:
    blob = json.dumps({"format": FORMAT, "params": asdict(params), "data": hashes}, sort_keys=True)
    return f"v{FORMAT}-{hashlib.sha256(blob.encode()).hexdigest()[:10]}"


def expected_version(params: TrainParams) -> str:
    """The version `train(params)` would produce from the data as it is now (cheap: hashes only)."""
    directory = data.data_dir()
    return _version(params, {name: data.file_sha256(directory / name) for name in (data.SEGMENTED_FILE, data.RAW_FILE)})


def models_dir() -> Path:
    from django.conf import settings

    return Path(settings.VAR_DIR) / "models"


def train(
    *,
    params: TrainParams,
    out_dir: Path | None = None,
    corpus: data.Corpus | None = None,
    extra: tuple[list[str], list[str]] | None = None,
    extra_sha256: str | None = None,
) -> dict:
    """Build, evaluate on the held-out raw messages, save artefact + manifest, mark as current.

    `extra` = (texts, labels) of corrected orders (退单/改派 relabelled by the centre) added to training."""
    started = time.perf_counter()
    corpus = corpus or data.load_corpus(limit=params.limit)
    n_raw = len(corpus.raw_texts)
    if params.use_all:
        train_idx, test_idx = np.arange(n_raw), np.array([], dtype=int)
    else:
        train_idx, test_idx = raw_folds(corpus, seed=params.seed, n_splits=params.n_splits)[params.holdout_fold]
    ts = assemble_training(corpus, raw_train_idx=train_idx, raw_test_idx=test_idx)
    if extra and extra[0]:
        ts.docs += [canonical_raw(t, ts.stop_words) for t in extra[0]]
        ts.labels = np.concatenate([ts.labels, np.array(extra[1])])
        ts.info["extra_rows"] = len(extra[0])
        corpus.hashes = {**corpus.hashes, "extra": extra_sha256 or ""}
    pipeline = build_pipeline(params)
    pipeline.fit(ts.docs, ts.labels)
    _drop_pruned_vocabulary(pipeline)
    version = _version(params, corpus.hashes)
    clf = TextClassifier(version=version, pipeline=pipeline, stop_words=ts.stop_words, manifest={})

    metrics: dict = {}
    out_dir = Path(out_dir or models_dir())
    out_dir.mkdir(parents=True, exist_ok=True)
    heldout_file = None
    if len(test_idx):
        texts, truth = [corpus.raw_texts[i] for i in test_idx], corpus.raw_labels[test_idx]
        pred = clf.predict(texts)
        metrics = {
            "held_out_raw": {
                "macro_f1": round(float(f1_score(truth, pred, average="macro")), 4),
                "accuracy": round(float(accuracy_score(truth, pred)), 4),
                "n": len(texts),
            }
        }
        heldout_file = out_dir / f"classifier-{version}-heldout-raw.csv"
        with heldout_file.open("w", encoding="utf-8", newline="") as fh:
            writer = csv.writer(fh)
            writer.writerow(["text", data.LABEL_COL])
            writer.writerows(zip(texts, truth, strict=True))

    manifest = {
        "version": version,
        "format": FORMAT,
        "trained_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "labels": clf.labels,
        "params": asdict(params),
        "data_sha256": corpus.hashes,
        "training": ts.info,
        "metrics": metrics,
        "held_out_file": heldout_file.name if heldout_file else None,
        "build_seconds": round(time.perf_counter() - started, 1),
        "libraries": {
            "python": platform.python_version(),
            "scikit-learn": sklearn.__version__,
            "numpy": np.__version__,
            "scipy": scipy.__version__,
            "jieba": jieba.__version__,
            "joblib": joblib.__version__,
        },
    }
    clf.manifest = manifest
    path = out_dir / f"classifier-{version}.joblib"
    joblib.dump(
        {
            "format": FORMAT,
            "version": version,
            "pipeline": pipeline,
            "stop_words": sorted(ts.stop_words),
            "manifest": manifest,
        },
        path,
        compress=3,
    )
    (out_dir / f"classifier-{version}.json").write_text(
        json.dumps(manifest, ensure_ascii=False, indent=2), encoding="utf-8"
    )
    (out_dir / "CURRENT").write_text(version + "\n", encoding="utf-8")
    manifest["path"] = str(path)
    return manifest


def load(path: Path) -> TextClassifier:
    blob = joblib.load(path)
    if blob.get("format") != FORMAT:
        raise ValueError(f"模型文件格式 {blob.get('format')} 与当前代码 ({FORMAT}) 不符，请重新训练")
    return TextClassifier(
        version=blob["version"],
        pipeline=blob["pipeline"],
        stop_words=frozenset(blob["stop_words"]),
        manifest=blob["manifest"],
    )
