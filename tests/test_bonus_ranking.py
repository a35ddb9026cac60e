"""Bonus methods ranked by Part 1's rule: a model as an embedder, pair rankers, the metrics."""
import numpy as np
import pytest
import torch

from hw_utils.dssm import DssmLikeModel
from hw_utils.embedding import Embedder
from instructor.ranking import FastScorer
from hw_utils.scoring import Scorer
from hw_utils.text import TextTokenizer
from instructor.bonus.ranking import (ModelEmbedder, evaluate, model_hard_negatives,
                                 ranker_hard_negatives)
from instructor.pipeline import dssm_word_vectors

VOCAB = "python list sort json parse file read string int".split()
SAMPLES = [["python list", "sort list", "parse json", "read file", "string"],
           ["parse json", "json parse python", "sort list", "int string", "unknown words"],
           ["read file", "file", "read", "python", "list"]]


@pytest.fixture
def model():
    torch.manual_seed(0)
    return DssmLikeModel(len(VOCAB), 8)


def test_model_embedder_ranks_as_the_word_vectors_in_part1_s_scorer(model):
    """Part 3's model as a question encoder = its word vectors in Part 1's ``Embedder``."""
    tokenizer = TextTokenizer(VOCAB)
    embedder = ModelEmbedder(model, tokenizer, batch_size=2)
    reference = Embedder(dssm_word_vectors(model, tokenizer), 8)
    for text in ("python list", "unknown", ""):
        np.testing.assert_allclose(embedder(text, normalize=True),
                                   reference(text, normalize=True), atol=1e-6)
    np.testing.assert_allclose(np.linalg.norm(embedder.embed(["python", "sort list"]), axis=1), 1,
                               rtol=1e-6)
    counts = model_hard_negatives(SAMPLES, model, tokenizer)
    assert counts.tolist() == FastScorer([1], dssm_word_vectors(model, tokenizer), 8
                                         ).hard_negatives(SAMPLES).tolist()
    assert Scorer([1, 2, 3], embedder)(SAMPLES) == Scorer([1, 2, 3], reference)(SAMPLES)
    with pytest.raises(ValueError, match="no texts"):
        embedder.embed([])


def test_evaluate_gives_the_table_s_metrics_from_the_counts():
    metrics = evaluate(np.array([0, 1, 3]), ks=(1, 5))
    assert metrics["hits@1"] == pytest.approx(1 / 3) and metrics["hits@5"] == 1.0
    assert metrics["mrr"] == pytest.approx((1 + 1 / 2 + 1 / 4) / 3)
    assert metrics["dcg@10"] == pytest.approx((1 + 1 / np.log2(3) + 1 / np.log2(5)) / 3)


def test_ranker_hard_negatives_checks_the_samples():
    class Fixed:
        def hard_negatives(self, samples):
            return [0, 1, 3][:len(samples)]

    assert ranker_hard_negatives(SAMPLES, Fixed()).tolist() == [0, 1, 3]
    with pytest.raises(ValueError, match="empty"):
        ranker_hard_negatives([], Fixed())
