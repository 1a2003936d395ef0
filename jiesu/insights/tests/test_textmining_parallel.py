"""The backlog segmentation pool gives exactly the words one process gives, and runs where a pool cannot."""

import csv
import multiprocessing
from pathlib import Path

import pytest
from django.conf import settings

from jiesu.insights import textmining


@pytest.fixture
def pairs() -> list[tuple[str, str]]:
    path = Path(settings.SHARED_DIR) / "data" / "haikou12345" / "orders.csv"
    out = []
    with path.open(encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            body = " ".join(row["诉求内容_去派单指令"].split())
            out.append((body[:30], body[:400]))
            if len(out) == 300:
                break
    return out


def test_pool_gives_the_serial_words_in_order(pairs, monkeypatch):
    monkeypatch.setattr(textmining, "PARALLEL_MIN", 100)
    used = []
    real_context = multiprocessing.get_context

    def spy(method=None):
        used.append(method)
        return real_context(method)

    monkeypatch.setattr(textmining.multiprocessing, "get_context", spy)
    parallel = textmining.documents(pairs, workers=2)
    assert used == ["fork"]
    assert parallel == [textmining.document(t, b) for t, b in pairs]
    assert len(set(parallel)) > 250  # real, distinct documents, not one repeated value


def _in_daemon(pairs, queue):
    textmining.PARALLEL_MIN = 10
    queue.put(textmining.documents(pairs, workers=2))


def test_daemonic_worker_falls_back_to_one_process(pairs):
    """A Celery prefork child is daemonic and may not start a pool: the words still come out."""
    ctx = multiprocessing.get_context("fork")
    queue = ctx.Queue()
    child = ctx.Process(target=_in_daemon, args=(pairs[:40], queue), daemon=True)
    child.start()
    got = queue.get(timeout=60)
    child.join(10)
    assert got == [textmining.document(t, b) for t, b in pairs[:40]]
