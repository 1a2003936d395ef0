"""Order-text classifier (7 first-level labels of the tipdm2020c corpus).

Public interface: `load_classifier()` returns the current model, loaded once per process, with
`.version`, `.labels`, `.predict_proba(texts)` and `.predict(texts)` on raw title+content strings.
Build it with `python manage.py train_classifier`.
"""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path

from jiesu.common.errors import NotFound
from jiesu.common.shared_version import VersionWatch

from .model import TextClassifier, load, models_dir

__all__ = ["ClassifierMissing", "TextClassifier", "current_model_path", "load_classifier"]


class ClassifierMissing(NotFound):
    code = "classifier_missing"
    status = 503
    default_message = "分类模型尚未训练"


def current_model_path() -> Path:
    """JIESU_CLASSIFIER_PATH if set, else the version named in var/models/CURRENT."""
    override = os.environ.get("JIESU_CLASSIFIER_PATH")
    if override:
        return Path(override)
    pointer = models_dir() / "CURRENT"
    if not pointer.exists():
        raise ClassifierMissing("分类模型尚未训练，请先运行 python manage.py train_classifier")
    return models_dir() / f"classifier-{pointer.read_text(encoding='utf-8').strip()}.joblib"


@lru_cache(maxsize=1)
def _load() -> TextClassifier:
    path = current_model_path()
    if not path.exists():
        raise ClassifierMissing(f"找不到分类模型文件 {path}，请运行 python manage.py train_classifier")
    return load(path)


watch = VersionWatch("classifier")
watch.on_change(_load.cache_clear)


def load_classifier() -> TextClassifier:
    """The current model, loaded once per process. After retraining call
    `load_classifier.cache_clear()`: every process (web, Celery) loads the new one within seconds."""
    watch.check()
    return _load()


load_classifier.cache_clear = watch.bump
