"""Part 2: vectors for unknown words from character trigrams.

word2vec has no vector for a word it never saw (``getelementbyid``, a typo). Here a word is cut
into character trigrams, with ``#`` marking its start and end (``where`` -> ``#wh, whe, her,
ere, re#``), and its vector is the sum of its trigrams' vectors:

    f(w) = sum of v_t over the trigrams t of w

The trigram vectors are trained with the mean squared error to reproduce the word2vec vectors of
the known words, L = sum over known w of ||f(w) - v_w||^2; ``f`` then gives a vector to any word
made of trigrams seen in training.

Shapes: ``B`` words in a batch, ``N`` trigram indices of all of them together, ``dim`` the
vector size.
"""
from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np
import torch
from torch import nn
from torch.utils.data import Dataset


class TrigramTokenizer:
    """Maps a word to the indices of its character trigrams.

    ``TrigramTokenizer(words)`` indexes every trigram of ``words`` (the known words the model is
    trained on); ``vocab_size`` is the number of indexed trigrams; calling it on a word gives the
    indices of the word's trigrams that are indexed, in order.
    """

    def __init__(self, words: Iterable[str]):
        # BEGIN SOLUTION
        trigrams = {trigram for word in words for trigram in self._get_trigrams(word)}
        self.trigram_to_index = {trigram: index for index, trigram in enumerate(sorted(trigrams))}
        # END SOLUTION

    @property
    def vocab_size(self) -> int:
        # BEGIN SOLUTION
        return len(self.trigram_to_index)
        # END SOLUTION

    @staticmethod
    def _get_trigrams(word: str) -> list[str]:
        """``'арбуз'`` -> ``['#ар', 'арб', 'рбу', 'буз', 'уз#']``."""
        # BEGIN SOLUTION
        padded = f"#{word}#"
        return [padded[i:i + 3] for i in range(len(padded) - 2)]
        # END SOLUTION

    def __call__(self, word: str) -> list[int]:
        # BEGIN SOLUTION
        return [self.trigram_to_index[trigram] for trigram in self._get_trigrams(word)
                if trigram in self.trigram_to_index]
        # END SOLUTION


class TrainTrigramDataset(Dataset):
    """Item ``i``: ``(word2vec vector of vocab[i] [dim], its trigram indices [n_i])``, tensors.

    ``vocab``: the known words; ``w2v_embeddings``: their vectors (gensim ``KeyedVectors`` or a
    dict); ``tri_tokenizer``: a ``TrigramTokenizer``. The trigram indices of every word are
    computed once, in ``__init__``.
    """

    def __init__(self, vocab: Sequence[str], w2v_embeddings: Any, tri_tokenizer: TrigramTokenizer):
        # BEGIN SOLUTION
        self.vectors = [torch.tensor(np.asarray(w2v_embeddings[word]), dtype=torch.float32)
                        for word in vocab]
        self.trigrams = [torch.tensor(tri_tokenizer(word), dtype=torch.long) for word in vocab]
        # END SOLUTION

    def __len__(self) -> int:
        # BEGIN SOLUTION
        return len(self.vectors)
        # END SOLUTION

    def __getitem__(self, idx: int) -> tuple[torch.Tensor, torch.Tensor]:
        # BEGIN SOLUTION
        return self.vectors[idx], self.trigrams[idx]
        # END SOLUTION


def collate_fn(batch: Sequence[tuple[torch.Tensor, torch.Tensor]]
               ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """``B`` dataset items -> ``(vectors [B, dim], trigram indices [N], offsets [B])``.

    The trigram indices of the batch's words one after another; word ``i``'s start at
    ``offsets[i]`` (``offsets[0] == 0``): ``nn.EmbeddingBag``'s input.
    """
    # BEGIN SOLUTION
    vectors = torch.stack([vector for vector, _ in batch])
    trigrams = [trigram_ids for _, trigram_ids in batch]
    offsets = torch.tensor([0] + [len(ids) for ids in trigrams[:-1]]).cumsum(0)
    return vectors, torch.cat(trigrams), offsets
    # END SOLUTION


class TrigramModel(nn.Module):
    """``f(w)``: the sum of the vectors of a word's trigrams (``nn.EmbeddingBag``).

    ``forward(trigrams [N], offsets [B]) -> [B, embedding_dim]``.
    """

    def __init__(self, num_embeddings: int, embedding_dim: int):
        super().__init__()
        # BEGIN SOLUTION
        self.embeddings = nn.EmbeddingBag(num_embeddings, embedding_dim, mode="sum")
        # END SOLUTION

    @property
    def embedding_dim(self) -> int:
        # BEGIN SOLUTION
        return self.embeddings.embedding_dim
        # END SOLUTION

    @property
    def num_embeddings(self) -> int:
        # BEGIN SOLUTION
        return self.embeddings.num_embeddings
        # END SOLUTION

    def forward(self, trigrams: torch.Tensor, offsets: torch.Tensor) -> torch.Tensor:
        # BEGIN SOLUTION
        return self.embeddings(trigrams, offsets)
        # END SOLUTION


class Trainer:
    """Trains a ``TrigramModel`` on ``(vectors, trigram indices, offsets)`` batches.

    ``criterion(predicted [B, dim], target [B, dim])``: ``nn.MSELoss()`` in the notebook.
    """

    def __init__(self, model: nn.Module, criterion: nn.Module, optimizer: torch.optim.Optimizer):
        # BEGIN SOLUTION
        self.model = model
        self.criterion = criterion
        self.optimizer = optimizer
        # END SOLUTION

    def _train_step(self, dataloader: Iterable) -> float:
        """One epoch with backpropagation; returns the mean loss of its batches."""
        # BEGIN SOLUTION
        self.model.train()
        losses = []
        for vectors, trigrams, offsets in dataloader:
            self.optimizer.zero_grad()
            loss = self.criterion(self.model(trigrams, offsets), vectors)
            loss.backward()
            self.optimizer.step()
            losses.append(loss.item())
        return float(np.mean(losses))
        # END SOLUTION

    def train(self, dataloader: Iterable, n_epochs: int, verbose: bool = False) -> list[float]:
        """``n_epochs`` epochs; returns the loss of each, printed when ``verbose``."""
        # BEGIN SOLUTION
        losses = []
        for epoch in range(n_epochs):
            losses.append(self._train_step(dataloader))
            if verbose:
                print(f"epoch {epoch + 1}: loss {losses[-1]:.5f}")
        return losses
        # END SOLUTION


class InferenceTrigramDataset(Dataset):
    """Item ``i``: the trigram indices of ``vocab[i]`` (empty when none is indexed)."""

    def __init__(self, vocab: Sequence[str], tri_tokenizer: TrigramTokenizer):
        # BEGIN SOLUTION
        self.trigrams = [tri_tokenizer(word) for word in vocab]
        # END SOLUTION

    def __len__(self) -> int:
        # BEGIN SOLUTION
        return len(self.trigrams)
        # END SOLUTION

    def __getitem__(self, idx: int) -> list[int]:
        # BEGIN SOLUTION
        return self.trigrams[idx]
        # END SOLUTION


def inference_collate_fn(trigrams: Sequence[Sequence[int]]) -> tuple[torch.Tensor, torch.Tensor]:
    """``B`` lists of trigram indices -> ``(indices [N], offsets [B])``, as ``collate_fn``."""
    # BEGIN SOLUTION
    offsets = torch.tensor([0] + [len(ids) for ids in trigrams[:-1]]).cumsum(0)
    indices = torch.tensor([index for ids in trigrams for index in ids], dtype=torch.long)
    return indices, offsets
    # END SOLUTION
