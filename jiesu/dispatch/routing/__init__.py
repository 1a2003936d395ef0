"""Unit routing learned from real 12345 orders (Haikou, mapped onto Fengtai) and the category tree.

`load_routing_model()` returns the current model (once per process); build it with
`python manage.py train_routing`. `JIESU_ROUTING_MODEL_PATH` points at another artefact."""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path

from jiesu.common.errors import NotFound

from .model import RoutingModel, load, models_dir

__all__ = ["RoutingModel", "RoutingModelMissing", "current_model_path", "load_routing_model"]


class RoutingModelMissing(NotFound):
    code = "routing_model_missing"
    status = 503
    default_message = "派单模型尚未训练"


def current_model_path() -> Path:
    override = os.environ.get("JIESU_ROUTING_MODEL_PATH")
    if override:
        return Path(override)
    pointer = models_dir() / "ROUTING_CURRENT"
    if not pointer.exists():
        raise RoutingModelMissing("派单模型尚未训练，请先运行 python manage.py train_routing")
    return models_dir() / f"routing-{pointer.read_text(encoding='utf-8').strip()}.joblib"


@lru_cache(maxsize=1)
def load_routing_model() -> RoutingModel:
    path = current_model_path()
    if not path.exists():
        raise RoutingModelMissing(f"找不到派单模型文件 {path}，请运行 python manage.py train_routing")
    return load(path)
