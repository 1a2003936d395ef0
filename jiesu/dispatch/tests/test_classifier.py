"""The classifier: preprocessing parity, leakage-free training, artefact, cached loader, 七有/五性 table."""

import csv
import json
from pathlib import Path

import numpy as np
import pytest

from jiesu.common.errors import InvalidInput
from jiesu.dispatch import classifier
from jiesu.dispatch.classifier import data
from jiesu.dispatch.classifier.dimensions import apply_dimensions, load_table
from jiesu.dispatch.classifier.model import assemble_training, load, raw_folds
from jiesu.dispatch.classifier.testing import tiny_model
from jiesu.dispatch.classifier.text import canonical_raw, canonical_segmented


@pytest.fixture(scope="module")
def corpus():
    return data.load_corpus(limit=300)


@pytest.fixture
def tiny_current(monkeypatch):
    monkeypatch.setenv("JIESU_CLASSIFIER_PATH", tiny_model()["path"])
    classifier.load_classifier.cache_clear()
    yield
    classifier.load_classifier.cache_clear()


def test_raw_text_reduces_to_the_contestants_segmented_form():
    """Inference preprocessing must reproduce the form the segmented training rows have."""
    directory = data.data_dir()
    with (directory / data.RAW_FILE).open(encoding="utf-8") as fh:
        raw = next(r for r in csv.DictReader(fh) if r["留言编号"] == "24")
    with (directory / data.SEGMENTED_FILE).open(encoding="utf-8") as fh:
        seg = next(csv.DictReader(fh))  # row_no 1 is message 24
    full = data.load_corpus()
    stop = data.derive_stop_words(raw_words=full.raw_words()[500:], seg_tokens=full.seg_tokens)
    assert canonical_raw(raw["text"], stop) == canonical_segmented(seg["tokens"], stop)
    assert "A" not in canonical_raw("A市A3区的路灯坏了", stop)  # city letters are dropped as in the segmented form


def test_training_never_sees_held_out_messages_in_either_form(corpus):
    train_idx, test_idx = raw_folds(corpus, seed=7, n_splits=5)[0]
    ts = assemble_training(corpus, raw_train_idx=train_idx, raw_test_idx=test_idx)
    held_out = {corpus.raw_canonical(ts.stop_words)[i] for i in test_idx}
    assert held_out and not held_out & set(ts.docs)
    assert ts.dropped_segmented > 0  # their segmented copies were found and removed
    # near-duplicate groups never straddle the split
    groups = data.group_ids(corpus.raw_canonical(frozenset()), corpus.raw_users)
    assert not set(groups[train_idx]) & set(groups[test_idx])


def test_stop_words_come_from_training_messages_only(corpus):
    train_idx, test_idx = raw_folds(corpus, seed=7, n_splits=5)[0]
    ts = assemble_training(corpus, raw_train_idx=train_idx, raw_test_idx=test_idx)
    words = corpus.raw_words()
    only_in_test = {w for i in test_idx for w in words[i]} - {w for i in train_idx for w in words[i]}
    assert not only_in_test & ts.stop_words


def test_artefact_has_manifest_and_beats_majority_on_held_out_raw_text():
    manifest = tiny_model()
    path = Path(manifest["path"])
    on_disk = json.loads(path.with_suffix(".json").read_text(encoding="utf-8"))
    assert on_disk["version"] == manifest["version"] == path.stem.removeprefix("classifier-")
    assert set(on_disk["data_sha256"]) == {data.SEGMENTED_FILE, data.RAW_FILE}
    assert on_disk["params"]["seed"] and on_disk["libraries"]["scikit-learn"]
    assert (path.parent / "CURRENT").read_text().strip() == manifest["version"]
    # honest check on the tiny model's own held-out raw messages, recomputed from the saved file
    rows = list(csv.DictReader((path.parent / manifest["held_out_file"]).open(encoding="utf-8")))
    clf = load(path)
    truth = [r[data.LABEL_COL] for r in rows]
    accuracy = np.mean(np.array(clf.predict([r["text"] for r in rows])) == np.array(truth))
    majority_share = max(truth.count(label) for label in set(truth)) / len(truth)
    assert accuracy == pytest.approx(manifest["metrics"]["held_out_raw"]["accuracy"], abs=1e-4)
    assert accuracy > majority_share + 0.2


def test_public_interface_shapes(tiny_current):
    clf = classifier.load_classifier()
    assert isinstance(clf.version, str) and len(clf.labels) == 7
    texts = ["小区物业乱收停车费，电梯坏了没人修", "孩子上学划片不合理", "!!!", "ABC 123", ""]
    proba = clf.predict_proba(texts)
    assert proba.shape == (len(texts), len(clf.labels))
    assert np.allclose(proba.sum(axis=1), 1.0)
    predicted = clf.predict(texts)
    assert predicted == [clf.labels[i] for i in proba.argmax(axis=1)]
    assert clf.predict_proba([]).shape == (0, 7)


def test_loader_is_cached_per_process(tiny_current):
    first = classifier.load_classifier()
    assert classifier.load_classifier() is first
    classifier.load_classifier.cache_clear()
    again = classifier.load_classifier()
    assert again is not first and again.version == first.version


def test_missing_model_is_a_clear_error(monkeypatch, tmp_path):
    monkeypatch.setenv("JIESU_CLASSIFIER_PATH", str(tmp_path / "nothing.joblib"))
    classifier.load_classifier.cache_clear()
    with pytest.raises(classifier.ClassifierMissing, match="train_classifier"):
        classifier.load_classifier()
    classifier.load_classifier.cache_clear()


@pytest.mark.django_db
def test_qiyou_wuxing_table_fills_categories(reference):
    from jiesu.workorders.models import Category

    result = apply_dimensions()
    dims = {c.path: (c.qiyou, c.wuxing) for c in Category.objects.filter(scheme="tipdm")}
    assert result["categories"] == len(dims)
    assert dims["城乡建设/住房保障与房地产/物业服务"] == ("住有所居", "宜居性")  # inherited from level 2
    assert dims["劳动和社会保障/退休政策及待遇"] == ("老有所养", "公正性")  # level-2 override
    assert dims["城乡建设/城市建设和市政管理/冬季采暖"] == ("住有所居", "便利性")  # level-3 override
    assert dims["交通运输"] == ("", "便利性")  # not a 七有 matter
    table = load_table()
    assert all(dims[p][1] in table.allowed["wuxing"] for p in dims)  # every category has a 五性 dimension
    assert apply_dimensions()["changed"] == 0  # idempotent


@pytest.mark.django_db
def test_qiyou_wuxing_table_rejects_bad_entries(reference, tmp_path):
    good = load_table()
    bad_value = tmp_path / "bad.yaml"
    bad_value.write_text(
        "dimensions: {qiyou: [学有所教], wuxing: [公正性]}\nmapping:\n  教育文体: {qiyou: 有学上, wuxing: 公正性}\n",
        encoding="utf-8",
    )
    with pytest.raises(InvalidInput, match="不在维度列表"):
        load_table(bad_value)
    unknown = tmp_path / "unknown.yaml"
    unknown.write_text(
        "dimensions: {qiyou: [学有所教], wuxing: [公正性]}\nmapping:\n  不存在的类别: {qiyou: 学有所教, wuxing: 公正性}\n",
        encoding="utf-8",
    )
    with pytest.raises(InvalidInput, match="不存在的类别"):
        apply_dimensions(table=load_table(unknown))
    assert good.lookup("教育文体/文化") == {"qiyou": "", "wuxing": "多样性"}


def test_corrected_labels_change_later_predictions(tmp_path):
    """train_classifier --extra-labels: the centre's corrections (退单/改派 relabelled) are learnt."""
    import io

    from django.core.management import call_command

    text = "嘟嘟噜噜咔嚓咔嚓反映"
    before = load(Path(tiny_model()["path"]))
    wanted = next(label for label in before.labels if label != before.predict([text])[0])
    extra = tmp_path / "corrections.csv"
    extra.write_text(
        "title,content,label\n" + "".join(f"{text}{i},,{wanted}\n" for i in range(30)) + ",,交通运输\n",
        encoding="utf-8",
    )
    out = io.StringIO()
    call_command("train_classifier", limit=600, out_dir=str(tmp_path / "m"), extra_labels=str(extra), stdout=out)
    after = load(next((tmp_path / "m").glob("classifier-*.joblib")))
    assert after.manifest["training"]["extra_rows"] == 30
    assert "extra" in after.manifest["data_sha256"] and after.version != before.version
    assert "并入纠正标签 30 条（跳过 1 条" in out.getvalue()
    assert after.predict([text])[0] == wanted
