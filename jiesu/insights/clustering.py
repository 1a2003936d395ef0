"""Grouping messages about one problem: average-linkage clustering of TF-IDF vectors by cosine.

Average linkage (UPGMA, scipy) joins two groups only while their members are on average similar
enough, so a chain of loosely related messages does not become one blob, as single linkage or a
similarity graph's connected components would. It needs all pairwise distances of a block, so the
messages are first split into blocks — by the caller's key (street × category for work orders) and,
where a block is still too large, by a coarse k-means on the same vectors — and clustered within
each block. Messages further apart in time than `window` are never joined."""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Hashable, Sequence

import numpy as np
from scipy import sparse
from scipy.cluster.hierarchy import fcluster, linkage
from scipy.spatial.distance import squareform
from sklearn.cluster import MiniBatchKMeans

# Members of one cluster differ on average by at most this cosine distance (0 = same words,
# 1 = no word in common). Chosen once on TipDM 附件3 (a plateau: docs/insights.md), not per file.
DISTANCE = 0.85
# Largest block clustered in one piece (pairwise distances: n² × 4 bytes; 6,000 → 144 MB).
MAX_BLOCK = 6000


def _split_large(rows: np.ndarray, matrix: sparse.csr_matrix, *, seed: int) -> list[np.ndarray]:
    """A block too large for pairwise distances, cut into parts by topic (k-means on the vectors)."""
    parts = math.ceil(len(rows) / MAX_BLOCK) * 2
    labels = MiniBatchKMeans(n_clusters=parts, random_state=seed, n_init=3, batch_size=4096).fit_predict(matrix[rows])
    out: list[np.ndarray] = []
    for k in range(parts):
        part = rows[labels == k]
        if len(part) > MAX_BLOCK:  # k-means left one topic too large: cut it in time order
            out += [part[i : i + MAX_BLOCK] for i in range(0, len(part), MAX_BLOCK)]
        elif len(part):
            out.append(part)
    return out


def _cluster_block(
    rows: np.ndarray, matrix: sparse.csr_matrix, times: np.ndarray | None, *, distance: float, window: float | None
) -> np.ndarray:
    """Cluster labels (1…k) of one block."""
    if len(rows) == 1:
        return np.ones(1, dtype=np.int64)
    block = matrix[rows]
    similarity = (block @ block.T).toarray().astype(np.float32)
    dist = 1.0 - similarity
    np.clip(dist, 0.0, 1.0, out=dist)
    if window is not None and times is not None:
        t = times[rows]
        dist[np.abs(t[:, None] - t[None, :]) > window] = 1.0
    np.fill_diagonal(dist, 0.0)
    tree = linkage(squareform(dist, checks=False), method="average")
    return fcluster(tree, t=distance, criterion="distance")


def cluster(
    matrix: sparse.csr_matrix,
    *,
    blocks: Sequence[Hashable] | None = None,
    times: Sequence[float] | None = None,
    window: float | None = None,
    distance: float = DISTANCE,
    seed: int = 0,
) -> np.ndarray:
    """A cluster id per row (ids are arbitrary but deterministic for the same input).

    `blocks`: rows with different keys are never in one cluster. `times` (seconds) with `window`:
    rows further apart than `window` are never joined directly."""
    n = matrix.shape[0]
    labels = np.full(n, -1, dtype=np.int64)
    if n == 0:
        return labels
    by_block: dict[Hashable, list[int]] = defaultdict(list)
    for i, key in enumerate(blocks if blocks is not None else [None] * n):
        by_block[key].append(i)
    t = np.asarray(times, dtype=np.float64) if times is not None else None
    offset = 0
    for key in sorted(by_block, key=repr):
        rows = np.asarray(by_block[key])
        parts = _split_large(rows, matrix, seed=seed) if len(rows) > MAX_BLOCK else [rows]
        for part in parts:
            local = _cluster_block(part, matrix, t, distance=distance, window=window)
            labels[part] = local + offset
            offset += int(local.max()) + 1
    return labels
