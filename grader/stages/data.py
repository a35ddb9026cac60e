"""The grader's reading of a data set, shared by the checks' input makers (cached per data set)."""
import functools
import random
from collections.abc import Sequence
from typing import Any

import numpy as np


@functools.lru_cache(maxsize=4)
def vectors_of(data) -> Any:
    """The data set's word vectors (gensim ``KeyedVectors``)."""
    from sodata import load_vectors

    return load_vectors(str(data.vectors), limit=data.vectors_limit)


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


def course_preprocessor():
    """The reference's ``TextPreprocessor`` with the course's settings."""
    from instructor.pipeline import course_preprocessor as make

    return make()


def start_offsets(bags: Sequence[Sequence[int]]) -> tuple[list[int], list[int]]:
    """``(ids [N], offsets [B])``: the bags one after another and where each starts."""
    lengths = [len(bag) for bag in bags]
    return [i for bag in bags for i in bag], np.cumsum([0, *lengths])[:-1].tolist()
