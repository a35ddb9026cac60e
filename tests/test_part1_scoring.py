"""Part 1 ranking metrics (hw_utils.scoring): the fast path equals the per-sample definition."""
import math
import os

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hw_utils.embedding import Embedder
from hw_utils import scoring
from hw_utils.scoring import Scorer

DIM = 3
WORDS = ["w0", "w1", "w2", "w3", "w4", "w5"]

# Word vectors from small integers, with zero vectors and repeated vectors (ties on purpose).
word_vectors = st.lists(st.lists(st.integers(-2, 2), min_size=DIM, max_size=DIM),
                        min_size=len(WORDS), max_size=len(WORDS))
texts = st.lists(st.sampled_from([*WORDS, "unknown"]), max_size=4).map(" ".join)


@st.composite
def corpora(draw):
    """A vocabulary of word vectors and samples whose texts repeat (exact ties)."""
    vectors = draw(word_vectors)
    if draw(st.booleans()):  # real-valued vectors too, not only small integers
        noise = draw(st.lists(st.floats(-1, 1, width=32), min_size=DIM, max_size=DIM))
        vectors[0] = noise
    embeddings = {word: np.array(vector, dtype=np.float32) for word, vector in zip(WORDS, vectors)}
    pool = draw(st.lists(texts, min_size=1, max_size=8))
    sample = st.lists(st.sampled_from(pool), min_size=4, max_size=12)
    samples = draw(st.lists(sample, min_size=1, max_size=10))
    return embeddings, samples


def per_sample_counts(scorer, samples):
    return [scorer._get_hard_negatives(s[0], s[1], s[2:]) for s in samples]


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(corpora())
def test_fast_path_equals_per_sample_definition(corpus):
    embeddings, samples = corpus
    scorer = Scorer([1, 2, 3, 5, 10], Embedder(embeddings, DIM))
    expected = per_sample_counts(scorer, samples)
    assert scorer.hard_negative_counts(samples).tolist() == expected
    hits = scorer(samples)
    assert hits == {k: sum(c < k for c in expected) / len(samples) for k in scorer.k}


@settings(max_examples=200, deadline=None)
@given(corpora())
def test_per_sample_definition_agrees_with_float64_cosine(corpus):
    """Counts agree with a plain float64 cosine up to near-ties (|difference| < 1e-6)."""
    embeddings, samples = corpus
    embedder = Embedder(embeddings, DIM)
    scorer = Scorer(1, embedder)

    def cosine(a, b):
        a, b = embedder(a).astype(np.float64), embedder(b).astype(np.float64)
        norms = np.linalg.norm(a) * np.linalg.norm(b)
        return 0.0 if norms == 0 else float(a @ b / norms)

    for q, pos, *negs in samples:
        positive = cosine(q, pos)
        similarities = [cosine(q, neg) for neg in negs]
        strict = sum(s > positive + 1e-6 for s in similarities)
        loose = sum(s > positive - 1e-6 for s in similarities)
        assert strict <= scorer._get_hard_negatives(q, pos, negs) <= loose


def test_duplicate_of_the_positive_is_never_hard():
    embeddings = {"a": np.array([0.3, 0.1, 0.7]), "b": np.array([0.2, 0.9, 0.1])}
    scorer = Scorer(1, Embedder(embeddings, DIM))
    samples = [["a", "a b", *["a b"] * 50, "b b b b", "b"]]
    assert scorer._get_hard_negatives("a", "a b", ["a b"] * 50) == 0
    assert scorer.hard_negative_counts(samples).tolist() == [0]


def test_zero_vectors_have_cosine_zero():
    embeddings = {"x": np.array([1.0, 0.0, 0.0]), "y": np.array([-1.0, 0.0, 0.0])}
    scorer = Scorer([1, 2], Embedder(embeddings, DIM))
    # question unknown: every similarity is 0, nothing is strictly greater than the positive
    assert scorer._get_hard_negatives("unknown", "x", ["y", "x"]) == 0
    # positive unknown (0): "x" (1) is hard, "y" (-1) is not, another unknown (0) ties
    assert scorer._get_hard_negatives("x", "unknown", ["x", "y", "nope"]) == 1
    samples = [["unknown", "x", "y", "x"], ["x", "unknown", "x", "y", "nope"]]
    assert scorer(samples) == {1: 0.5, 2: 1.0}


def test_hits_and_rank_metrics_by_hand():
    embeddings = {"a": np.array([1.0, 0.0, 0.0]), "b": np.array([0.0, 1.0, 0.0]),
                  "c": np.array([1.0, 1.0, 0.0])}
    scorer = Scorer([1, 2, 3], Embedder(embeddings, DIM))
    samples = [["a", "b", "c", "a"],  # 2 hard negatives: rank 3
               ["a", "a", "b", "c"],  # rank 1
               ["x", "a", "b", "c"]]  # unknown question: rank 1
    assert scorer(samples) == pytest.approx({1: 2 / 3, 2: 2 / 3, 3: 1.0})
    metrics = scorer.rank_metrics(samples)
    assert metrics["mrr"] == pytest.approx((1 / 3 + 1 + 1) / 3)
    assert metrics["dcg@1"] == pytest.approx(2 / 3)
    assert metrics["dcg@2"] == pytest.approx(2 / 3)
    assert metrics["dcg@3"] == pytest.approx((1 / math.log2(4) + 2) / 3)


def test_single_k_and_numpy_ints():
    scorer = Scorer(np.int64(5), Embedder({"a": np.ones(3)}, DIM))
    assert scorer.k == [5]
    assert scorer([["a", "a", "a", "a"]]) == {5: 1.0}


@pytest.mark.parametrize("verbose", [False, True])
def test_progress_bars_only_when_verbose(capsys, verbose):
    scorer = Scorer([1], Embedder({"a": np.ones(3)}, DIM))
    assert scorer([["a", "a", "b", "a"]], verbose=verbose) == {1: 1.0}
    shown = "scoring" in capsys.readouterr().err
    assert shown == (verbose and os.environ.get("TQDM_DISABLE", "") in ("", "0"))


@pytest.mark.parametrize("k", [0, -1, 1.5, "5", True, [], [1, 0], [5, None]])
def test_bad_k(k):
    with pytest.raises(ValueError, match="positive integer"):
        Scorer(k, Embedder({}, DIM))


@pytest.mark.parametrize("samples, error, message", [
    ([["q", "p", "n1", "n2"], ["q", "p", "n1"]], ValueError, r"sample 1 has 1 negatives.*at least 2"),
    ([["q", "p"]], ValueError, r"sample 0 has 0 negatives"),
    ([["q", "p", "n1", 7]], TypeError, r"sample 0, item 3 is a int"),
    ([["q", "p", "n1", None]], TypeError, r"sample 0, item 3 is a NoneType"),
    (["q p n1 n2"], TypeError, r"sample 0 must be a list"),
    ([], ValueError, "no samples"),
    ("q p n n", TypeError, "samples must be a list"),
])
def test_bad_samples(samples, error, message):
    scorer = Scorer([1], Embedder({}, DIM))
    with pytest.raises(error, match=message):
        scorer(samples)
    with pytest.raises(error, match=message):
        scorer.rank_metrics(samples)


def test_plain_callable_embedder_gives_the_same_counts():
    """An embedder without ``embed_many`` (one call per text) still works, with the same counts."""
    rng = np.random.default_rng(1)
    embedder = Embedder({word: rng.standard_normal(DIM).astype(np.float32) for word in WORDS}, DIM)
    pool = [" ".join(rng.choice([*WORDS, "unknown"], size=3)) for _ in range(30)]
    samples = [list(rng.choice(pool, size=20)) for _ in range(20)]
    fast = Scorer(1, embedder).hard_negative_counts(samples)
    plain = Scorer(1, lambda text, normalize=False: embedder(text, normalize=normalize))
    assert plain.hard_negative_counts(samples).tolist() == fast.tolist()


@pytest.mark.parametrize("chunk, threads", [(1, 1), (1, 3), (2, 2), (100, 2)])
def test_scoring_threads_and_chunks_do_not_change_counts(monkeypatch, chunk, threads):
    rng = np.random.default_rng(3)
    embeddings = {word: rng.standard_normal(DIM).astype(np.float32) for word in WORDS}
    pool = [" ".join(rng.choice([*WORDS, "unknown"], size=3)) for _ in range(40)]
    samples = [list(rng.choice(pool, size=15)) for _ in range(25)]
    scorer = Scorer(1, Embedder(embeddings, DIM))
    expected = [scorer._get_hard_negatives(q, p, negatives) for q, p, *negatives in samples]
    monkeypatch.setattr(scoring, "SCORING_CHUNK", chunk)
    monkeypatch.setattr(scoring, "SCORING_THREADS", threads)
    assert scorer.hard_negative_counts(samples).tolist() == expected


def test_identical_rows_get_identical_similarities_wherever_they_lie():
    """Rows at different memory alignments (offsets of 4 bytes) still give equal dot products."""
    rng = np.random.default_rng(2)
    query = rng.standard_normal(300).astype(np.float32)
    row = rng.standard_normal(300).astype(np.float32)
    for shift in range(8):
        buffer = np.empty(301 * 40 + 8, dtype=np.float32)[shift:shift + 301 * 40]
        candidates = buffer.reshape(40, 301)[:, :300]  # rows start at varying alignments
        candidates[:] = row
        similarities = scoring._similarities(query, np.ascontiguousarray(candidates))
        assert len(set(similarities.tolist())) == 1
        similarities = scoring._similarities(query, candidates)
        assert len(set(similarities.tolist())) == 1
