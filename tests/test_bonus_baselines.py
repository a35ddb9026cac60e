"""Bonus baselines: TF-IDF cosine and BM25 rank like Part 1's scorer."""
import numpy as np
import pytest

from instructor.bonus.baselines import Bm25Ranker, TfidfRanker
from instructor.bonus.ranking import evaluate, ranker_hard_negatives

CORPUS = ["convert string to int", "parse json in python", "sort a list in python",
          "read a file line by line", "convert int to string java", "python list comprehension"]
SAMPLES = [
    ["string to int conversion", "convert string to int", "sort a list in python",
     "read a file line by line"],
    ["python sort list", "sort a list in python", "parse json in python", "convert int to string java"],
]


@pytest.mark.parametrize("ranker_cls", [TfidfRanker, Bm25Ranker])
def test_ranks_the_duplicate_first(ranker_cls):
    ranker = ranker_cls().fit(CORPUS)
    assert list(ranker.hard_negatives(SAMPLES)) == [0, 0]


@pytest.mark.parametrize("ranker_cls", [TfidfRanker, Bm25Ranker])
def test_batched_counts_match_per_sample_scores(ranker_cls):
    ranker = ranker_cls().fit(CORPUS)
    expected = []
    for sample in SAMPLES + [list(reversed(sample)) for sample in SAMPLES]:
        scores = ranker(sample[0], sample[1:])
        expected.append(int(np.count_nonzero(scores[1:] > scores[0])))
    samples = SAMPLES + [list(reversed(sample)) for sample in SAMPLES]
    assert list(ranker.hard_negatives(samples)) == expected


@pytest.mark.parametrize("ranker_cls", [TfidfRanker, Bm25Ranker])
def test_empty_inputs(ranker_cls):
    ranker = ranker_cls().fit(CORPUS)
    assert ranker("python", []).shape == (0,)
    assert len(ranker.hard_negatives([])) == 0
    # an empty question or candidate scores 0 everywhere: ties count for the duplicate
    assert ranker.hard_negatives([["", "python list", "json", "file"]]).tolist() == [0]
    assert ranker.hard_negatives([["python list", "", "json", "python"]]).tolist() == [1]


def test_bm25_matches_the_formula():
    ranker = Bm25Ranker(k1=1.2, b=0.75).fit(CORPUS)
    document = "python list python"
    score = ranker("python list", [document])[0]
    n_docs, avgdl = len(CORPUS), sum(len(text.split()) for text in CORPUS) / len(CORPUS)
    expected = 0.0
    for word, tf in (("python", 2), ("list", 1)):
        df = sum(word in text.split() for text in CORPUS)
        idf = np.log(1 + (n_docs - df + 0.5) / (df + 0.5))
        expected += idf * tf * 2.2 / (tf + 1.2 * (1 - 0.75 + 0.75 * 3 / avgdl))
    assert score == pytest.approx(expected)


def test_evaluate_gives_the_table_metrics():
    metrics = evaluate(ranker_hard_negatives(SAMPLES, TfidfRanker().fit(CORPUS)), ks=(1, 5))
    assert metrics == {"hits@1": 1.0, "hits@5": 1.0, "dcg@10": 1.0, "mrr": 1.0}
