"""Training material of the routing model.

* Haikou 12345 orders (shared/data/haikou12345/orders.csv): the text without the trailing dispatch
  instruction (诉求内容_去派单指令 — the raw text names the answer), the real handling unit mapped onto
  Fengtai's units (data/dispatch/haikou_unit_map.yaml) and, where the Haikou category maps, a leaf of
  the Beijing-style tree (data/taxonomy/haikou_to_beijing.yaml).
* Seed examples from the tree itself: every leaf's name and keywords, labelled with the leaf and its
  lead (the 权责清单 rule) — what lets the model route Beijing wording Haikou never used."""

from __future__ import annotations

import csv
import hashlib
import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from django.conf import settings

from jiesu.workorders.reference import read_category_tree

from .maps import LOCAL, Catalogue, data_path, read_category_map, read_unit_map

HAIKOU_FILE = "orders.csv"
UNIT_MAP = ("dispatch", "haikou_unit_map.yaml")
CATEGORY_MAP = ("taxonomy", "haikou_to_beijing.yaml")
TREE = ("taxonomy", "beijing12345.yaml")
_DIGITS = re.compile(r"[0-9０-９]+")


def haikou_path() -> Path:
    return Path(settings.SHARED_DIR) / "data" / "haikou12345" / HAIKOU_FILE


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@dataclass
class Tree:
    leaves: list[str]  # leaf paths
    leaf_outcome: dict[str, str]  # leaf path → outcome key (属地 or unit code)
    keywords: dict[str, list[str]]  # leaf code → keywords (with the leaf's own name)
    code_of: dict[str, str]  # leaf path → code
    version: str


def load_tree(catalogue: Catalogue) -> Tree:
    version, _, nodes = read_category_tree(path=data_path(*TREE))
    leaves = [n for n in nodes if n["leaf"]]
    return Tree(
        leaves=[n["path"] for n in leaves],
        leaf_outcome={n["path"]: catalogue.outcome(n["effective"]["lead"]) for n in leaves},
        keywords={n["code"]: [n["name"], *n["keywords"]] for n in leaves},
        code_of={n["path"]: n["code"] for n in leaves},
        version=version,
    )


@dataclass
class Corpus:
    texts: list[str]
    outcomes: np.ndarray  # unit code / 属地
    leaves: np.ndarray  # leaf path or ""
    months: np.ndarray  # "YYYYMM"
    groups: np.ndarray  # near-identical texts share a group (same complaint repeated)
    external_units: list[str]
    skipped_unmapped: int
    hashes: dict[str, str] = field(default_factory=dict)


def load_haikou(catalogue: Catalogue, *, limit: int | None = None) -> Corpus:
    unit_map = read_unit_map(data_path(*UNIT_MAP))
    category_map = read_category_map(data_path(*CATEGORY_MAP))
    texts, outcomes, leaves, months, groups, externals = [], [], [], [], [], []
    group_ids: dict[str, int] = {}
    skipped = 0
    with haikou_path().open(encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            text = (row["诉求内容_去派单指令"] or "").strip()
            rule = unit_map.rule_for(row["原处置单位"])
            if not text or rule is None:
                skipped += 1
                continue
            path = "/".join(row[f"行业分类{i}级"] for i in range(1, 5) if row[f"行业分类{i}级"])
            texts.append(text)
            outcomes.append(catalogue.outcome(rule.raw_units[0]))
            leaves.append(category_map.leaf_for(path) or "")
            months.append(row["日期"][:6])
            key = _DIGITS.sub("", text)[:40]
            groups.append(group_ids.setdefault(key, len(group_ids)))
            externals.append(row["原处置单位"])
            if limit and len(texts) >= limit:
                break
    return Corpus(
        texts=texts,
        outcomes=np.array(outcomes),
        leaves=np.array(leaves),
        months=np.array(months),
        groups=np.array(groups),
        external_units=externals,
        skipped_unmapped=skipped,
        hashes={
            "haikou": sha256(haikou_path()),
            "unit_map": sha256(data_path(*UNIT_MAP)),
            "category_map": sha256(data_path(*CATEGORY_MAP)),
        },
    )


def seeds(tree: Tree) -> tuple[list[str], list[str], list[str]]:
    """(texts, outcomes, leaves): each leaf's name and each keyword as a short example, and the leaf's
    path read as a sentence — short on purpose, like the hotline summaries."""
    texts, outcomes, leaves = [], [], []
    for leaf in tree.leaves:
        words = tree.keywords[tree.code_of[leaf]]
        examples = [*words, leaf.replace("/", " "), "，".join(words[1:4])]
        for text in examples:
            if text:
                texts.append(text)
                outcomes.append(tree.leaf_outcome[leaf])
                leaves.append(leaf)
    return texts, outcomes, leaves


def time_split(corpus: Corpus, *, last_train_month: str = "201804") -> tuple[np.ndarray, np.ndarray]:
    """Train on orders up to `last_train_month`, test on the later ones (real use predicts the future)."""
    train = np.flatnonzero(corpus.months <= last_train_month)
    test = np.flatnonzero(corpus.months > last_train_month)
    return train, test


def grouped_split(corpus: Corpus, *, seed: int = 20180, test_size: float = 0.2) -> tuple[np.ndarray, np.ndarray]:
    from sklearn.model_selection import GroupShuffleSplit

    splitter = GroupShuffleSplit(n_splits=1, test_size=test_size, random_state=seed)
    train, test = next(splitter.split(np.zeros(len(corpus.texts)), groups=corpus.groups))
    return np.sort(train), np.sort(test)


__all__ = ["LOCAL", "Corpus", "Tree", "grouped_split", "load_haikou", "load_tree", "seeds", "time_split"]
