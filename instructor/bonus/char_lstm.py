"""Bonus 2: a character-level biLSTM in place of Part 2's bag of trigram vectors.

Part 2 predicts a word's vector from the *unordered* bag of its character trigrams. Here a
bidirectional LSTM reads the word's characters in order. The data pipeline mirrors Part 2's so
the same ``Trainer`` and loss (MSE) apply: a batch is ``(target vectors [B, dim], chars [B, L],
lengths [B])`` and the model is called as ``model(chars, lengths)``.

The batch is processed at once: words are padded to the longest one and packed
(``pack_padded_sequence``) so the LSTM never reads padding; no Python loop over words.
"""
from collections.abc import Iterable, Sequence

import numpy as np
import torch
from torch import nn
from torch.nn.utils.rnn import pack_padded_sequence, pad_sequence
from torch.utils.data import DataLoader, Dataset

PAD = 0  # index of the padding character
UNK = 1  # index of a character not seen in training


class CharTokenizer:
    """Characters of a word -> indices; ``0`` is padding, ``1`` an unknown character.

    Args:
        words: the words whose characters make the alphabet.

    ``vocab_size`` counts padding and unknown too. A word is wrapped in ``'#'`` on both sides
    (as Part 2's trigrams are), so the model sees where it starts and ends.
    """

    def __init__(self, words: Iterable[str]):
        alphabet = sorted({character for word in words for character in f"#{word}#"})
        self.char_to_index = {character: i + 2 for i, character in enumerate(alphabet)}
        self.vocab_size = len(self.char_to_index) + 2

    def __call__(self, word: str) -> list[int]:
        """Indices of ``'#' + word + '#'`` (``[]`` for ``word == ''`` is never returned:
        the boundaries are always there)."""
        return [self.char_to_index.get(character, UNK) for character in f"#{word}#"]


class TrainCharDataset(Dataset):
    """``(word vector [dim] float32, character indices)`` for each word of ``vocab`` that has
    a vector in ``w2v_embeddings`` (as Part 2's ``TrainTrigramDataset``)."""

    def __init__(self, vocab: Iterable[str], w2v_embeddings, char_tokenizer: CharTokenizer):
        self.words = [word for word in vocab if word in w2v_embeddings]
        self.w2v_embeddings = w2v_embeddings
        self.char_tokenizer = char_tokenizer

    def __len__(self) -> int:
        return len(self.words)

    def __getitem__(self, index: int) -> tuple[np.ndarray, list[int]]:
        word = self.words[index]
        vector = np.asarray(self.w2v_embeddings[word], dtype=np.float32)
        return vector, self.char_tokenizer(word)


class InferenceCharDataset(Dataset):
    """``character indices`` of each word of ``words`` (the words to predict vectors for)."""

    def __init__(self, words: Iterable[str], char_tokenizer: CharTokenizer):
        self.words = list(words)
        self.char_tokenizer = char_tokenizer

    def __len__(self) -> int:
        return len(self.words)

    def __getitem__(self, index: int) -> list[int]:
        return self.char_tokenizer(self.words[index])


def pad_chars(sequences: Sequence[Sequence[int]]) -> tuple[torch.Tensor, torch.Tensor]:
    """``(chars [B, L] int64 padded with PAD, lengths [B] int64)``; ``L = max(1, longest)``."""
    tensors = [torch.as_tensor(list(sequence), dtype=torch.long) for sequence in sequences]
    lengths = torch.tensor([len(tensor) for tensor in tensors], dtype=torch.long)
    if not tensors or int(lengths.max()) == 0:
        return torch.full((len(tensors), 1), PAD, dtype=torch.long), lengths
    return pad_sequence(tensors, batch_first=True, padding_value=PAD), lengths


def char_collate_fn(batch: Sequence[tuple[np.ndarray, list[int]]]
                    ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """``(vectors [B, dim], chars [B, L], lengths [B])`` from ``TrainCharDataset`` items."""
    vectors = torch.from_numpy(np.stack([vector for vector, _ in batch]))
    chars, lengths = pad_chars([chars for _, chars in batch])
    return vectors, chars, lengths


def char_inference_collate_fn(batch: Sequence[list[int]]) -> tuple[torch.Tensor, torch.Tensor]:
    """``(chars [B, L], lengths [B])`` from ``InferenceCharDataset`` items."""
    return pad_chars(batch)


class CharBiLSTM(nn.Module):
    """Word vector from the word's characters: embeddings -> biLSTM -> linear.

    Args:
        num_chars: ``CharTokenizer.vocab_size``.
        embedding_dim: size of the predicted word vector (300 for word2vec).
        char_dim: size of a character embedding.
        hidden_size: LSTM state size per direction.

    ``forward(chars [B, L], lengths [B]) -> [B, embedding_dim]``: the last states of both
    directions (packed, so padding is never read), concatenated and projected. A word of
    length 0 gets the zero vector.
    """

    def __init__(self, num_chars: int, embedding_dim: int = 300, char_dim: int = 48,
                 hidden_size: int = 192):
        super().__init__()
        self.num_chars = num_chars
        self.embedding_dim = embedding_dim
        self.chars = nn.Embedding(num_chars, char_dim, padding_idx=PAD)
        self.lstm = nn.LSTM(char_dim, hidden_size, batch_first=True, bidirectional=True)
        self.projection = nn.Linear(2 * hidden_size, embedding_dim)

    def forward(self, chars: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
        if chars.shape[0] == 0:
            return chars.new_zeros((0, self.embedding_dim), dtype=torch.float32)
        packed = pack_padded_sequence(self.chars(chars), lengths.clamp(min=1).cpu(),
                                      batch_first=True, enforce_sorted=False)
        _, (last_state, _) = self.lstm(packed)  # [2, B, hidden]: forward, backward
        states = torch.cat([last_state[0], last_state[1]], dim=1)
        return self.projection(states) * (lengths > 0).unsqueeze(1).to(states.dtype)


def infer_char_vectors(model: CharBiLSTM, words: Sequence[str], char_tokenizer: CharTokenizer,
                       batch_size: int = 2048) -> np.ndarray:
    """The model's vector for each of ``words``: float32 ``[len(words), model.embedding_dim]``,
    in order (as Part 2's ``infer_vectors``); no words, no rows."""
    device = next(model.parameters()).device
    loader = DataLoader(InferenceCharDataset(words, char_tokenizer), batch_size=batch_size,
                        shuffle=False, collate_fn=char_inference_collate_fn)
    model.eval()
    with torch.no_grad():
        batches = [model(chars.to(device), lengths).cpu() for chars, lengths in loader]
    if not batches:
        return np.zeros((0, model.embedding_dim), dtype=np.float32)
    return torch.cat(batches).numpy().astype(np.float32, copy=False)
