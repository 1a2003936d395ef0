"""The labelled corpus (tipdm2020c 附件2) in its two forms, grouped and split without leakage.

* segmented: 9,210 messages as the contestant's stop-word-filtered jieba tokens (all labels);
* raw: 3,715 of the same messages as text (主题+详情), some with the 留言用户.

Because both files hold the same messages, and the same user often re-posts near-identical text,
splits are made over *groups*: union of same-user raw messages and near-duplicate texts (cosine of
character-bigram TF-IDF ≥ NEAR_DUPLICATE). A segmented row is dropped from training whenever it is
similar (≥ LEAK_SIMILARITY) to any held-out raw message — which removes the held-out message's own
segmented copy and its near-duplicate re-posts.
"""

from __future__ import annotations

import csv
import hashlib
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from django.conf import settings
from scipy import sparse
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.model_selection import StratifiedGroupKFold

from .text import canonical_segmented, char_analyzer_input, segment

SEGMENTED_FILE = "attachment2_full_segmented.csv"
RAW_FILE = "attachment2_raw_partial.csv"
LABEL_COL = "一级标签"
NEAR_DUPLICATE = 0.7  # same complaint re-posted / same message in the two forms
LEAK_SIMILARITY = 0.5  # conservative: drop any segmented row this close to a held-out message
MIN_STOP_FREQ = 3


def data_dir() -> Path:
    return Path(settings.SHARED_DIR) / "data" / "tipdm2020c"


def file_sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@dataclass
class Corpus:
    seg_tokens: list[str]  # segmented rows, canonical form (stop words not yet applied)
    seg_labels: np.ndarray
    raw_texts: list[str]  # raw title+content
    raw_labels: np.ndarray
    raw_users: list[str]
    hashes: dict[str, str] = field(default_factory=dict)
    _raw_segmented: list[list[str]] | None = None

    def raw_words(self) -> list[list[str]]:
        """jieba words of every raw text (cached: segmenting is the slow step)."""
        if self._raw_segmented is None:
            self._raw_segmented = [segment(t) for t in self.raw_texts]
        return self._raw_segmented

    def raw_canonical(self, stop_words: frozenset[str]) -> list[str]:
        return [" ".join(w for w in words if w not in stop_words) for words in self.raw_words()]


def label_set(directory: Path | None = None) -> list[str]:
    """The first-level labels of the training data (7 for tipdm2020c)."""
    with ((directory or data_dir()) / SEGMENTED_FILE).open(encoding="utf-8") as fh:
        return sorted({r[LABEL_COL] for r in csv.DictReader(fh) if r[LABEL_COL]})


def load_corpus(directory: Path | None = None, *, limit: int | None = None) -> Corpus:
    """Read both files. `limit` keeps a stratified-ish prefix of each (tests train tiny models)."""
    directory = directory or data_dir()
    seg_path, raw_path = directory / SEGMENTED_FILE, directory / RAW_FILE
    with seg_path.open(encoding="utf-8") as fh:
        seg_rows = [r for r in csv.DictReader(fh) if r["tokens"].strip() and r[LABEL_COL]]
    with raw_path.open(encoding="utf-8") as fh:
        # the one message with conflicting labels across sources is left out of both training and test
        raw_rows = [r for r in csv.DictReader(fh) if r["text"].strip() and r["label_conflict"] != "True"]
    if limit:
        seg_rows, raw_rows = seg_rows[::max(1, len(seg_rows) // limit)], raw_rows[::max(1, len(raw_rows) // limit)]
    return Corpus(
        seg_tokens=[canonical_segmented(r["tokens"]) for r in seg_rows],
        seg_labels=np.array([r[LABEL_COL] for r in seg_rows]),
        raw_texts=[r["text"].strip() for r in raw_rows],
        raw_labels=np.array([r[LABEL_COL] for r in raw_rows]),
        raw_users=[r["留言用户"].strip() for r in raw_rows],
        hashes={SEGMENTED_FILE: file_sha256(seg_path), RAW_FILE: file_sha256(raw_path)},
    )


def derive_stop_words(*, raw_words: list[list[str]], seg_tokens: list[str]) -> frozenset[str]:
    """Words jieba finds often in raw text but the contestant's segmentation never kept: these are
    the stop words they removed. Removing them from raw text makes both forms look alike."""
    kept = {t for doc in seg_tokens for t in doc.split()}
    counts = Counter(w for words in raw_words for w in words)
    return frozenset(w for w, n in counts.items() if n >= MIN_STOP_FREQ and w not in kept)


def _bigram_vectors(docs_a: list[str], docs_b: list[str]) -> tuple[sparse.csr_matrix, sparse.csr_matrix]:
    vec = TfidfVectorizer(analyzer="char", ngram_range=(2, 2), preprocessor=char_analyzer_input, sublinear_tf=True)
    vec.fit(docs_a + docs_b)
    return vec.transform(docs_a), (vec.transform(docs_b) if docs_b else None)


def similar_pairs(a: sparse.csr_matrix, b: sparse.csr_matrix, threshold: float, chunk: int = 1000):
    """(i, j, cosine) for rows of a and b at least `threshold` alike (L2-normalised TF-IDF rows)."""
    for start in range(0, a.shape[0], chunk):
        block = (a[start:start + chunk] @ b.T).tocoo()
        keep = block.data >= threshold
        yield from zip(block.row[keep] + start, block.col[keep], block.data[keep], strict=True)


def _union_find(n: int, pairs) -> np.ndarray:
    parent = list(range(n))

    def find(x: int) -> int:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for i, j in pairs:
        ri, rj = find(int(i)), find(int(j))
        if ri != rj:
            parent[ri] = rj
    return np.array([find(i) for i in range(n)])


def group_ids(docs: list[str], users: list[str] | None = None) -> np.ndarray:
    """Group label per document: same (known) user, or near-duplicate text."""
    vecs, _ = _bigram_vectors(docs, [])
    pairs = [(i, j) for i, j, _ in similar_pairs(vecs, vecs, NEAR_DUPLICATE) if i < j]
    if users:
        first: dict[str, int] = {}
        for i, u in enumerate(users):
            if u:
                pairs.append((i, first.setdefault(u, i)))
    return _union_find(len(docs), pairs)


def grouped_folds(labels: np.ndarray, groups: np.ndarray, *, seed: int, n_splits: int = 5):
    """Stratified folds that never split a group."""
    cv = StratifiedGroupKFold(n_splits=n_splits, shuffle=True, random_state=seed)
    return list(cv.split(np.zeros(len(labels)), labels, groups))


def leaking_segmented_rows(*, held_out_raw: list[str], seg_docs: list[str]) -> np.ndarray:
    """Indices of segmented rows that are (near) copies of any held-out raw message (canonical forms)."""
    if not held_out_raw:
        return np.array([], dtype=int)
    a, b = _bigram_vectors(held_out_raw, seg_docs)
    return np.unique([j for _, j, _ in similar_pairs(a, b, LEAK_SIMILARITY)]).astype(int)
