"""A small routing model for tests: the real training code on a slice of Haikou + the tree's seeds,
built once per process into a private temporary directory."""

from __future__ import annotations

import tempfile
from functools import lru_cache
from pathlib import Path

from . import corpus as rc
from .maps import Catalogue
from .model import RoutingParams, fit, save

SMALL_LIMIT = 2500  # a few seconds to train; enough for the tree's seeds to dominate the rare units


@lru_cache(maxsize=1)
@lru_cache(maxsize=1)
def small_model_path() -> Path:
    catalogue = Catalogue()
    tree = rc.load_tree(catalogue)
    data = rc.load_haikou(catalogue, limit=SMALL_LIMIT)
    model = fit(
        params=RoutingParams(limit=SMALL_LIMIT), texts=data.texts, outcomes=data.outcomes, leaves=data.leaves, tree=tree
    )
    model.version = "r-test-small"
    path = Path(tempfile.mkdtemp(prefix="jiesu-small-routing-")) / "routing-r-test-small.joblib"
    save(model, path)
    return path
