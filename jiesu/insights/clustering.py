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
# Two parts that are each a group already (≥ PART_MIN messages) may join up to GROUP_SLACK above the
# distance: one problem at one place told in two ways (a shop's fumes and its noise, 魅力之城 on TipDM
# 附件3) forms two tight groups whose average distance is just above it; two lone messages never join
# there (their shared everyday words — 小区, 物业 — would make a false hotspot).
GROUP_SLACK = 0.03
PART_MIN = 3
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
    rows: np.ndarray,
    matrix: sparse.csr_matrix,
    times: np.ndarray | None,
    *,
    distance: float,
    window: float | None,
    group_slack: float = GROUP_SLACK,
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
    if group_slack <= 0:
        return fcluster(tree, t=distance, criterion="distance")
    return _cut(tree, len(rows), distance=distance, group_distance=distance + group_slack)


def _cut(tree: np.ndarray, n: int, *, distance: float, group_distance: float) -> np.ndarray:
    """Labels (1…k) from an average-linkage tree: a merge is kept at height ≤ `distance`, or at height
    ≤ `group_distance` when both parts have ≥ PART_MIN members; a refused merge refuses every merge
    above it (as a plain cut does), so a cluster is always a subtree."""
    size = np.ones(2 * n - 1, dtype=np.int64)
    refused = np.zeros(2 * n - 1, dtype=bool)
    root = np.arange(2 * n - 1)  # each node's representative leaf-cluster
    parent = np.arange(n)

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for step, (a, b, height, _count) in enumerate(tree):
        a, b, node = int(a), int(b), n + step
        size[node] = size[a] + size[b]
        keep = (
            not refused[a]
            and not refused[b]
            and (height <= distance or (height <= group_distance and min(size[a], size[b]) >= PART_MIN))
        )
        if keep:
            ra, rb = find(root[a]), find(root[b])
            parent[rb] = ra
            root[node] = ra
        else:
            refused[node] = True
    reps = np.array([find(i) for i in range(n)])
    _, labels = np.unique(reps, return_inverse=True)
    return labels.astype(np.int64) + 1


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
