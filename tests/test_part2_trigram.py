"""Part 2 (``hw_utils.trigram``) on synthetic data: each public piece, bad input, properties."""
import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from torch.utils.data import DataLoader

from hw_utils import set_seed
from hw_utils.trigram import (InferenceTrigramDataset, Trainer, TrainTrigramDataset, TrigramModel,
                              TrigramTokenizer, build_oov_embeddings, collate_fn,
                              collect_vocabulary, infer_vectors, inference_collate_fn)
from tests import TaskTests
from tests.task_tests.base import GroundTruth

WORDS = ["python", "pandas", "numpy", "string", "list", "dict", "json", "go", "c"]
DIM = 6


@pytest.fixture
def vectors() -> dict[str, np.ndarray]:
    rng = np.random.default_rng(0)
    return {word: rng.normal(size=DIM).astype(np.float32) for word in WORDS}


@pytest.fixture
def tokenizer() -> TrigramTokenizer:
    return TrigramTokenizer(WORDS)


@pytest.fixture
def task_tests() -> TaskTests:
    return TaskTests(GroundTruth({}, "tiny"))


# --- collect_vocabulary -------------------------------------------------------------------------
def test_collect_vocabulary_splits_and_sorts(vectors):
    known, unknown = collect_vocabulary(["python json zzz", "json  pythons", ""], vectors)
    assert known == ["json", "python"]
    assert unknown == ["pythons", "zzz"]


def test_collect_vocabulary_of_nothing(vectors):
    assert collect_vocabulary([], vectors) == ([], [])


def test_course_collect_vocabulary_check(vectors, task_tests):
    texts = ["python json zzz", "json  pythons", "c go", ""]
    task_tests.test_collect_vocabulary(collect_vocabulary, texts, vectors)

    def list_based(texts, embeddings):  # unsorted, as a loop over the texts gives them
        known, unknown = [], []
        for word in " ".join(texts).split():
            target = known if word in embeddings else unknown
            if word not in target:
                target.append(word)
        return known, unknown

    with pytest.raises(AssertionError, match="known words: expected 4 distinct words, sorted"):
        task_tests.test_collect_vocabulary(list_based, texts, vectors)


# --- TrigramTokenizer ---------------------------------------------------------------------------
def test_get_trigrams_course_example():
    assert TrigramTokenizer._get_trigrams("арбуз") == ["#ар", "арб", "рбу", "буз", "уз#"]
    assert TrigramTokenizer._get_trigrams("where") == ["#wh", "whe", "her", "ere", "re#"]


@pytest.mark.parametrize("word, expected", [("c", ["#c#"]), ("go", ["#go", "go#"]), ("", []),
                                            ("aaa", ["#aa", "aaa", "aa#"])])
def test_get_trigrams_short_words_and_repeats(word, expected):
    assert TrigramTokenizer._get_trigrams(word) == expected


def test_tokenizer_indexes_every_trigram_of_its_words_once(tokenizer):
    trigrams = {t for word in WORDS for t in TrigramTokenizer._get_trigrams(word)}
    assert tokenizer.vocab_size == len(trigrams)
    ids = {i for word in WORDS for i in tokenizer(word)}
    assert ids == set(range(tokenizer.vocab_size))


def test_tokenizer_does_not_depend_on_word_order():
    assert TrigramTokenizer(WORDS)("pandas") == TrigramTokenizer(WORDS[::-1])("pandas")


def test_tokenizer_skips_unknown_trigrams(tokenizer):
    # '#py', 'pyt', 'yth', 'tho', 'hon' are known; 'onx', 'nx#' are not
    assert tokenizer("pythonx") == tokenizer("python")[:5]
    assert tokenizer("zzz") == []
    assert tokenizer("") == []


def test_empty_tokenizer():
    tokenizer = TrigramTokenizer([])
    assert tokenizer.vocab_size == 0
    assert tokenizer("python") == []


@given(st.text(max_size=30))
@settings(max_examples=200, deadline=None)
def test_property_trigram_count_is_word_length(word):
    trigrams = TrigramTokenizer._get_trigrams(word)
    assert len(trigrams) == len(word)
    assert all(len(t) == 3 for t in trigrams)
    if word:
        assert trigrams[0][0] == "#" and trigrams[-1][-1] == "#"
        assert "".join(t[1] for t in trigrams) == word


@given(st.lists(st.text(min_size=1, max_size=12), min_size=1, max_size=20), st.text(max_size=15))
@settings(max_examples=100, deadline=None)
def test_property_ids_are_in_range_and_known_words_fully_covered(words, other):
    tokenizer = TrigramTokenizer(words)
    for word in [*words, other]:
        ids = tokenizer(word)
        assert all(0 <= i < tokenizer.vocab_size for i in ids)
    for word in words:
        assert len(tokenizer(word)) == len(word)


# --- TrainTrigramDataset and collate_fn ---------------------------------------------------------
def test_train_dataset_items(vectors, tokenizer, task_tests):
    dataset = TrainTrigramDataset(WORDS, vectors, tokenizer)
    assert len(dataset) == len(WORDS)
    vector, trigrams = dataset[2]
    np.testing.assert_array_equal(vector, vectors["numpy"])
    assert vector.dtype == np.float32
    assert trigrams == tokenizer("numpy")
    task_tests.test_dataset(dataset, WORDS, vectors, tokenizer)


def test_train_dataset_rejects_empty_vocab_and_unknown_words(vectors, tokenizer):
    with pytest.raises(ValueError, match="empty"):
        TrainTrigramDataset([], vectors, tokenizer)
    with pytest.raises(KeyError, match="zzz"):
        TrainTrigramDataset(["python", "zzz"], vectors, tokenizer)


def test_collate_fn_layout(vectors, tokenizer):
    dataset = TrainTrigramDataset(WORDS, vectors, tokenizer)
    batch_vectors, ids, offsets = collate_fn([dataset[0], dataset[8], dataset[7]])  # python, c, go
    assert batch_vectors.shape == (3, DIM) and batch_vectors.dtype == torch.float32
    assert ids.tolist() == tokenizer("python") + tokenizer("c") + tokenizer("go")
    assert offsets.tolist() == [0, 6, 7]
    assert ids.dtype == offsets.dtype == torch.int64


def test_course_dataloader_check(vectors, tokenizer, task_tests):
    dataset = TrainTrigramDataset(WORDS * 3, vectors, tokenizer)  # at least 16 items
    task_tests.test_dataloader(dataset, collate_fn, DIM)


# --- TrigramModel -------------------------------------------------------------------------------
def test_model_sums_trigram_vectors_and_empty_bag_is_zero():
    model = TrigramModel(10, DIM)
    torch.nn.init.normal_(model.embeddings.weight)
    out = model(torch.tensor([1, 2, 3]), torch.tensor([0, 2, 2]))
    weight = model.embeddings.weight.detach()
    torch.testing.assert_close(out[0], weight[1] + weight[2])
    torch.testing.assert_close(out[1], torch.zeros(DIM))
    torch.testing.assert_close(out[2], weight[3])
    assert model.num_embeddings == 10 and model.embedding_dim == DIM


def test_model_starts_at_zero():
    model = TrigramModel(5, DIM)
    assert torch.count_nonzero(model(torch.tensor([0, 4]), torch.tensor([0]))) == 0


def test_course_model_check(task_tests):
    model = TrigramModel(50, DIM)
    torch.nn.init.normal_(model.embeddings.weight)
    task_tests.test_trigram_model(model)


# --- Trainer ------------------------------------------------------------------------------------
def _trainer(vectors, tokenizer, lr=3e-2, seed=0):
    set_seed(seed)
    dataset = TrainTrigramDataset(WORDS, vectors, tokenizer)
    loader = DataLoader(dataset, batch_size=4, shuffle=True, collate_fn=collate_fn,
                        generator=torch.Generator().manual_seed(seed))
    model = TrigramModel(tokenizer.vocab_size, DIM)
    trainer = Trainer(model, torch.nn.MSELoss(), torch.optim.Adam(model.parameters(), lr=lr))
    return trainer, loader


def test_trainer_lowers_the_loss_and_returns_one_loss_per_epoch(vectors, tokenizer):
    trainer, loader = _trainer(vectors, tokenizer)
    losses = trainer.train(loader, n_epochs=30)
    assert len(losses) == 30
    assert losses[-1] < 0.1 * losses[0]
    initial = float(np.mean(np.stack(list(vectors.values())) ** 2))
    assert losses[0] == pytest.approx(initial, rel=0.5)  # starts near the zero-vector error


def test_trainer_is_deterministic(vectors, tokenizer):
    runs = []
    for _ in range(2):
        trainer, loader = _trainer(vectors, tokenizer)
        runs.append((trainer.train(loader, 5), trainer.model.embeddings.weight.detach().clone()))
    assert runs[0][0] == runs[1][0]
    assert torch.equal(runs[0][1], runs[1][1])


def test_trainer_rejects_an_empty_loader(vectors, tokenizer):
    trainer, _ = _trainer(vectors, tokenizer)
    with pytest.raises(ValueError, match="no batches"):
        trainer.train([], 1)


def test_trainer_device_defaults_to_the_model_s():
    model = TrigramModel(3, DIM)
    assert Trainer(model, torch.nn.MSELoss(), torch.optim.Adam(model.parameters())).device == \
        torch.device("cpu")


def test_course_training_check(task_tests):
    task_tests.test_training(TrigramTokenizer, TrainTrigramDataset, collate_fn, TrigramModel,
                             Trainer)


# --- inference ----------------------------------------------------------------------------------
def test_inference_dataset_and_collate(tokenizer, task_tests):
    words = ["pythons", "zzz", "", "go"]
    dataset = InferenceTrigramDataset(words, tokenizer)
    assert len(dataset) == 4
    assert dataset[1] == [] and dataset[2] == []
    ids, offsets = inference_collate_fn([dataset[i] for i in range(4)])
    assert offsets.tolist() == [0, len(dataset[0]), len(dataset[0]), len(dataset[0])]
    assert ids.tolist() == dataset[0] + dataset[3]
    task_tests.test_inference_dataset(dataset, words, tokenizer)
    task_tests.test_inference_collate_fn(inference_collate_fn)


def test_inference_of_no_words(tokenizer):
    assert len(InferenceTrigramDataset([], tokenizer)) == 0
    model = TrigramModel(tokenizer.vocab_size, DIM)
    assert infer_vectors(model, [], tokenizer).shape == (0, DIM)


def test_infer_vectors_batch_of_words_without_known_trigrams(tokenizer):
    model = TrigramModel(tokenizer.vocab_size, DIM)
    torch.nn.init.normal_(model.embeddings.weight)
    out = infer_vectors(model, ["zzz", "qq", "ёж"], tokenizer, batch_size=2)
    assert out.shape == (3, DIM) and out.dtype == np.float32
    assert not out.any()


def test_infer_vectors_matches_the_model_in_any_batch_size(tokenizer):
    model = TrigramModel(tokenizer.vocab_size, DIM)
    torch.nn.init.normal_(model.embeddings.weight)
    words = ["pythons", "jsons", "zzz", "go", "c"]
    expected = infer_vectors(model, words, tokenizer, batch_size=100)
    np.testing.assert_allclose(infer_vectors(model, words, tokenizer, batch_size=2), expected,
                               rtol=1e-6)
    with torch.no_grad():
        direct = model(torch.tensor(tokenizer("pythons")), torch.tensor([0]))[0].numpy()
    np.testing.assert_allclose(expected[0], direct, rtol=1e-6)


def test_build_oov_embeddings(vectors, tokenizer, task_tests):
    trainer, loader = _trainer(vectors, tokenizer)
    trainer.train(loader, 10)
    words = ["python", "pythons", "zzz", "python", "gopher", ""]
    mapping = build_oov_embeddings(words, vectors, trainer.model, tokenizer)
    assert list(mapping) == ["python", "pythons", "zzz", "gopher", ""]
    assert mapping["python"] is vectors["python"]
    assert not mapping["zzz"].any() and not mapping[""].any()
    assert mapping["pythons"].any() and mapping["pythons"].shape == (DIM,)
    task_tests.test_oov_embeddings(mapping, words, vectors, tokenizer)


def test_build_oov_embeddings_of_no_words(vectors, tokenizer):
    assert build_oov_embeddings([], vectors, TrigramModel(tokenizer.vocab_size, DIM),
                                tokenizer) == {}


def test_oov_check_rejects_a_mapping_that_changes_known_words(vectors, tokenizer, task_tests):
    mapping = {word: vector + 1 for word, vector in vectors.items()}
    with pytest.raises(AssertionError, match="keep their word2vec vectors"):
        task_tests.test_oov_embeddings(mapping, WORDS, vectors, tokenizer)


def test_course_tokenizer_check(task_tests):
    task_tests.test_trigram_tokenizer(TrigramTokenizer)


def test_tokenizer_check_names_the_word(task_tests):
    class Unpadded(TrigramTokenizer):
        @staticmethod
        def _get_trigrams(word):
            return [word[i:i + 3] for i in range(len(word) - 2)]

    with pytest.raises(AssertionError, match="арбуз"):
        task_tests.test_trigram_tokenizer(Unpadded)
