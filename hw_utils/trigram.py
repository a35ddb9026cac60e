"""Part 2: vectors for out-of-vocabulary words from character trigrams.

word2vec has no vector for a word it never saw (``getelementbyid``, ``jquery's``, a typo). Here
each word ``w`` is cut into character trigrams with ``#`` marking its boundaries, and its vector
is modelled as the sum of the trigrams' vectors (as in fastText):

    f(w) = sum of v_t over the trigrams t of w

The trigram vectors are trained with the mean squared error to reproduce the word2vec vectors
of the known words; ``f`` then gives a vector to any word made of trigrams seen in training.

The pieces, in the order the notebook uses them:

- ``collect_vocabulary(texts, embeddings)``: the known and the unknown words of a corpus.
- ``TrigramTokenizer(words)``: trigram -> index over the trigrams of ``words``.
- ``TrainTrigramDataset`` + ``collate_fn``: ``(word vector, trigram ids)`` pairs, batched in the
  ``nn.EmbeddingBag`` layout (all ids of a batch in one flat tensor plus start offsets).
- ``TrigramModel``: ``nn.EmbeddingBag(mode='sum')``, i.e. ``f`` above.
- ``Trainer``: the training loop (Adam and ``nn.MSELoss`` in the notebook).
- ``InferenceTrigramDataset`` + ``inference_collate_fn``: trigram ids of unknown words.
- ``infer_vectors`` and ``build_oov_embeddings``: the final word -> vector mapping.
"""
from collections.abc import Iterable, Sequence
from itertools import chain
from typing import Any

import numpy as np
import torch
from torch import nn
from torch.utils.data import DataLoader, Dataset
from tqdm.auto import tqdm

BOUNDARY = "#"
"""Marks the start and the end of a word in its trigrams."""


def collect_vocabulary(texts: Iterable[str], embeddings: Any) -> tuple[list[str], list[str]]:
    """The distinct words of ``texts`` (split on white space), as ``(known, unknown)``.

    ``known``: the words ``embeddings`` has a vector for (``word in embeddings``); ``unknown``:
    the others. Both sorted, so the result does not depend on the order of the texts.
    Set-based: every word is looked up once, however often it occurs.
    """
    # BEGIN SOLUTION
    words = set(chain.from_iterable(map(str.split, texts)))
    known = sorted(word for word in words if word in embeddings)
    unknown = sorted(words.difference(known))
    return known, unknown
    # END SOLUTION


class TrigramTokenizer:
    """Maps a word to the indices of its character trigrams.

    The index covers every trigram of ``words`` (the known words the model is trained on),
    numbered in sorted order so that it does not depend on the order of ``words``. Trigrams
    that are not in the index (they occur only in unknown words) are skipped by ``__call__``.
    """

    def __init__(self, words: Iterable[str]):
        """Index the trigrams of ``words``."""
        # BEGIN SOLUTION
        trigrams = {trigram for word in set(words) for trigram in self._get_trigrams(word)}
        self.trigram_to_index: dict[str, int] = {
            trigram: index for index, trigram in enumerate(sorted(trigrams))}
        # END SOLUTION

    @property
    def vocab_size(self) -> int:
        """The number of distinct trigrams in the index."""
        # BEGIN SOLUTION
        return len(self.trigram_to_index)
        # END SOLUTION

    @staticmethod
    def _get_trigrams(word: str) -> list[str]:
        """The trigrams of ``'#' + word + '#'`` in order, repeats kept.

        ``'арбуз'`` -> ``['#ар', 'арб', 'рбу', 'буз', 'уз#']``. The padding gives every word of
        ``n >= 1`` characters exactly ``n`` trigrams, so short words are covered too:
        ``'c'`` -> ``['#c#']``, ``'go'`` -> ``['#go', 'go#']``; ``''`` has none. Characters
        are kept as they are (no lower-casing: that is the preprocessor's job).
        """
        # BEGIN SOLUTION
        padded = f"{BOUNDARY}{word}{BOUNDARY}"
        return [padded[start:start + 3] for start in range(len(padded) - 2)]
        # END SOLUTION

    def __call__(self, word: str) -> list[int]:
        """Indices of the trigrams of ``word`` that are in the index, in order (maybe ``[]``)."""
        # BEGIN SOLUTION
        index = self.trigram_to_index
        return [index[trigram] for trigram in self._get_trigrams(word) if trigram in index]
        # END SOLUTION


class TrainTrigramDataset(Dataset):
    """Item ``i``: ``(vector of vocab[i] [dim] float32, trigram indices of vocab[i])``.

    ``vocab``: the known words to train on (each must be in ``w2v_embeddings``, a gensim
    ``KeyedVectors`` or a dict word -> vector). The vectors and the trigram indices are computed
    once here, so an epoch only looks them up.
    """

    def __init__(self, vocab: Sequence[str], w2v_embeddings: Any, tri_tokenizer: TrigramTokenizer):
        # BEGIN SOLUTION
        self.words = list(vocab)
        if not self.words:
            raise ValueError("TrainTrigramDataset: vocab is empty, there is nothing to train on "
                             "(pass the known words of the corpus)")
        missing = [word for word in self.words if word not in w2v_embeddings]
        if missing:
            raise KeyError(f"TrainTrigramDataset: {len(missing)} words of vocab have no vector in "
                           f"w2v_embeddings, e.g. {missing[:3]}: pass known words only")
        self.vectors = np.stack([np.asarray(w2v_embeddings[word], dtype=np.float32)
                                 for word in self.words])
        self.trigrams = [tri_tokenizer(word) for word in self.words]
        # END SOLUTION

    def __len__(self) -> int:
        # BEGIN SOLUTION
        return len(self.words)
        # END SOLUTION

    def __getitem__(self, index: int) -> tuple[np.ndarray, list[int]]:
        # BEGIN SOLUTION
        return self.vectors[index], self.trigrams[index]
        # END SOLUTION


def _ids_and_offsets(trigrams: Sequence[Sequence[int]]) -> tuple[torch.Tensor, torch.Tensor]:
    """Flat trigram ids ``[N]`` and start offsets ``[B]`` (``nn.EmbeddingBag``'s layout) of
    ``B`` lists of ids, ``N`` ids in all; an empty list is an empty bag."""
    # BEGIN SOLUTION
    lengths = np.fromiter(map(len, trigrams), dtype=np.int64, count=len(trigrams))
    offsets = np.zeros(len(trigrams), dtype=np.int64)
    np.cumsum(lengths[:-1], out=offsets[1:])
    ids = np.fromiter(chain.from_iterable(trigrams), dtype=np.int64, count=int(lengths.sum()))
    return torch.from_numpy(ids), torch.from_numpy(offsets)
    # END SOLUTION


def collate_fn(batch: Sequence[tuple[np.ndarray, Sequence[int]]]
               ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """``B`` items of ``TrainTrigramDataset`` -> ``(vectors [B, dim] float32, trigram ids [N],
    offsets [B])``: the ids of all words concatenated; word ``i``'s ids start at ``offsets[i]``."""
    # BEGIN SOLUTION
    vectors, trigrams = zip(*batch)
    ids, offsets = _ids_and_offsets(trigrams)
    return torch.from_numpy(np.stack(vectors).astype(np.float32, copy=False)), ids, offsets
    # END SOLUTION


class TrigramModel(nn.Module):
    """``f(w)``: the sum of the vectors of a word's trigrams (``nn.EmbeddingBag``, mode ``sum``).

    The trigram vectors start at zero: the objective (MSE of a sum of trainable vectors) is a
    linear least-squares problem, so there is no symmetry to break, and the first loss is that
    of the zero-vector fallback. A word with no known trigram (an empty bag) gets zero.
    """

    def __init__(self, num_embeddings: int, embedding_dim: int):
        super().__init__()
        self.num_embeddings = num_embeddings
        self.embedding_dim = embedding_dim
        # BEGIN SOLUTION
        self.embeddings = nn.EmbeddingBag(num_embeddings, embedding_dim, mode="sum")
        nn.init.zeros_(self.embeddings.weight)
        # END SOLUTION

    def forward(self, trigrams: torch.Tensor, offsets: torch.Tensor) -> torch.Tensor:
        """``trigrams`` ``[N]`` ids, ``offsets`` ``[B]`` start offsets -> ``[B, embedding_dim]``
        (the sum over each bag; zero for an empty bag)."""
        # BEGIN SOLUTION
        return self.embeddings(trigrams, offsets)
        # END SOLUTION


class Trainer:
    """Trains a ``TrigramModel`` on ``(vectors, trigram ids, offsets)`` batches.

    ``criterion(predicted [B, dim], target [B, dim])``: ``nn.MSELoss()`` in the notebook.
    ``device``: where batches go; by default the device of the model's parameters.
    """

    def __init__(self, model: nn.Module, criterion: nn.Module, optimizer: torch.optim.Optimizer,
                 device: torch.device | str | None = None):
        self.model = model
        self.criterion = criterion
        self.optimizer = optimizer
        self.device = (torch.device(device) if device is not None
                       else next(model.parameters()).device)

    def _train_step(self, dataloader: Iterable) -> float:
        """One epoch over ``dataloader``; returns its mean loss per word (the epoch's MSE)."""
        # BEGIN SOLUTION
        self.model.train()
        total, count = 0.0, 0
        for vectors, trigrams, offsets in dataloader:
            vectors = vectors.to(self.device)
            self.optimizer.zero_grad()
            predicted = self.model(trigrams.to(self.device), offsets.to(self.device))
            loss = self.criterion(predicted, vectors)
            loss.backward()
            self.optimizer.step()
            total += loss.item() * len(vectors)
            count += len(vectors)
        if count == 0:
            raise ValueError("Trainer: the data loader yielded no batches")
        return total / count
        # END SOLUTION

    def train(self, dataloader: Iterable, n_epochs: int, verbose: bool = False) -> list[float]:
        """``n_epochs`` epochs; returns the loss of each (a progress bar when ``verbose``)."""
        # BEGIN SOLUTION
        losses = []
        epochs = tqdm(range(n_epochs), desc="training") if verbose else range(n_epochs)
        for _ in epochs:
            losses.append(self._train_step(dataloader))
            if verbose:
                epochs.set_postfix(loss=f"{losses[-1]:.5f}")
        return losses
        # END SOLUTION


class InferenceTrigramDataset(Dataset):
    """Item ``i``: the trigram indices of ``vocab[i]`` (``[]`` when none is known)."""

    def __init__(self, vocab: Sequence[str], tri_tokenizer: TrigramTokenizer):
        # BEGIN SOLUTION
        self.words = list(vocab)
        self.trigrams = [tri_tokenizer(word) for word in self.words]
        # END SOLUTION

    def __len__(self) -> int:
        # BEGIN SOLUTION
        return len(self.words)
        # END SOLUTION

    def __getitem__(self, index: int) -> list[int]:
        # BEGIN SOLUTION
        return self.trigrams[index]
        # END SOLUTION


def inference_collate_fn(batch: Sequence[Sequence[int]]) -> tuple[torch.Tensor, torch.Tensor]:
    """``B`` items of ``InferenceTrigramDataset`` -> ``(trigram ids [N], offsets [B])``."""
    # BEGIN SOLUTION
    return _ids_and_offsets(batch)
    # END SOLUTION


def infer_vectors(model: TrigramModel, words: Sequence[str], tri_tokenizer: TrigramTokenizer,
                  batch_size: int = 4096) -> np.ndarray:
    """``f(w)`` for each of ``words``: float32 ``[len(words), model.embedding_dim]``, in order.

    A word with no trigram in ``tri_tokenizer`` gets the zero vector; no words, no rows.
    """
    # BEGIN SOLUTION
    device = next(model.parameters()).device
    loader = DataLoader(InferenceTrigramDataset(words, tri_tokenizer), batch_size=batch_size,
                        shuffle=False, collate_fn=inference_collate_fn)
    model.eval()
    with torch.no_grad():
        batches = [model(ids.to(device), offsets.to(device)).cpu() for ids, offsets in loader]
    if not batches:
        return np.zeros((0, model.embedding_dim), dtype=np.float32)
    return torch.cat(batches).numpy().astype(np.float32, copy=False)
    # END SOLUTION


def build_oov_embeddings(words: Iterable[str], known_vectors: Any, model: TrigramModel,
                         tri_tokenizer: TrigramTokenizer, batch_size: int = 4096
                         ) -> dict[str, np.ndarray]:
    """The word -> vector mapping of Part 2, for every distinct word of ``words``.

    A word in ``known_vectors`` (``KeyedVectors`` or a dict) keeps its word2vec vector; any
    other word gets the model's vector ``f(w)``; a word none of whose trigrams was seen in
    training gets the zero vector (the documented fallback: it adds nothing to a text's mean
    vector, so it does not change the text's direction or its cosine ranking). Pass the result
    to ``Embedder(mapping, dim)``.
    """
    # BEGIN SOLUTION
    distinct = list(dict.fromkeys(words))
    mapping: dict[str, np.ndarray] = {word: known_vectors[word] for word in distinct
                                      if word in known_vectors}
    unknown = [word for word in distinct if word not in mapping]
    mapping.update(zip(unknown, infer_vectors(model, unknown, tri_tokenizer, batch_size)))
    return mapping
    # END SOLUTION

