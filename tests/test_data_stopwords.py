"""The English stopwords: the shipped copy of NLTK's classic list, and NLTK's corpus when installed."""
import warnings
import zipfile

import pytest

from sodata import stopwords
from sodata.stopwords import english_stopwords, stopwords_source

FIRST = ["i", "me", "my", "myself", "we", "our", "ours", "ourselves", "you", "you're"]


@pytest.fixture(autouse=True)
def _fresh_cache():
    stopwords._load.cache_clear()
    yield
    stopwords._load.cache_clear()


def test_the_shipped_list_is_nltks_classic_english_list():
    words = english_stopwords(source="shipped")
    assert isinstance(words, frozenset) and len(words) == 179
    assert {"i", "not", "and", "or", "don't", "should've", "that'll", "wouldn't", "y", "ma"} <= words
    assert not {"he'd", "they're", "jquery", ""} & words
    lines = stopwords.SHIPPED_LIST.read_text(encoding="utf-8").splitlines()
    assert lines[:10] == FIRST and lines[-1] == "wouldn't" and len(lines) == len(set(lines))


def _install_nltk_corpus(folder, words, zipped=False):
    text = "\n".join(words) + "\n"
    corpora = folder / "corpora"
    corpora.mkdir(parents=True)
    if zipped:
        with zipfile.ZipFile(corpora / "stopwords.zip", "w") as archive:
            archive.writestr("stopwords/english", text)
    else:
        (corpora / "stopwords").mkdir()
        (corpora / "stopwords" / "english").write_text(text, encoding="utf-8")


@pytest.mark.parametrize("zipped", [False, True])
def test_an_installed_nltk_corpus_is_used(tmp_path, monkeypatch, zipped):
    shipped = sorted(english_stopwords(source="shipped"))
    _install_nltk_corpus(tmp_path, shipped, zipped)
    monkeypatch.setattr(stopwords, "_nltk_search_paths", lambda: [str(tmp_path / "none"), str(tmp_path)])
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # the same list: no warning
        assert english_stopwords() == frozenset(shipped)
    assert stopwords_source().startswith(str(tmp_path / "corpora"))


def test_a_different_nltk_list_is_used_with_a_warning(tmp_path, monkeypatch):
    newer = sorted(english_stopwords(source="shipped") | {"he'd", "they're"})
    _install_nltk_corpus(tmp_path, newer)
    monkeypatch.setattr(stopwords, "_nltk_search_paths", lambda: [str(tmp_path)])
    with pytest.warns(UserWarning, match=r"181 words\) differs from the course's \(179 words\)"):
        assert len(english_stopwords()) == 181
    assert len(english_stopwords(source="shipped")) == 179


def test_without_nltk_corpus_the_shipped_copy_is_used(tmp_path, monkeypatch):
    monkeypatch.setattr(stopwords, "_nltk_search_paths", lambda: [str(tmp_path)])
    assert english_stopwords() == english_stopwords(source="shipped")
    assert stopwords_source() == str(stopwords.SHIPPED_LIST)
    with pytest.raises(LookupError, match="source='shipped'"):
        english_stopwords(source="nltk")


def test_an_unreadable_nltk_corpus_is_skipped(tmp_path, monkeypatch):
    (tmp_path / "corpora").mkdir()
    (tmp_path / "corpora" / "stopwords.zip").write_bytes(b"not a zip")
    monkeypatch.setattr(stopwords, "_nltk_search_paths", lambda: [str(tmp_path)])
    assert len(english_stopwords()) == 179


def test_an_unknown_source_is_refused():
    with pytest.raises(ValueError, match="use one of auto, nltk, shipped"):
        english_stopwords(source="spacy")
