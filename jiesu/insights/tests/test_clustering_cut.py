"""The size-aware cut of the average-linkage tree (clustering._cut): two groups join a little above
the distance, two lone messages do not, and with no slack it is scipy's plain cut."""

import numpy as np
from scipy.cluster.hierarchy import fcluster, linkage
from scipy.spatial.distance import squareform

from jiesu.insights import clustering


def tree_of(dist: np.ndarray) -> np.ndarray:
    return linkage(squareform(dist, checks=False), method="average")


def two_groups(*, inside: float, between: float, sizes=(3, 3)) -> np.ndarray:
    n = sum(sizes)
    dist = np.full((n, n), between)
    dist[: sizes[0], : sizes[0]] = inside
    dist[sizes[0] :, sizes[0] :] = inside
    np.fill_diagonal(dist, 0.0)
    return dist


def same_partition(a, b) -> bool:
    return len({(x, y) for x, y in zip(a, b, strict=True)}) == len(set(a)) == len(set(b))


def test_two_groups_join_just_above_the_distance():
    labels = clustering._cut(tree_of(two_groups(inside=0.3, between=0.87)), 6, distance=0.85, group_distance=0.88)
    assert len(set(labels)) == 1


def test_groups_further_apart_than_the_slack_stay_apart():
    labels = clustering._cut(tree_of(two_groups(inside=0.3, between=0.9)), 6, distance=0.85, group_distance=0.88)
    assert len(set(labels)) == 2


def test_lone_messages_and_small_parts_need_the_plain_distance():
    pair = np.array([[0.0, 0.87], [0.87, 0.0]])
    assert len(set(clustering._cut(tree_of(pair), 2, distance=0.85, group_distance=0.88))) == 2
    # a group of three and a pair: the pair is not a group yet
    labels = clustering._cut(
        tree_of(two_groups(inside=0.3, between=0.87, sizes=(3, 2))), 5, distance=0.85, group_distance=0.88
    )
    assert len(set(labels)) == 2


def test_a_refused_merge_refuses_what_is_above_it():
    # a and b are lone (0.87 apart: refused); c is close to both halves at 0.86 — still no join,
    # so every cluster is a subtree of the tree, as with a plain cut
    dist = np.array([[0, 0.87, 0.86], [0.87, 0, 0.86], [0.86, 0.86, 0]])
    labels = clustering._cut(tree_of(dist), 3, distance=0.85, group_distance=0.88)
    assert len(set(labels)) == 3


def test_without_slack_it_is_the_plain_cut():
    rng = np.random.default_rng(3)
    points = rng.random((40, 2))
    dist = np.sqrt(((points[:, None] - points[None]) ** 2).sum(-1))
    dist /= dist.max()
    tree = tree_of(dist)
    for t in (0.1, 0.2, 0.4):
        assert same_partition(clustering._cut(tree, 40, distance=t, group_distance=t), fcluster(tree, t, "distance"))
