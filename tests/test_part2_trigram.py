"""Part 2 (``hw_utils.trigram``, the course's templates) and its flow in ``instructor.pipeline``, on
synthetic data."""
import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from torch.utils.data import DataLoader

from hw_utils import recipes, set_seed
from hw_utils.trigram import (InferenceTrigramDataset, Trainer, TrainTrigramDataset, TrigramModel,
                              TrigramTokenizer, collate_fn, inference_collate_fn)
from instructor.pipeline import infer_vectors, split_vocabulary, train_trigram_model, with_oov_vectors

WORDS = ["python", "pandas", "numpy", "string", "list", "dict", "json", "go", "c"]
DIM = 6


@pytest.fixture
def vectors() -> dict[str, np.ndarray]:
    rng = np.random.default_rng(0)
    return {word: rng.normal(size=DIM).astype(np.float32) for word in WORDS}


@pytest.fixture
def tokenizer() -> TrigramTokenizer:
    return TrigramTokenizer(WORDS)


# --- TrigramTokenizer ---------------------------------------------------------------------------
def test_get_trigrams_course_examples():
    assert TrigramTokenizer._get_trigrams("арбуз") == ["#ар", "арб", "рбу", "буз", "уз#"]
    assert TrigramTokenizer._get_trigrams("where") == ["#wh", "whe", "her", "ere", "re#"]


def test_tokenizer_indexes_every_trigram_of_its_words_once(tokenizer):
    trigrams = {t for word in WORDS for t in TrigramTokenizer._get_trigrams(word)}
    assert tokenizer.vocab_size == len(trigrams)
    assert {i for word in WORDS for i in tokenizer(word)} == set(range(tokenizer.vocab_size))


def test_tokenizer_keeps_only_indexed_trigrams_in_order(tokenizer):
    # '#py', 'pyt', 'yth', 'tho', 'hon' are indexed; 'onx', 'nx#' are not
    assert tokenizer("pythonx") == tokenizer("python")[:5]
    assert tokenizer("zzz") == []


@given(st.lists(st.text(min_size=1, max_size=12), min_size=1, max_size=20), st.text(max_size=15))
@settings(max_examples=100, deadline=None)
def test_property_ids_are_in_range_and_known_words_fully_covered(words, other):
    tokenizer = TrigramTokenizer(words)
    for word in [*words, other]:
        assert all(0 <= i < tokenizer.vocab_size for i in tokenizer(word))
    for word in words:
        assert len(tokenizer(word)) == len(TrigramTokenizer._get_trigrams(word))


# --- TrainTrigramDataset and collate_fn ---------------------------------------------------------
def test_train_dataset_items_are_tensors_computed_in_advance(vectors, tokenizer):
    dataset = TrainTrigramDataset(WORDS, vectors, tokenizer)
    assert len(dataset) == len(WORDS)
    vector, trigrams = dataset[2]
    assert isinstance(vector, torch.Tensor) and isinstance(trigrams, torch.Tensor)
    np.testing.assert_array_equal(vector.numpy(), vectors["numpy"])
    assert trigrams.tolist() == tokenizer("numpy")


def test_collate_fn_layout_for_embedding_bag(vectors, tokenizer):
    dataset = TrainTrigramDataset(WORDS, vectors, tokenizer)
    batch_vectors, ids, offsets = collate_fn([dataset[0], dataset[8], dataset[7]])  # python, c, go
    assert batch_vectors.shape == (3, DIM) and batch_vectors.dtype == torch.float32
    assert ids.tolist() == tokenizer("python") + tokenizer("c") + tokenizer("go")
    assert offsets.tolist() == [0, 6, 7]


# --- TrigramModel -------------------------------------------------------------------------------
def test_model_sums_trigram_vectors_and_an_empty_bag_is_zero():
    model = TrigramModel(10, DIM)
    assert model.num_embeddings == 10 and model.embedding_dim == DIM
    out = model(torch.tensor([1, 2, 3]), torch.tensor([0, 2, 2]))
    weight = model.embeddings.weight.detach()
    torch.testing.assert_close(out[0], weight[1] + weight[2])
    torch.testing.assert_close(out[1], torch.zeros(DIM))
    torch.testing.assert_close(out[2], weight[3])


# --- Trainer ------------------------------------------------------------------------------------
def _trainer(vectors, tokenizer, lr=3e-2, seed=0):
    set_seed(seed)
    dataset = TrainTrigramDataset(WORDS, vectors, tokenizer)
    loader = DataLoader(dataset, batch_size=4, shuffle=True, collate_fn=collate_fn,
                        generator=torch.Generator().manual_seed(seed))
    model = TrigramModel(tokenizer.vocab_size, DIM)
    trainer = Trainer(model, torch.nn.MSELoss(), torch.optim.Adam(model.parameters(), lr=lr))
    return trainer, loader


def test_trainer_lowers_the_loss_and_returns_one_loss_per_epoch(vectors, tokenizer, capsys):
    trainer, loader = _trainer(vectors, tokenizer)
    losses = trainer.train(loader, n_epochs=30)
    assert len(losses) == 30 and all(isinstance(loss, float) for loss in losses)
    assert losses[-1] < 0.1 * losses[0]
    assert capsys.readouterr().out == ""
    trainer.train(loader, n_epochs=2, verbose=True)
    assert capsys.readouterr().out.count("loss") == 2


def test_trainer_is_deterministic(vectors, tokenizer):
    runs = []
    for _ in range(2):
        trainer, loader = _trainer(vectors, tokenizer)
        runs.append((trainer.train(loader, 5), trainer.model.embeddings.weight.detach().clone()))
    assert runs[0][0] == runs[1][0]
    assert torch.equal(runs[0][1], runs[1][1])


# --- inference ----------------------------------------------------------------------------------
def test_inference_dataset_and_collate(tokenizer):
    words = ["pythons", "zzz", "", "go"]
    dataset = InferenceTrigramDataset(words, tokenizer)
    assert len(dataset) == 4
    assert list(dataset[1]) == [] and list(dataset[2]) == []
    ids, offsets = inference_collate_fn([dataset[i] for i in range(4)])
    assert offsets.tolist() == [0, len(dataset[0]), len(dataset[0]), len(dataset[0])]
    assert ids.tolist() == list(dataset[0]) + list(dataset[3])


# --- instructor.pipeline -----------------------------------------------------------------------------
def test_split_vocabulary_gives_sorted_distinct_known_and_unknown_words(vectors):
    known, unknown = split_vocabulary(["python json zzz", "json  pythons", ""], vectors)
    assert (known, unknown) == (["json", "python"], ["pythons", "zzz"])
    assert split_vocabulary([], vectors) == ([], [])


def test_infer_vectors_matches_the_model_in_any_batch_size(tokenizer):
    model = TrigramModel(tokenizer.vocab_size, DIM)
    words = ["pythons", "jsons", "zzz", "go", "c"]
    expected = infer_vectors(model, words, tokenizer, batch_size=100)
    assert expected.shape == (5, DIM) and expected.dtype == np.float32
    np.testing.assert_allclose(infer_vectors(model, words, tokenizer, batch_size=2), expected,
                               rtol=1e-6)
    with torch.no_grad():
        direct = model(torch.tensor(tokenizer("pythons")), torch.tensor([0]))[0].numpy()
    np.testing.assert_allclose(expected[0], direct, rtol=1e-6)
    assert not expected[2].any()  # no indexed trigram: the zero vector
    assert infer_vectors(model, [], tokenizer).shape == (0, DIM)


def test_train_trigram_model_fits_the_known_vectors_reproducibly(vectors):
    training = recipes.Training(batch_size=4, lr=3e-2, n_epochs=30)
    tokenizer, model, losses = train_trigram_model(WORDS, vectors, training)
    assert len(losses) == 30 and losses[-1] < 0.1 * losses[0]
    # from zero vectors: the first epoch's loss is about the mean square of the targets
    assert losses[0] == pytest.approx(np.mean(np.stack(list(vectors.values())) ** 2), rel=0.5)
    again = train_trigram_model(WORDS, vectors, training)
    assert again[2] == losses and torch.equal(again[1].embeddings.weight,
                                              model.embeddings.weight)
    predicted = infer_vectors(model, ["python"], tokenizer)[0]
    assert np.linalg.norm(predicted - vectors["python"]) < 0.5 * np.linalg.norm(vectors["python"])


def test_with_oov_vectors_keeps_known_and_fills_unknown(vectors):
    tokenizer, model, _ = train_trigram_model(WORDS, vectors, recipes.Training(4, 3e-2, 5))
    mapping = with_oov_vectors(["python", "go"], ["pythons", "zzz"], vectors, model, tokenizer)
    assert list(mapping) == ["python", "go", "pythons", "zzz"]
    np.testing.assert_array_equal(mapping["python"], vectors["python"])
    assert mapping["pythons"].shape == (DIM,) and mapping["pythons"].any()
    assert not mapping["zzz"].any()


def test_part2_recipe_is_inside_the_courses_advice():
    """A small batch (32-256) and about ten epochs (COURSE.md, Part 2's training)."""
    assert 32 <= recipes.PART2.batch_size <= 256 and 5 <= recipes.PART2.n_epochs <= 15
