"""Letters with the body that answered them: TipDM 附件4 (a provincial message board; 2,816 messages with
the official reply). The answering body is read from the reply — its signature ("A7县教育局2014年2月26日"),
else a phrase such as "经圭塘街道调查核实" / "转由市教育局办理", else a weaker one ("已转县教育局",
"感谢您对县交通运输局工作的支持", "我镇高度重视": a town or street answering for itself) — and mapped
onto Fengtai units with data/dispatch/tipdm_unit_map.yaml. 582 letters get a unit; they teach the
routing model how letters (longer, formal, addressed to a leader) read, and are its cross-source check: bench/routing.py
predicts every letter with a model trained without its half (two folds by the writer)."""

from __future__ import annotations

import csv
import hashlib
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from django.conf import settings

from .maps import Catalogue, data_path, read_unit_map

LETTERS_FILE = "attachment4_replies.csv"
# Bumped whenever answering_body reads differently: part of the model version (routing.model.input_hashes),
# so a model trained on the older reading is rebuilt.
READER = "2"
UNIT_MAP = ("dispatch", "tipdm_unit_map.yaml")
_ORG = (
    r"[A-Z]?\d*[市县区]?[\u4e00-\u9fa5]{1,12}?"
    r"(?:委员会|管理局|局|街道办事处|街道办|街道|人民政府|镇政府|乡政府|中心|支队|大队|分局|公司)"
)
_SIGNED = re.compile(f"({_ORG})$")
_PHRASES = (
    re.compile(rf"经(?:过)?({_ORG})[^，。]{{0,8}}?(?:调查|核实|核查|研究|了解)"),
    re.compile(rf"({_ORG})(?:对此|高度重视|已|及时|立即|派|组织|回复如下|答复如下)"),
    re.compile(rf"转(?:由|交)?({_ORG})(?:办理|处理|调查)"),
)
# Weaker signs, read only when none of the above is found: a hand-over without a verb, a thank-you
# naming the body, and a street/town speaking of itself ("我镇…") — the local owner (属地).
_WEAK = (
    re.compile(rf"转(?:交|由|至|给)?({_ORG})"),
    re.compile(rf"(?:感谢|谢谢)您?对({_ORG})"),
)
_OWN_LOCAL = re.compile(
    r"(?:感谢|谢谢)您?对我(街道|镇|乡)|我(街道|镇|乡)(?:高度重视|立即|及时|已|对此|组织|派|工作人员|领导)"
)
_OWN_BODY = {"街道": "街道办事处", "镇": "镇人民政府", "乡": "乡人民政府"}
_DATE_TAIL = re.compile(r"\d{4}年\d{1,2}月\d{1,2}日?$")
_SPACE = re.compile(r"\s+")


def letters_path() -> Path:
    return Path(settings.SHARED_DIR) / "data" / "tipdm2020c" / LETTERS_FILE


def answering_body(reply: str) -> str:
    """The body a reply names as its author, or ""."""
    reply = _SPACE.sub("", reply or "")
    tail = _DATE_TAIL.sub("", reply)[-40:]
    signed = _SIGNED.search(tail)
    if signed:
        return signed.group(1)
    for phrase in _PHRASES:
        found = phrase.search(reply[:600])
        if found:
            return found.group(1)
    for phrase in _WEAK:
        found = phrase.search(reply[:600])
        if found and not found.group(1).startswith("我"):  # "我局": which bureau is not said
            return found.group(1)
    own = _OWN_LOCAL.search(reply)
    return _OWN_BODY[own.group(1) or own.group(2)] if own else ""


@dataclass
class Letters:
    texts: list[str]
    outcomes: np.ndarray
    bodies: list[str]  # the answering body as read from the reply
    folds: np.ndarray  # 0/1 by the writer (留言用户), for cross-fitting
    sha256: str


def load_letters(catalogue: Catalogue) -> Letters:
    unit_map = read_unit_map(data_path(*UNIT_MAP))
    texts, outcomes, bodies, folds = [], [], [], []
    with letters_path().open(encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            body = answering_body(row["答复意见"])
            rule = unit_map.rule_for(body) if body else None
            if rule is None:
                continue
            texts.append(f"{row['留言主题'].strip()}\n{_SPACE.sub(' ', row['留言详情']).strip()}")
            outcomes.append(catalogue.outcome(rule.raw_units[0]))
            bodies.append(body)
            folds.append(int(hashlib.sha256(row["留言用户"].encode()).hexdigest(), 16) % 2)
    return Letters(
        texts=texts,
        outcomes=np.array(outcomes),
        bodies=bodies,
        folds=np.array(folds),
        sha256=hashlib.sha256(letters_path().read_bytes() + data_path(*UNIT_MAP).read_bytes()).hexdigest(),
    )


def write_check_file(letters: Letters, path: Path, *, fold: int | None = None) -> Path:
    """The letters as a CSV for `evaluate_routing` (text columns 留言主题/留言详情 joined as one, 答复单位)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["留言", "答复单位"])
        for text, body, f in zip(letters.texts, letters.bodies, letters.folds, strict=True):
            if fold is None or f == fold:
                writer.writerow([text, body])
    return path
