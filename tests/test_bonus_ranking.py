"""Bonus methods in Part 1's scorer: a model as an embedder, pair scorers, one-pass metrics."""
import numpy as np
import pytest
import torch

from tools.bonus.ranking import ModelEmbedder, PairScorer, evaluate
from hw_utils.dssm import DssmLikeModel, word_vectors
from hw_utils.embedding import Embedder
from hw_utils.scoring import Scorer
from hw_utils.text import TextTokenizer

VOCAB = {word: i for i, word in enumerate("python list sort json parse file read string int".split())}
SAMPLES = [["python list", "sort list", "parse json", "read file", "string"],
           ["parse json", "json parse python", "sort list", "int string", "unknown words"],
           ["read file", "file", "read", "python", "list"]]


@pytest.fixture
def model():
    torch.manual_seed(0)
    return DssmLikeModel(len(VOCAB), 8)


def test_model_embedder_matches_the_word_vectors_embedder(model):
    tokenizer = TextTokenizer(VOCAB)
    embedder = ModelEmbedder(model, tokenizer, batch_size=2)
    reference = Embedder(word_vectors(model, tokenizer), 8)
    for text in ("python list", "unknown", ""):
        np.testing.assert_allclose(embedder(text, normalize=True),
                                   reference(text, normalize=True), atol=1e-6)
    assert embedder.embed_many([]).shape == (0, 8)
    ks = [1, 2, 3]
    assert Scorer(ks, embedder)(SAMPLES) == Scorer(ks, reference)(SAMPLES)


def test_pair_scorer_and_evaluate():
    class Fixed:
        def hard_negatives(self, samples):
            return np.array([0, 1, 3])[:len(samples)]

    scorer = PairScorer([1, 2], Fixed())
    assert scorer(SAMPLES) == {1: pytest.approx(1 / 3), 2: pytest.approx(2 / 3)}
    metrics = evaluate(scorer, SAMPLES, ks=(1, 5))
    assert metrics["hits@1"] == pytest.approx(1 / 3) and metrics["hits@5"] == 1.0
    assert metrics["mrr"] == pytest.approx((1 + 1 / 2 + 1 / 4) / 3)
    assert metrics["dcg@10"] == pytest.approx((1 + 1 / np.log2(3) + 1 / np.log2(5)) / 3)
    with pytest.raises(ValueError, match="empty"):
        scorer([])
