"""Bonus 5: the early-fusion pair model and the re-ranking of Part 3's top candidates."""
import numpy as np
import pytest
import torch

from instructor.bonus.early_fusion import EarlyFusionModel, FusionReranker, InBatchPairLoss
from instructor.bonus.ranking import ModelEmbedder, evaluate
from hw_utils.dssm import get_ids_and_offsets

QUESTIONS = [[1, 2, 3], [4, 5], [6], [7, 8, 9, 1]]
DUPLICATES = [[3, 2, 1], [5, 4, 0], [6, 0], [9, 8, 7]]


def _model(**kwargs):
    torch.manual_seed(0)
    return EarlyFusionModel(10, 8, projection_dim=4, hidden_dim=16, **kwargs)


def test_shapes():
    model = _model()
    questions = model(*get_ids_and_offsets(QUESTIONS))
    candidates = model(*get_ids_and_offsets(DUPLICATES[:3]))
    assert questions.shape == (4, 8)
    torch.testing.assert_close(questions.norm(dim=1), torch.ones(4))
    assert model.score(questions[:3], candidates).shape == (3,)
    matrix = model.score_matrix(questions, candidates)
    assert matrix.shape == (4, 3)
    torch.testing.assert_close(matrix[1, 2], model.score(questions[1:2], candidates[2:3])[0])


def test_starts_as_the_scaled_cosine_and_loads_word_vectors():
    model = _model(temperature=0.5)
    vectors = torch.randn(10, 8)
    model.load_word_vectors(vectors.numpy())
    torch.testing.assert_close(model.embeddings.weight, vectors)
    q, d = model(*get_ids_and_offsets(QUESTIONS)), model(*get_ids_and_offsets(DUPLICATES))
    torch.testing.assert_close(model.score(q, d), (q * d).sum(1) / 0.5)
    with pytest.raises(ValueError, match="shape"):
        model.load_word_vectors(torch.zeros(3, 8))


def test_a_training_step_lowers_the_loss():
    model = _model()
    torch.nn.init.normal_(model.head[-1].weight, std=0.1)
    criterion = InBatchPairLoss(model.score_matrix)
    optimizer = torch.optim.Adam(model.parameters(), lr=0.05)
    questions, duplicates = get_ids_and_offsets(QUESTIONS), get_ids_and_offsets(DUPLICATES)
    losses = []
    for _ in range(5):
        loss = criterion(model(*questions), model(*duplicates))
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    assert losses[-1] < losses[0]


def test_empty_inputs():
    model = _model()
    vectors = model(*get_ids_and_offsets([[], [1]]))
    assert torch.all(vectors[0] == 0)
    no_ids = torch.zeros(0, dtype=torch.long)
    assert model(no_ids, no_ids).shape == (0, 8)
    assert InBatchPairLoss(model.score_matrix)(torch.zeros(0, 8), torch.zeros(0, 8)).item() == 0
    reranker = FusionReranker(model, lambda text: [], lambda texts: np.zeros((len(texts), 8)))
    assert reranker.hard_negatives([]).shape == (0,)


VOCAB = {word: i for i, word in enumerate("a b c d e f g h i j".split())}


def _tokenize(text):
    return [VOCAB[word] for word in text.split() if word in VOCAB]


def test_reranking_with_an_untrained_head_keeps_the_base_ranking():
    model = _model(temperature=0.1)
    samples = [["a b", "b c", "d e", "a b c", "f g"], ["h", "i j", "h i", "c"], ["a", "b", "c", "d"]]
    base = ModelEmbedder(model, _tokenize)
    base_counts = [
        int(np.count_nonzero(scores[1:] > scores[0])) for scores in
        ((base.embed(sample[1:]) * base.embed(sample[:1])).sum(1)
         for sample in samples)]
    reranker = FusionReranker(model, _tokenize, base.embed, top_n=2)
    assert reranker.hard_negatives(samples).tolist() == base_counts
    assert evaluate(reranker.hard_negatives(samples), ks=(1, 3))["hits@3"] == \
        np.mean(np.array(base_counts) < 3)


def test_reranking_only_reorders_the_top_n():
    class Reversed(EarlyFusionModel):
        def score(self, questions, candidates):  # the base order reversed
            return -super().score(questions, candidates)

    torch.manual_seed(0)
    model = Reversed(10, 8, hidden_dim=4)
    base = ModelEmbedder(model, _tokenize)
    sample = ["a b", "a b", "a b c", "a", "h i"]  # base: the duplicate is first (0 hard)
    reranker = FusionReranker(model, _tokenize, base.embed, top_n=3)
    # the top 3 are reversed: the duplicate drops below the two other top candidates only
    assert reranker.hard_negatives([sample]).tolist() == [2]
