"""The pieces checks build their inputs from, and the stand-ins for earlier stages.

Grader side (``make_inputs``): ``vectors_of(data)`` and ``validation_of(data)`` read the data the
grader grades on (cached: several checks share them); ``sample_rows`` draws from them.
Child side (``observe``): ``keyed_vectors`` rebuilds word vectors from inputs, and
``FixedEmbedder`` / ``FixedTokenizer`` stand in for the student's earlier stages with answers the
grader computed, so a check fails only for its own stage.
"""
import functools
import random
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np


@functools.lru_cache(maxsize=4)
def vectors_of(data) -> Any:
    """The data set's word vectors (gensim ``KeyedVectors``)."""
    return load_vectors_cached(str(data.vectors), data.vectors_limit)


@functools.lru_cache(maxsize=4)
def load_vectors_cached(path: str, limit: int | None) -> Any:
    from sodata import load_vectors

    return load_vectors(path, limit=limit)


@functools.lru_cache(maxsize=4)
def validation_of(data) -> list[list[str]]:
    from sodata import read_corpus

    return read_corpus(data.validation)


@functools.lru_cache(maxsize=4)
def train_of(data) -> list[list[str]]:
    from sodata import read_corpus

    return read_corpus(data.train)


def sample_rows(rows: Sequence[Sequence[str]], rng: random.Random, n: int,
                max_length: int | None = None) -> list[list[str]]:
    """``n`` rows drawn without replacement, each cut to ``max_length`` texts."""
    chosen = rng.sample(range(len(rows)), min(n, len(rows)))
    return [list(rows[i][:max_length]) for i in chosen]


def vectors_for(words: Sequence[str], embeddings: Any) -> dict[str, list[float]]:
    """word -> vector (as a list) for the words of ``words`` that ``embeddings`` knows."""
    return {word: np.round(np.asarray(embeddings[word], dtype=np.float64), 6).tolist()
            for word in dict.fromkeys(words) if word in embeddings}


def keyed_vectors(vectors: Mapping[str, Sequence[float]], dim: int):
    """gensim ``KeyedVectors`` holding ``vectors``: what the notebook's word2vec vectors are."""
    from gensim.models import KeyedVectors

    keyed = KeyedVectors(vector_size=dim)
    if vectors:
        keyed.add_vectors(list(vectors), np.asarray(list(vectors.values()), dtype=np.float32))
    return keyed


class FixedEmbedder:
    """An embedder that knows the embedding of each text it will be asked for (computed by the
    grader): ``embedder(text, normalize=False) -> [dim]``, as Part 1's ``Embedder``."""

    def __init__(self, embeddings: Mapping[str, Sequence[float]]):
        self.embeddings = {text: np.asarray(vector, dtype=np.float32)
                           for text, vector in embeddings.items()}

    def __call__(self, text: str, normalize: bool = False) -> np.ndarray:
        vector = self.embeddings[text].copy()
        norm = float(np.sqrt(vector @ vector))
        return vector / norm if normalize and norm > 0 else vector


class FixedTokenizer:
    """A tokenizer that knows the indices of each text it will be asked for (computed by the
    grader): ``tokenizer(text) -> list[int]``; ``vocab_size``; ``calls`` counts the calls."""

    def __init__(self, tokens: Mapping[str, Sequence[int]], vocab_size: int):
        self.tokens = {text: list(ids) for text, ids in tokens.items()}
        self.vocab_size = vocab_size
        self.calls = 0

    def __call__(self, text: str) -> list[int]:
        self.calls += 1
        return list(self.tokens[text])


def start_offsets(bags: Sequence[Sequence[int]]) -> tuple:
    """``(ids [N], offsets [B])`` int64 tensors: the bags one after another and where each
    starts (``nn.EmbeddingBag``'s input)."""
    import torch

    lengths = [len(bag) for bag in bags]
    return (torch.tensor([i for bag in bags for i in bag], dtype=torch.long),
            torch.tensor(np.cumsum([0, *lengths])[:-1], dtype=torch.long))


def packed_pairs(pairs: Sequence[Sequence[str]], tokens: Mapping[str, Sequence[int]]):
    """A batch of text pairs as ``((question ids, start offsets), (duplicate ids, offsets))``."""
    return (start_offsets([tokens[q] for q, _ in pairs]),
            start_offsets([tokens[d] for _, d in pairs]))


def dot_product_loss(questions, duplicates):
    """A pair loss to train with (not NT-Xent): each question must pick its duplicate among the
    batch's by the dot product of their vectors."""
    import torch

    logits = questions @ duplicates.T
    return torch.nn.functional.cross_entropy(logits, torch.arange(len(logits)))


def read_scalars(logdir: str) -> dict[str, list[list[float]]]:
    """The scalars TensorBoard logged in ``logdir`` (all runs below it): tag -> [[step, value]]."""
    from tensorboard.backend.event_processing.event_multiplexer import EventMultiplexer

    multiplexer = EventMultiplexer(size_guidance={"scalars": 0})
    multiplexer.AddRunsFromDirectory(logdir)
    multiplexer.Reload()
    scalars: dict[str, list[list[float]]] = {}
    for run, tags in multiplexer.Runs().items():
        for tag in tags.get("scalars", []):
            scalars[f"{run}/{tag}"] = [[event.step, event.value]
                                       for event in multiplexer.Scalars(run, tag)]
    return scalars
