"""Word2vec binary loading, checked against gensim on small files the tests write themselves."""
import gzip

import numpy as np
import pytest
from gensim.models import KeyedVectors

from sodata import vectors as vectors_module
from sodata.vectors import VectorFileError, load_vectors

WORDS = ["the", "python", "c++", "naïve", "данные", "list", "sort", "dict", "jquery", "java"]
DIM = 5


def _matrix(rows: int = len(WORDS), dim: int = DIM) -> np.ndarray:
    return np.random.default_rng(0).standard_normal((rows, dim)).astype(np.float32)


def _write_word2vec(path, words, matrix, newline=True, compress=None, count=None) -> None:
    """A word2vec binary file written by hand: header, then word, space, float32s (and newline)."""
    body = [f"{len(words) if count is None else count} {matrix.shape[1]}\n".encode()]
    for word, row in zip(words, matrix):
        body.append(word.encode() + b" " + row.astype("<f4").tobytes() + (b"\n" if newline else b""))
    data = b"".join(body)
    compress = path.suffix == ".gz" if compress is None else compress
    path.write_bytes(gzip.compress(data, compresslevel=1) if compress else data)


@pytest.fixture(params=["vectors.bin", "vectors.bin.gz"])
def gensim_file(request, tmp_path):
    kv = KeyedVectors(DIM)
    kv.add_vectors(WORDS, _matrix())
    path = tmp_path / request.param
    kv.save_word2vec_format(str(path), binary=True)
    return path


def _same(ours: KeyedVectors, theirs: KeyedVectors) -> None:
    assert ours.index_to_key == theirs.index_to_key
    assert ours.vector_size == theirs.vector_size and ours.vectors.dtype == np.float32
    np.testing.assert_array_equal(ours.vectors, theirs.vectors)


@pytest.mark.parametrize("limit", [None, 3])
def test_without_keep_words_it_is_gensim(gensim_file, limit):
    ours = load_vectors(gensim_file, limit=limit)
    _same(ours, KeyedVectors.load_word2vec_format(str(gensim_file), binary=True, limit=limit))
    assert len(ours) == (limit or len(WORDS))


@pytest.mark.parametrize("limit", [None, 6])
def test_keep_words_gives_gensims_vectors_for_those_words(gensim_file, limit):
    keep = {"python", "данные", "java", "not-in-file", "naïve"}
    full = KeyedVectors.load_word2vec_format(str(gensim_file), binary=True, limit=limit)
    ours = load_vectors(gensim_file, limit=limit, keep_words=keep)
    expected = [word for word in full.index_to_key if word in keep]
    assert ours.index_to_key == expected
    for word in expected:
        np.testing.assert_array_equal(ours[word], full[word])
    assert "not-in-file" not in ours and "the" not in ours


@pytest.mark.parametrize("newline", [True, False])
@pytest.mark.parametrize("name", ["plain.bin", "named-like-gz-but-plain.bin.gz"])
def test_hand_written_files_with_or_without_newlines(tmp_path, newline, name):
    path = tmp_path / name
    _write_word2vec(path, WORDS, _matrix(), newline=newline, compress=False)
    ours = load_vectors(path, keep_words=WORDS)
    np.testing.assert_array_equal(ours.vectors, _matrix())
    assert ours.index_to_key == WORDS


def test_a_chunk_boundary_inside_a_word_or_vector(tmp_path, monkeypatch):
    monkeypatch.setattr(vectors_module, "CHUNK_BYTES", 7)
    path = tmp_path / "v.bin.gz"
    matrix = _matrix(300, 3)
    words = [f"w{i}" for i in range(300)]
    _write_word2vec(path, words, matrix)
    ours = load_vectors(path, keep_words=words[::3])
    assert ours.index_to_key == words[::3]
    np.testing.assert_array_equal(ours.vectors, matrix[::3])


@pytest.mark.parametrize("keep", [True, False], ids=["keep_words", "all words"])
def test_a_repeated_word_names_the_word_and_both_places(tmp_path, keep):
    path = tmp_path / "v.bin"
    _write_word2vec(path, ["a", "b", "a"], _matrix(3))
    with pytest.raises(VectorFileError, match=r"v.bin: word 3 \('a'\) is word 1 again"):
        load_vectors(path, keep_words={"a", "b", "c"} if keep else None)


def test_no_kept_word_gives_empty_vectors(gensim_file):
    ours = load_vectors(gensim_file, keep_words=["absent"])
    assert len(ours) == 0 and ours.vector_size == DIM


def test_a_truncated_file_says_so(tmp_path):
    path = tmp_path / "v.bin.gz"
    _write_word2vec(path, WORDS, _matrix(), count=len(WORDS) + 5)
    with pytest.raises(EOFError, match=r"ends after 10 of the 15 words .* truncated"):
        load_vectors(path, keep_words=["not-there"])


def test_a_file_without_a_header_says_so(tmp_path):
    path = tmp_path / "v.txt"
    path.write_text("the 0.1 0.2\n")
    with pytest.raises(ValueError, match=r"v.txt: the first line should be 'WORDS DIMENSIONS'"):
        load_vectors(path, keep_words=["the"])


def test_limit_and_keep_words_together_on_300_dimensions(tmp_path):
    """The first ``limit`` words are scanned; of those, only the kept ones are stored."""
    path = tmp_path / "v.bin.gz"
    words = [f"word{i}" for i in range(2_000)]
    matrix = _matrix(2_000, 300)
    _write_word2vec(path, words, matrix)
    ours = load_vectors(path, limit=1_000, keep_words=words[::100])
    assert ours.index_to_key == words[:1_000:100] and ours.vectors.shape == (10, 300)
    np.testing.assert_array_equal(ours["word900"], matrix[900])


# Vectors that are not vectors, on both paths (issue 24) ------------------------------------------

@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
@pytest.mark.parametrize("keep", [True, False], ids=["keep_words", "all words"])
def test_a_non_finite_value_names_the_word(tmp_path, bad, keep):
    matrix = _matrix()
    matrix[4, 2] = bad
    path = tmp_path / "v.bin.gz"
    _write_word2vec(path, WORDS, matrix)
    with pytest.raises(VectorFileError, match=r"v.bin.gz: the vector of 'данные' \(word 5\) "
                                              r"holds NaN or infinite values"):
        load_vectors(path, limit=None if keep else 8, keep_words=WORDS if keep else None)


@pytest.mark.parametrize("limit", [None, 500_000])
def test_a_header_announcing_fewer_words_than_the_file_holds(tmp_path, limit):
    path = tmp_path / "v.bin.gz"
    _write_word2vec(path, WORDS, _matrix(), count=len(WORDS) - 3)
    with pytest.raises(VectorFileError, match=r"v.bin.gz holds more after its 7 announced words"):
        load_vectors(path, limit=limit)


def test_the_first_words_of_a_longer_file_are_read_with_a_limit(tmp_path):
    """With ``limit`` below the announced count nothing past it is read, as in gensim."""
    path = tmp_path / "v.bin.gz"
    _write_word2vec(path, WORDS, _matrix())
    assert load_vectors(path, limit=3).index_to_key == WORDS[:3]


@pytest.mark.parametrize("keep", [True, False], ids=["keep_words", "all words"])
def test_a_word_that_is_not_text_names_the_word_number(tmp_path, keep):
    """A header one float short: from the second word on, words are read from inside vectors."""
    path = tmp_path / "v.bin"
    _write_word2vec(path, WORDS, _matrix(dim=DIM + 1), newline=False)
    data = path.read_bytes().replace(f"{len(WORDS)} {DIM + 1}".encode(), f"{len(WORDS)} {DIM}".encode(), 1)
    path.write_bytes(data)
    with pytest.raises(VectorFileError, match=r"v.bin: word 2 is not text .* header's dimension \(5\)"):
        load_vectors(path, keep_words=["java"] if keep else None)
