"""Text → the routing model's document: source-specific words removed (data/dispatch/routing_text.yaml),
jieba words and CJK characters kept (the shared canonical form of jiesu.dispatch.classifier.text),
plus the codes of the categories whose keywords occur in the text.

A document is "words<TAB>keyword-codes"; the analyzers below split it (module-level so pickles load)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

import yaml

from jiesu.dispatch.classifier.text import segment

from .maps import data_path

MAX_CHARS = 5000  # longer texts are not a hotline order; they are read by a person (abstention)
_CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff]")


@lru_cache(maxsize=1)
def strip_pattern() -> re.Pattern:
    spec = yaml.safe_load(data_path("dispatch", "routing_text.yaml").read_text(encoding="utf-8"))
    words = sorted({str(w) for w in spec["strip"]}, key=len, reverse=True)
    return re.compile("|".join(re.escape(w) for w in words))


@dataclass(frozen=True)
class KeywordIndex:
    """One alternation over every category keyword (longest first) → the category codes it names."""

    pattern: re.Pattern | None
    codes: dict[str, tuple[str, ...]]

    @classmethod
    def build(cls, keywords: dict[str, list[str]]) -> KeywordIndex:
        codes: dict[str, list[str]] = {}
        for code, words in keywords.items():
            for word in words:
                if len(word) >= 2:
                    codes.setdefault(word, []).append(code)
        if not codes:
            return cls(None, {})
        words = sorted(codes, key=len, reverse=True)
        return cls(re.compile("|".join(re.escape(w) for w in words)), {w: tuple(c) for w, c in codes.items()})

    def hits(self, text: str) -> list[str]:
        if self.pattern is None:
            return []
        found: list[str] = []
        for match in self.pattern.finditer(text):
            found.extend(self.codes[match.group(0)])
        return found


def cjk_count(text: str) -> int:
    return len(_CJK.findall(text or ""))


def document(text: str, *, keywords: KeywordIndex) -> str:
    cleaned = strip_pattern().sub(" ", (text or "")[:MAX_CHARS])
    words = " ".join(segment(cleaned))
    return words + "\t" + " ".join("kw" + c.replace(".", "_") for c in keywords.hits(cleaned))


def words_of(doc: str) -> list[str]:
    return doc.split("\t", 1)[0].split()


def chars_of(doc: str) -> str:
    return doc.split("\t", 1)[0].replace(" ", "")


def keywords_of(doc: str) -> list[str]:
    parts = doc.split("\t", 1)
    return parts[1].split() if len(parts) > 1 else []
