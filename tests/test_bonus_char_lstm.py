"""Bonus 2: the character biLSTM in place of Part 2's bag of trigrams."""
import numpy as np
import pytest
import torch
from torch.utils.data import DataLoader

from instructor.bonus.char_lstm import (CharBiLSTM, CharTokenizer, InferenceCharDataset,
                                      TrainCharDataset, char_collate_fn,
                                      char_inference_collate_fn, infer_char_vectors)
from hw_utils.trigram import Trainer

WORDS = ["python", "java", "string", "int", "list", "dict", "json", "file", "loop", "class"]


@pytest.fixture
def vectors():
    rng = np.random.default_rng(0)
    return {word: rng.normal(size=8).astype(np.float32) for word in WORDS}


def test_tokenizer_marks_boundaries_and_unknown_characters():
    tokenizer = CharTokenizer(["ab"])
    assert tokenizer.vocab_size == 2 + 3  # padding, unknown, '#', 'a', 'b'
    ids = tokenizer("abz")
    assert len(ids) == 5 and ids[0] == ids[-1] and ids[3] == 1


def test_shapes_and_collate(vectors):
    tokenizer = CharTokenizer(WORDS)
    dataset = TrainCharDataset(WORDS + ["missing"], vectors, tokenizer)
    assert len(dataset) == len(WORDS)
    targets, chars, lengths = char_collate_fn([dataset[i] for i in range(4)])
    assert targets.shape == (4, 8) and targets.dtype == torch.float32
    assert chars.shape == (4, int(lengths.max())) and lengths.tolist() == [
        len(word) + 2 for word in WORDS[:4]]
    model = CharBiLSTM(tokenizer.vocab_size, embedding_dim=8, char_dim=6, hidden_size=5)
    assert model(chars, lengths).shape == (4, 8)


def test_padding_does_not_change_a_word_vector():
    tokenizer = CharTokenizer(WORDS)
    model = CharBiLSTM(tokenizer.vocab_size, embedding_dim=8, char_dim=6, hidden_size=5).eval()
    alone = model(*char_inference_collate_fn([tokenizer("int")]))
    batched = model(*char_inference_collate_fn([tokenizer("string"), tokenizer("int")]))
    torch.testing.assert_close(batched[1:], alone)


def test_a_training_step_lowers_the_loss(vectors):
    torch.manual_seed(0)
    tokenizer = CharTokenizer(WORDS)
    loader = DataLoader(TrainCharDataset(WORDS, vectors, tokenizer), batch_size=len(WORDS),
                        collate_fn=char_collate_fn)
    model = CharBiLSTM(tokenizer.vocab_size, embedding_dim=8, char_dim=6, hidden_size=8)
    trainer = Trainer(model, torch.nn.MSELoss(), torch.optim.Adam(model.parameters(), lr=1e-2))
    losses = trainer.train(loader, n_epochs=20)
    assert losses[-1] < losses[0]


def test_empty_inputs():
    tokenizer = CharTokenizer(WORDS)
    model = CharBiLSTM(tokenizer.vocab_size, embedding_dim=8, char_dim=6, hidden_size=5)
    chars, lengths = char_inference_collate_fn([])
    assert model(chars, lengths).shape == (0, 8)
    chars, lengths = char_inference_collate_fn([[], tokenizer("int")])
    output = model(chars, lengths)
    assert output.shape == (2, 8) and torch.all(output[0] == 0)
    assert infer_char_vectors(model, [], tokenizer).shape == (0, 8)
    assert len(InferenceCharDataset([], tokenizer)) == 0


def test_infer_char_vectors_in_order():
    tokenizer = CharTokenizer(WORDS)
    model = CharBiLSTM(tokenizer.vocab_size, embedding_dim=8, char_dim=6, hidden_size=5)
    words = ["jsonn", "int", "pythonic"]
    batched = infer_char_vectors(model, words, tokenizer, batch_size=2)
    assert batched.shape == (3, 8) and batched.dtype == np.float32
    for i, word in enumerate(words):
        np.testing.assert_allclose(batched[i], infer_char_vectors(model, [word], tokenizer)[0],
                                   rtol=1e-5, atol=1e-6)
