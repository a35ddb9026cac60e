"""Part 2 end to end on the tiny stand-in: the notebook's flow and the graded checks."""
import numpy as np
import pytest

from sodata import get_dataset
from hw_utils.embedding import Embedder
from hw_utils.scoring import Scorer
from hw_utils.trigram import build_oov_embeddings
from tests import TaskTests
from tests.task_tests.base import GroundTruth
from tools.grading import part2

EPOCHS = 10  # enough to move off the zero vectors; the notebook trains longer


@pytest.fixture(scope="module")
def dataset():
    return get_dataset("tiny")


@pytest.fixture(scope="module")
def inputs(dataset):
    return part2.load_inputs(dataset)


@pytest.fixture(scope="module")
def trained(inputs):
    return part2.train(inputs.known, inputs.vectors, EPOCHS)


def test_vocabulary_of_the_stand_in(inputs):
    assert inputs.known and inputs.unknown
    assert not set(inputs.known) & set(inputs.unknown)
    assert all(word in inputs.vectors for word in inputs.known)
    assert not any(word in inputs.vectors for word in inputs.unknown)
    words = {word for sample in inputs.samples for text in sample for word in text.split()}
    assert words == set(inputs.known) | set(inputs.unknown)


def test_training_lowers_the_loss_and_is_reproducible(inputs, trained):
    _, _, losses = trained
    assert len(losses) == EPOCHS
    assert losses[-1] < 0.5 * losses[0]
    assert part2.train(inputs.known, inputs.vectors, EPOCHS)[2] == losses


def test_unknown_words_get_vectors_and_ranking_still_works(inputs, trained):
    tokenizer, model, _ = trained
    mapping = build_oov_embeddings(inputs.known + inputs.unknown, inputs.vectors, model, tokenizer)
    assert set(mapping) == set(inputs.known) | set(inputs.unknown)
    with_trigrams = [word for word in inputs.unknown if tokenizer(word)]
    assert with_trigrams
    assert all(np.any(mapping[word]) for word in with_trigrams)
    TaskTests(GroundTruth({}, "tiny")).test_oov_embeddings(
        mapping, inputs.known + inputs.unknown, inputs.vectors, tokenizer)
    hits = Scorer([1, 10, 100, 1000], Embedder(mapping, part2.DIM))(inputs.samples)
    assert all(0.0 <= value <= 1.0 for value in hits.values())
    assert hits[1000] == 1.0  # fewer than 1000 negatives on the tiny stand-in


@pytest.mark.parametrize("check", [c for c in part2.CHECKS if not c.check.startswith("quality")],
                         ids=lambda c: c.name)
def test_graded_checks_pass_on_the_reference(dataset, check):
    observed = check.observe(dataset)
    getattr(TaskTests(GroundTruth({}, "tiny")), check.check)(observed)


@pytest.mark.slow
def test_quality_check_observes_hits(dataset):
    observed = part2.hits(dataset, n_epochs=EPOCHS)
    assert set(observed["hits"]) == {str(k) for k in part2.KS}
    assert len(observed["losses"]) == EPOCHS
