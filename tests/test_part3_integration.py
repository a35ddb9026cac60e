"""Part 3 end to end on the tiny stand-in: the notebook's flow (``instructor.pipeline.train_dssm``)
trains, logs, and its word vectors rank the validation duplicates through Part 1's pieces."""
import numpy as np
import pytest
import torch

from hw_utils import recipes
from hw_utils.dssm import get_ids_and_offsets
from hw_utils.embedding import Embedder
from instructor.ranking import FastScorer
from hw_utils.scoring import Scorer
from sodata import get_dataset, load_vectors, read_corpus
from instructor.pipeline import dssm_word_vectors, preprocess_rows, train_dssm

DIM = 64
TRAINING = recipes.Training(batch_size=256, lr=recipes.PART3.lr, n_epochs=5)


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    dataset = get_dataset("tiny")
    rows = preprocess_rows(read_corpus(dataset.train))
    validation = preprocess_rows(read_corpus(dataset.validation))
    logdir = tmp_path_factory.mktemp("runs")
    trained = train_dssm(rows, TRAINING, logdir=str(logdir), device="cpu", dim=DIM)
    vectors = load_vectors(dataset.vectors, limit=dataset.vectors_limit)
    return rows, validation, trained, logdir, vectors


def test_training_lowers_the_eval_loss_and_logs(tiny):
    _, _, (_, _, history, _), logdir, _ = tiny
    assert len(history) == TRAINING.n_epochs
    assert history[-1][1] < history[0][1] and history[-1][0] < history[0][0]
    assert any(path.name.startswith("events.out.tfevents") for path in logdir.iterdir())


def test_word_vectors_rank_the_duplicates_better_than_word2vec(tiny):
    rows, validation, (tokenizer, model, _, seen), _, word2vec = tiny
    vectors = dssm_word_vectors(model, tokenizer, seen)
    assert 0 < len(vectors) <= tokenizer.vocab_size
    hits = FastScorer(recipes.KS, vectors, DIM)(validation)
    assert Scorer(recipes.KS, Embedder(vectors, DIM))(validation) == hits
    part1 = FastScorer(recipes.KS, word2vec, recipes.DIM)(validation)
    # 60 validation samples on tiny: ties at a single K happen; better means never worse, once ahead
    assert all(hits[k] >= part1[k] for k in recipes.KS), (hits, part1)
    assert any(hits[k] > part1[k] for k in recipes.KS), (hits, part1)


def test_embedder_of_the_word_vectors_is_the_model_s_question_vector(tiny):
    _, validation, (tokenizer, model, _, seen), _, _ = tiny
    vectors = dssm_word_vectors(model, tokenizer, seen)
    text = next(text for sample in validation for text in sample
                if text and all(word in vectors for word in text.split()))
    with torch.no_grad():
        expected = model(*get_ids_and_offsets([tokenizer(text)]))[0].numpy()
    np.testing.assert_allclose(Embedder(vectors, DIM)(text), expected, rtol=1e-5, atol=1e-6)


def test_seen_words_are_those_of_the_training_pairs(tiny):
    rows, _, (tokenizer, _, _, seen), _, _ = tiny
    words = {word for row in rows for text in row for word in text.split()}
    assert seen <= set(tokenizer(" ".join(words)))
    assert len(seen) > 0.5 * tokenizer.vocab_size
