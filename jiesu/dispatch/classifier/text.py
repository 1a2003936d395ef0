"""Text normalisation shared by training and inference.

The labelled corpus exists in two forms: raw messages, and a contestant's jieba segmentation with
stop words, punctuation and some letters removed (`A市` → `市`). Both are reduced to the same
canonical form — space-separated CJK tokens, no stop words — so a model trained on either form sees
at inference exactly what it saw in training, whatever board the message comes from.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable

import jieba

jieba.setLogLevel(logging.WARNING)

_CJK_RUN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff]+")


def cjk_tokens(tokens: Iterable[str]) -> list[str]:
    """Keep only the CJK runs of each token: letters, digits and punctuation carry no category
    signal here (city letters are anonymisation artefacts) and are missing from the segmented form."""
    out: list[str] = []
    for token in tokens:
        out.extend(_CJK_RUN.findall(token))
    return out


def segment(text: str) -> list[str]:
    """jieba words of a raw text, reduced to their CJK parts."""
    return cjk_tokens(jieba.lcut(text or ""))


def canonical_raw(text: str, stop_words: frozenset[str] | set[str] = frozenset()) -> str:
    """Raw message (title + content) → canonical token string."""
    return " ".join(t for t in segment(text) if t not in stop_words)


def canonical_segmented(tokens: str, stop_words: frozenset[str] | set[str] = frozenset()) -> str:
    """Already segmented text (space-separated) → canonical token string."""
    return " ".join(t for t in cjk_tokens((tokens or "").split()) if t not in stop_words)


def word_analyzer(doc: str) -> list[str]:
    """Tokens of a canonical string (module-level so fitted pipelines pickle)."""
    return doc.split()


def char_analyzer_input(doc: str) -> str:
    """Canonical string without separators, for character n-grams across word boundaries."""
    return doc.replace(" ", "")
