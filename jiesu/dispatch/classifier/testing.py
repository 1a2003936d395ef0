"""A tiny model for tests: the real training code on a thin slice of the data, built once per process."""

from __future__ import annotations

import tempfile
from functools import lru_cache
from pathlib import Path

from .model import TrainParams, train

TINY_LIMIT = 600  # ~600 segmented + ~600 raw rows: a few seconds to train


@lru_cache(maxsize=1)
def tiny_model() -> dict:
    """Manifest (with "path") of a tiny model trained into a private temporary directory."""
    out_dir = Path(tempfile.mkdtemp(prefix="jiesu-tiny-classifier-"))
    return train(params=TrainParams(limit=TINY_LIMIT), out_dir=out_dir)
