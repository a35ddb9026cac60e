"""Bonus 1: Part 2's trigram model trained with a cosine loss."""
import numpy as np
import pytest
import torch
from torch.utils.data import DataLoader

from hw_utils import recipes
from instructor.bonus.trigram_cosine import CosineLoss, rescale
from instructor.pipeline import infer_vectors, train_trigram_model
from hw_utils.trigram import (Trainer, TrainTrigramDataset, TrigramModel, TrigramTokenizer,
                              collate_fn)

WORDS = ["python", "java", "string", "int", "list", "dict", "json", "file", "loop", "class"]


def test_cosine_loss_values():
    loss = CosineLoss()
    x = torch.tensor([[1.0, 0.0], [0.0, 2.0]])
    assert loss(x, 3 * x).item() == pytest.approx(0.0, abs=1e-6)
    assert loss(x, -x).item() == pytest.approx(2.0)
    assert loss(x, x.flip(1)).item() == pytest.approx(1.0)
    assert loss(torch.zeros(1, 2), torch.ones(1, 2)).item() == pytest.approx(1.0)  # zero row: cos 0


def test_cosine_loss_empty_batch_is_zero_with_a_gradient():
    predictions = torch.zeros(0, 4, requires_grad=True)
    value = CosineLoss()(predictions, torch.zeros(0, 4))
    value.backward()
    assert value.item() == 0.0


def test_a_training_step_lowers_the_loss():
    rng = np.random.default_rng(0)
    vectors = {word: rng.normal(size=8).astype(np.float32) for word in WORDS}
    tokenizer = TrigramTokenizer(WORDS)
    loader = DataLoader(TrainTrigramDataset(WORDS, vectors, tokenizer), batch_size=5,
                        collate_fn=collate_fn)
    model = TrigramModel(tokenizer.vocab_size, 8)
    torch.nn.init.normal_(model.embeddings.weight, std=0.1)  # the cosine of zero is flat
    trainer = Trainer(model, CosineLoss(), torch.optim.Adam(model.parameters(), lr=1e-2))
    losses = trainer.train(loader, n_epochs=10)
    assert losses[-1] < losses[0]
    _, ids, offsets = next(iter(loader))
    assert model(ids, offsets).shape == (5, 8)


def test_rescale():
    vectors = np.array([[3.0, 4.0], [0.0, 0.0]])
    np.testing.assert_allclose(rescale(vectors, 2.0), [[1.2, 1.6], [0.0, 0.0]], rtol=1e-6)
    assert rescale(np.zeros((0, 3)), 1.0).shape == (0, 3)


def test_part2_s_flow_trains_on_cosine_from_zero_vectors():
    """``train_trigram_model`` starts from zero vectors: the cosine must still move them."""
    rng = np.random.default_rng(0)
    vectors = {word: rng.normal(size=8).astype(np.float32) for word in WORDS}
    tokenizer, model, losses = train_trigram_model(WORDS, vectors, recipes.Training(5, 1e-2, 20),
                                                   CosineLoss())
    assert losses[0] == pytest.approx(1.0, abs=0.2) and losses[-1] < 0.5 * losses[0]
    predicted = infer_vectors(model, WORDS, tokenizer)
    cosines = [p @ vectors[w] / np.linalg.norm(p) / np.linalg.norm(vectors[w])
               for p, w in zip(predicted, WORDS)]
    assert np.mean(cosines) > 0.5


def test_a_small_random_start_lets_the_cosine_fit_better_than_zero_vectors():
    """From zero the cosine's gradient is orthogonal to the prediction and the vectors' growth
    slows every step; a small random start (Bonus 1's) fits the directions better."""
    rng = np.random.default_rng(0)
    vectors = {word: rng.normal(size=8).astype(np.float32) for word in WORDS}

    def fitted_cosine(init_std: float) -> float:
        tokenizer, model, _ = train_trigram_model(WORDS, vectors, recipes.Training(5, 1e-2, 20),
                                                  CosineLoss(), init_std)
        predicted = infer_vectors(model, WORDS, tokenizer)
        return float(np.mean([p @ vectors[w] / np.linalg.norm(p) / np.linalg.norm(vectors[w])
                              for p, w in zip(predicted, WORDS)]))

    assert fitted_cosine(0.1) > fitted_cosine(0.0) + 0.02
