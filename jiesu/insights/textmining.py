"""Text pieces of the hotspot finder: words, TF-IDF vectors, key phrases and an extractive title.

Words come from jieba (without its HMM pass for unknown words: twice as fast, and unknown names are
split into characters that still match between messages). Letters and digits are kept — "58车贷",
"3号线", "K9" name the problem — punctuation is dropped. Weights are the corpus's own TF-IDF, so
a word common on one board (a city's name, "小区") weighs little there and whatever is rare and
shared weighs a lot: nothing about one city is written into the code."""

from __future__ import annotations

import logging
import multiprocessing
import os
import re
from collections.abc import Sequence
from functools import cache
from pathlib import Path

import jieba
import numpy as np
from django.conf import settings
from scipy import sparse
from sklearn.feature_extraction.text import TfidfVectorizer

jieba.setLogLevel(logging.WARNING)

_WORD_RE = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fffA-Za-z0-9]")
_SENTENCE_RE = re.compile(r"[。！？!?；;\n\r]+")
_SPACE_RE = re.compile(r"\s+")

# Words in more than this share of the messages say nothing about which problem a message is.
MAX_DF = 0.1
# The title counts twice: a citizen names the problem there; the body adds the detail.
TITLE_REPEAT = 2
# Body text beyond this many characters adds little but time (long letters repeat themselves).
BODY_CHARS = 300
# A title shorter than this names no problem ("投诉", "求助").
MIN_TITLE = 6


def clean(text: str) -> str:
    """One line, single spaces (scraped texts carry tabs and newlines)."""
    return _SPACE_RE.sub(" ", text or "").strip()


STOP_WORDS_FILE = Path(settings.BASE_DIR) / "data" / "insights" / "stopwords.txt"


@cache
def stop_words(path: Path = STOP_WORDS_FILE) -> frozenset[str]:
    lines = path.read_text(encoding="utf-8").splitlines()
    return frozenset(line.strip() for line in lines if line.strip() and not line.startswith("#"))


def words(text: str) -> list[str]:
    """Lower-cased jieba words that contain a letter, digit or CJK character, function words left out."""
    stop = stop_words()
    return [w for w in (t.lower() for t in jieba.lcut(text or "", HMM=False)) if _WORD_RE.search(w) and w not in stop]


def document(title: str, body: str) -> str:
    """The space-joined words the vectoriser sees: title repeated, then the body's beginning."""
    title_words = " ".join(words(title))
    body_words = " ".join(words((body or "")[:BODY_CHARS]))
    return " ".join([title_words] * TITLE_REPEAT + [body_words]).strip()


# Below this many texts a worker pool costs more than it saves.
PARALLEL_MIN = 4000


def _document_pair(pair: tuple[str, str]) -> str:
    return document(*pair)


def documents(pairs: Sequence[tuple[str, str]], *, workers: int | None = None) -> list[str]:
    """`document` of many (title, body) pairs, in order. A large backlog (the first refresh after
    installing, or after a bulk import) is segmented by a pool of forked processes, one per core:
    jieba is pure Python, so one process reaches ≈ 2,500 texts a second whatever the machine has.
    Where a pool cannot be started (a daemonic worker process, a platform without fork) it runs here."""
    workers = workers if workers is not None else (os.cpu_count() or 1)
    if workers < 2 or len(pairs) < PARALLEL_MIN or "fork" not in multiprocessing.get_all_start_methods():
        return [document(title, body) for title, body in pairs]
    stop_words()  # loaded once here, inherited by the forked workers
    jieba.initialize()
    try:
        with multiprocessing.get_context("fork").Pool(workers) as pool:
            return pool.map(_document_pair, pairs, chunksize=max(500, len(pairs) // (workers * 8)))
    except (AssertionError, OSError):  # "daemonic processes are not allowed to have children", no fork
        return [document(title, body) for title, body in pairs]


def _split(doc: str) -> list[str]:
    return doc.split()


def vectorise(docs: Sequence[str]) -> tuple[sparse.csr_matrix, list[str]]:
    """L2-normalised TF-IDF rows (float32) and the vocabulary. Words of one message only are kept:
    they link nothing, but they keep a message's few common words from dominating its vector."""
    vectoriser = TfidfVectorizer(
        analyzer=_split, sublinear_tf=True, max_df=MAX_DF if len(docs) >= 50 else 1.0, dtype=np.float32
    )
    try:
        matrix = vectoriser.fit_transform(docs)
    except ValueError:  # no word survives (all messages empty or unique)
        return sparse.csr_matrix((len(docs), 0), dtype=np.float32), []
    return matrix.tocsr(), list(vectoriser.get_feature_names_out())


def key_phrases(matrix: sparse.csr_matrix, vocabulary: list[str], rows: Sequence[int], *, n: int = 5) -> list[str]:
    """The words that weigh most in the members' mean vector (TF-IDF key phrases of the cluster)."""
    if not vocabulary or not len(rows):
        return []
    centroid = np.asarray(matrix[list(rows)].mean(axis=0)).ravel()
    top = np.argsort(-centroid)[: n * 2]
    picked: list[str] = []
    for i in top:
        word = vocabulary[i]
        if centroid[i] <= 0 or any(word in p or p in word for p in picked):
            continue  # "丽发" and "丽发新城" say the same
        picked.append(word)
        if len(picked) == n:
            break
    return picked


def sentences(title: str, body: str) -> list[str]:
    """Candidate title sentences of one message: its title, then the first sentences of its body."""
    out = [clean(title)] if clean(title) else []
    out += [clean(s) for s in _SENTENCE_RE.split(body or "")[:3] if clean(s)]
    return out


def extractive_title(
    candidates: Sequence[str], *, keywords: Sequence[str], limit: int = 40, min_length: int = MIN_TITLE
) -> str:
    """The member sentence that covers the cluster's key phrases best (earlier key phrases weigh
    more), shorter first on a tie; cut to `limit` characters. Written from the members' own text."""
    weights = {k: 1.0 / (i + 1) for i, k in enumerate(keywords)}
    best, best_score = "", -1.0
    seen: set[str] = set()
    for sentence in candidates:
        if sentence in seen or len(sentence) < min_length:
            continue
        seen.add(sentence)
        lowered = sentence.lower()
        score = sum(w for k, w in weights.items() if k in lowered)
        # a long sentence covers more by chance: prefer the concise one when the cover is close
        score -= 0.002 * max(0, len(sentence) - limit)
        if score > best_score or (score == best_score and len(sentence) < len(best)):
            best, best_score = sentence, score
    if not best:
        best = next((c for c in candidates if c), "")
    return best if len(best) <= limit else best[: limit - 1] + "…"
