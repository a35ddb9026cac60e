"""Part 1 ranking: the course's ``Scorer`` (hw_utils.scoring) and the given ``FastScorer``
(instructor.ranking), which must give exactly the same numbers."""
import math

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from instructor import ranking
from hw_utils.embedding import Embedder
from instructor.ranking import FastScorer, hard_negative_counts, hits_at_k, rank_metrics
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
        vectors[0] = draw(st.lists(st.floats(-1, 1, width=32), min_size=DIM, max_size=DIM))
    embeddings = {word: np.array(vector, dtype=np.float32) for word, vector in zip(WORDS, vectors)}
    pool = draw(st.lists(texts, min_size=1, max_size=8))
    sample = st.lists(st.sampled_from(pool), min_size=3, max_size=12)
    samples = draw(st.lists(sample, min_size=1, max_size=10))
    return embeddings, samples


def course_counts(scorer: Scorer, samples) -> list[int]:
    return [scorer._get_hard_negatives(q, pos, negs) for q, pos, *negs in samples]


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(corpora())
def test_fast_scorer_equals_the_course_scorer_up_to_rounding(corpus):
    """Equal counts, except where a similarity is within float32 rounding of the duplicate's:
    the course's ``candidates @ question`` (BLAS, maybe with fused multiply-adds) may then
    round a tie either way; ``FastScorer`` brackets it with a margin of +-1e-6."""
    embeddings, samples = corpus
    ks = [1, 2, 3, 5, 10]
    scorer = Scorer(ks, Embedder(embeddings, DIM))
    fast = FastScorer(ks, embeddings, DIM)
    course = np.array(course_counts(scorer, samples))
    strict, loose = fast.hard_negatives(samples, margin=1e-6), fast.hard_negatives(samples,
                                                                                   margin=-1e-6)
    assert (strict <= course).all() and (course <= loose).all()
    counts = fast.hard_negatives(samples)
    assert (strict <= counts).all() and (counts <= loose).all()
    near_tie = strict != loose
    assert counts[~near_tie].tolist() == course[~near_tie].tolist()
    if not near_tie.any():
        assert fast(samples) == scorer(samples)


@settings(max_examples=100, deadline=None)
@given(st.lists(st.lists(st.sampled_from([*WORDS, "unknown"]), min_size=3, max_size=30),
                min_size=1, max_size=10), st.integers(0, 2 ** 16))
def test_fast_scorer_equals_the_course_scorer_on_random_vectors(samples, seed):
    """Random real vectors, repeated texts and unknown words (zero vectors): the same counts."""
    rng = np.random.default_rng(seed)
    embeddings = {word: rng.standard_normal(DIM).astype(np.float32) for word in WORDS}
    scorer = Scorer([1, 3], Embedder(embeddings, DIM))
    fast = FastScorer([1, 3], embeddings, DIM)
    assert fast.hard_negatives(samples).tolist() == course_counts(scorer, samples)
    assert fast(samples) == scorer(samples)


@settings(max_examples=200, deadline=None)
@given(corpora())
def test_course_scorer_agrees_with_float64_cosine(corpus):
    """The counts are those of a float64 cosine up to near-ties (|difference| < 1e-6)."""
    embeddings, samples = corpus
    embedder = Embedder(embeddings, DIM)
    scorer = Scorer([1], embedder)

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


def test_the_course_s_worked_example():
    """q "What is python": the model ranks "How to learn C++" above the duplicate, then the
    duplicate, then two others: Hits@1 = 0 and Hits@4 = 1 (one hard negative)."""
    embeddings = {"python": np.array([1.0, 0.0, 0.0]), "language": np.array([0.0, 1.0, 0.0]),
                  "learn": np.array([1.0, 0.2, 0.0]), "java": np.array([0.0, 0.0, 1.0]),
                  "tensorflow": np.array([-1.0, 0.0, 0.0])}
    sample = ["python", "python language", "learn", "learn java", "tensorflow"]
    scorer = Scorer([1, 4], Embedder(embeddings, DIM))
    assert scorer._get_hard_negatives(sample[0], sample[1], sample[2:]) == 1
    assert scorer([sample]) == {1: 0.0, 4: 1.0}
    assert FastScorer([1, 4], embeddings, DIM)([sample]) == {1: 0.0, 4: 1.0}


def test_a_copy_of_the_duplicate_is_never_hard():
    embeddings = {"a": np.array([0.3, 0.1, 0.7]), "b": np.array([0.2, 0.9, 0.1])}
    scorer = Scorer([1], Embedder(embeddings, DIM))
    assert scorer._get_hard_negatives("a", "a b", ["a b"] * 50) == 0
    assert FastScorer([1], embeddings, DIM).hard_negatives([["a", "a b", *["a b"] * 50]]) == [0]


def test_zero_vectors_have_cosine_zero():
    embeddings = {"x": np.array([1.0, 0.0, 0.0]), "y": np.array([-1.0, 0.0, 0.0])}
    samples = [["unknown", "x", "y", "x"], ["x", "unknown", "x", "y", "nope"]]
    # question unknown: every similarity is 0, nothing beats the duplicate;
    # duplicate unknown (0): "x" (1) is hard, "y" (-1) is not, another unknown (0) ties
    for scorer in (Scorer([1, 2], Embedder(embeddings, DIM)), FastScorer([1, 2], embeddings, DIM)):
        assert scorer(samples) == {1: 0.5, 2: 1.0}


def test_hits_and_rank_metrics_by_hand():
    counts = np.array([2, 0, 0])  # ranks 3, 1, 1
    assert hits_at_k(counts, [1, 2, 3]) == pytest.approx({1: 2 / 3, 2: 2 / 3, 3: 1.0})
    metrics = rank_metrics(counts, [1, 3])
    assert metrics["mrr"] == pytest.approx((1 / 3 + 1 + 1) / 3)
    assert metrics["dcg@1"] == pytest.approx(2 / 3)
    assert metrics["dcg@3"] == pytest.approx((1 / math.log2(4) + 2) / 3)


def test_fast_scorer_rank_metrics_and_numpy_ks():
    embeddings = {"a": np.array([1.0, 0.0, 0.0]), "b": np.array([0.0, 1.0, 0.0]),
                  "c": np.array([1.0, 1.0, 0.0])}
    scorer = FastScorer(np.array([1, 3]), embeddings, DIM)
    samples = [["a", "b", "c", "a"], ["a", "a", "b", "c"], ["x", "a", "b", "c"]]
    assert scorer.hard_negatives(samples).tolist() == [2, 0, 0]
    assert scorer(samples) == pytest.approx({1: 2 / 3, 3: 1.0})
    assert all(type(k) is int for k in scorer(samples))
    assert scorer.rank_metrics(samples)["mrr"] == pytest.approx((1 / 3 + 2) / 3)


def test_margin_resolves_near_ties():
    embeddings = {"q": np.array([1.0, 0.0, 0.0]), "p": np.array([1.0, 2e-3, 0.0]),
                  "n": np.array([1.0, 0.0, 1e-3])}  # cosines 1 - 2e-6 and 1 - 5e-7
    sample = [["q", "p", "n"]]
    scorer = FastScorer([1], embeddings, DIM)
    assert scorer.hard_negatives(sample).tolist() == [1]
    assert scorer.hard_negatives(sample, margin=1e-5).tolist() == [0]
    assert scorer.hard_negatives(sample, margin=-1e-5).tolist() == [1]


@pytest.mark.parametrize("verbose", [False, True])
def test_verbose_shows_a_progress_bar(capsys, monkeypatch, verbose):
    monkeypatch.setenv("TQDM_DISABLE", "0")
    Scorer([1], Embedder({"a": np.ones(3)}, DIM))([["a", "a", "b"]], verbose=verbose)
    FastScorer([1], {"a": np.ones(3)}, DIM)([["a", "a", "b"]], verbose=verbose)
    assert ("it/s" in capsys.readouterr().err) == verbose


@pytest.mark.parametrize("samples, error, message", [
    ([["q", "p", "n1"], ["q", "p"]], ValueError, r"sample 1 has 2 texts.*at least one negative"),
    ([["q", "p", "n1", 7]], TypeError, r"sample 0 holds a int \(7\)"),
    ([["q", "p", None]], TypeError, r"sample 0 holds a NoneType"),
    ([("q", "p", b"n")], TypeError, r"sample 0 holds a bytes"),
    (["q p n1 n2"], TypeError, r"sample 0 must be a list"),
    ([], ValueError, "no samples"),
    ("q p n n", TypeError, "samples must be a list"),
])
def test_bad_samples_are_named(samples, error, message):
    with pytest.raises(error, match=message):
        FastScorer([1], {}, DIM)(samples)


def test_tuples_and_str_subclasses_are_samples_too():
    samples = [("a", "a", "b"), list(np.array(["a", "b", "a"]))]
    assert FastScorer([1], {"a": np.ones(3)}, DIM).hard_negatives(samples).tolist() == [0, 1]


@pytest.mark.parametrize("chunk, threads", [(1, 1), (1, 3), (2, 2), (100, 2)])
def test_scoring_threads_and_chunks_do_not_change_counts(monkeypatch, chunk, threads):
    rng = np.random.default_rng(3)
    embeddings = {word: rng.standard_normal(DIM).astype(np.float32) for word in WORDS}
    pool = [" ".join(rng.choice([*WORDS, "unknown"], size=3)) for _ in range(40)]
    samples = [list(rng.choice(pool, size=15)) for _ in range(25)]
    expected = course_counts(Scorer([1], Embedder(embeddings, DIM)), samples)
    monkeypatch.setattr(ranking, "SCORING_CHUNK", chunk)
    monkeypatch.setattr(ranking, "SCORING_THREADS", threads)
    assert FastScorer([1], embeddings, DIM).hard_negatives(samples).tolist() == expected


def test_any_batch_embedding_plugs_into_hard_negative_counts():
    """``hard_negative_counts`` embeds every distinct text once, in one call."""
    calls = []

    def embed(texts):
        calls.append(list(texts))
        return np.array([[len(text), 1.0] for text in texts]) / np.sqrt(
            [[len(text) ** 2 + 1.0] for text in texts])

    counts = hard_negative_counts([["aaaa", "a", "aaa", "aa"], ["a", "aa", "aa", "a"]], embed)
    assert counts.tolist() == [2, 1]
    assert len(calls) == 1 and sorted(calls[0]) == ["a", "aa", "aaa", "aaaa"]
