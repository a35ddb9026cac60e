"""A fast, reproducible source of random draws for pure-Python generation loops.

NumPy's ``Generator`` is seeded explicitly (PCG64), and its uniforms are drawn in blocks so that a
Python loop pays a list lookup per draw instead of a NumPy call. Nothing depends on
``PYTHONHASHSEED`` or on the platform.
"""
from bisect import bisect_right
from collections.abc import Sequence
from itertools import accumulate
from typing import TypeVar

import numpy as np

T = TypeVar("T")
BLOCK = 1 << 16


def make_rng(seed: int, *stream: int) -> np.random.Generator:
    """An independent NumPy generator for ``(seed, *stream)``."""
    return np.random.Generator(np.random.PCG64(np.random.SeedSequence([seed, *stream])))


class Rand:
    """Uniform draws from ``rng`` served one at a time."""

    def __init__(self, rng: np.random.Generator):
        self.rng = rng
        self._block: list[float] = []
        self._next = 0

    def random(self) -> float:
        """A uniform float in [0, 1)."""
        if self._next == len(self._block):
            self._block = self.rng.random(BLOCK).tolist()
            self._next = 0
        value = self._block[self._next]
        self._next += 1
        return value

    def below(self, n: int) -> int:
        """A uniform integer in [0, n)."""
        return min(int(self.random() * n), n - 1)

    def choice(self, items: Sequence[T]) -> T:
        return items[self.below(len(items))]

    def chance(self, p: float) -> bool:
        return self.random() < p

    def weighted(self, cumulative: Sequence[float]) -> int:
        """An index drawn with the weights whose running sums are ``cumulative``."""
        return min(bisect_right(cumulative, self.random() * cumulative[-1]), len(cumulative) - 1)


def zipf_cumulative(n: int, exponent: float = 1.0) -> list[float]:
    """Running sums of Zipf weights ``1 / rank**exponent`` for ranks 1..n."""
    return list(accumulate(1.0 / (rank ** exponent) for rank in range(1, n + 1)))
