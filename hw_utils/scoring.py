"""Ranking quality of question embeddings (Part 1): Hits@K.

A sample is ``[question, duplicate, negative_1, negative_2, ...]``. The candidates (the duplicate
and the negatives) are ranked by the cosine similarity of their embedding to the question's. A
*hard negative* is a negative ranked above the duplicate. With ``h`` hard negatives,
Hits@K of the sample is 1 when ``h < K``, else 0; Hits@K of a data set is the mean over its
samples.

"""
from collections.abc import Sequence
from typing import Callable

import numpy as np
from tqdm.auto import tqdm

TextEmbedder = Callable[..., np.ndarray]  # embedder(text, normalize=True) -> [dim]


class Scorer:
    """Hits@K of an embedder on samples ``[question, duplicate, negative_1, ...]``.

    Args:
        k: the K values, e.g. ``[1, 5, 10, 100, 500, 1000]``.
        embedder: ``embedder(text, normalize=True)`` -> the text's L2-normalised embedding.

    ``scorer(samples, verbose=False)`` returns ``{K: Hits@K}``; ``verbose`` shows a progress bar.
    """

    def __init__(self, k: Sequence[int], embedder: TextEmbedder):
        # BEGIN SOLUTION
        self.k = k
        self.embedder = embedder
        # END SOLUTION

    def _get_hard_negatives(self, q: str, pos: str, negs: Sequence[str]) -> int:
        """How many of ``negs`` are more cosine-similar to ``q`` than ``pos`` is."""
        # BEGIN SOLUTION
        question = self.embedder(q, normalize=True)
        positive = self.embedder(pos, normalize=True) @ question
        return sum(int(self.embedder(neg, normalize=True) @ question > positive) for neg in negs)
        # END SOLUTION

    def __call__(self, samples: Sequence[Sequence[str]], verbose: bool = False) -> dict[int, float]:
        # BEGIN SOLUTION
        hard_negatives = [self._get_hard_negatives(q, pos, negs)
                          for q, pos, *negs in tqdm(samples, disable=not verbose)]
        return {k: float(np.mean([count < k for count in hard_negatives])) for k in self.k}
        # END SOLUTION
