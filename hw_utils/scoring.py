"""Ranking quality of question embeddings (Part 1): Hits@K, DCG@K and MRR.

A sample is ``[question, duplicate, negative_1, negative_2, ...]``. The candidates (the duplicate
and the negatives) are ranked by the cosine similarity of their embedding to the question's.
A *hard negative* is a negative ranked above the duplicate: its similarity is strictly greater
(a tie counts for the duplicate). With ``h`` hard negatives the duplicate's rank is ``h + 1``, and

- Hits@K = the share of samples with ``rank <= K`` (fewer than K hard negatives);
- DCG@K  = the mean of ``1 / log2(1 + rank)`` over the samples, counting 0 when ``rank > K``
  (one relevant candidate per sample, so this is also NDCG@K);
- MRR    = the mean of ``1 / rank``.

The cosine similarity with a zero vector (a text without any known word) is 0.
"""
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from itertools import chain, count

import numpy as np
from tqdm import tqdm

TextEmbedder = Callable[..., np.ndarray]  # embedder(text, normalize=True) -> [dim]
SCORING_CHUNK = 64  # samples per task of the scoring threads
SCORING_THREADS = 2  # the course's machines have 2 cores


def _similarities(query: np.ndarray, candidates: np.ndarray) -> np.ndarray:
    """Dot products of ``query`` [dim] with each row of ``candidates`` [n, dim], float32 [n].

    For L2-normalised vectors (zero rows allowed) these are the cosine similarities. Every row
    gets the same arithmetic (``np.einsum`` adds a row's products in the same order wherever the
    row lies in memory), so identical rows get identical similarities: a BLAS matrix-vector
    product (``candidates @ query``) may round identical rows differently and so turn an exact
    tie into a hard negative. ``einsum`` also makes no [n, dim] temporary array of products.
    """
    # BEGIN SOLUTION
    return np.einsum("ij,j->i", candidates, query)
    # END SOLUTION


class Scorer:
    """Hits@K of an embedder on samples ``[question, duplicate, negative_1, ...]``.

    Args:
        k: one K or a list of them (the course uses ``[1, 5, 10, 100, 500, 1000]``), positive ints.
        embedder: ``embedder(text, normalize=True)`` returns the L2-normalised embedding of
            ``text`` (an ``Embedder``, or any callable with that signature). When it also has
            ``embedder.embed_many(texts, normalize=True) -> [len(texts), dim]`` (``Embedder``
            has), the texts are embedded in batches with it, much faster.

    ``scorer(samples, verbose=False)`` returns ``{K: Hits@K}``; ``scorer.rank_metrics(samples)``
    returns DCG@K for each K and MRR. Every distinct text is embedded once (a float32 matrix of
    shape ``[distinct texts, dim]``); similarities are computed sample by sample in float32.
    """

    def __init__(self, k: int | Iterable[int], embedder: TextEmbedder):
        ks = list(k) if isinstance(k, Iterable) and not isinstance(k, str) else [k]
        bad = [value for value in ks if isinstance(value, bool)
               or not isinstance(value, (int, np.integer)) or value <= 0]
        if not ks or bad:
            raise ValueError(f"k must be a positive integer or a non-empty list of them, "
                             f"got {k!r}" + (f" (not positive integers: {bad!r})" if bad else ""))
        self.k = [int(value) for value in ks]
        self.embedder = embedder

    def __call__(self, samples: Sequence[Sequence[str]], verbose: bool = False) -> dict[int, float]:
        """``{K: Hits@K}`` on ``samples``; ``verbose=True`` shows progress bars."""
        # BEGIN SOLUTION
        hard_negatives = self.hard_negative_counts(samples, verbose=verbose)
        return {k: float(np.mean(hard_negatives < k)) for k in self.k}
        # END SOLUTION

    def rank_metrics(self, samples: Sequence[Sequence[str]], verbose: bool = False
                     ) -> dict[str, float]:
        """``{'dcg@K': ..., ..., 'mrr': ...}`` on ``samples`` (definitions in the module docstring)."""
        # BEGIN SOLUTION
        ranks = self.hard_negative_counts(samples, verbose=verbose) + 1
        gains = 1.0 / np.log2(1.0 + ranks)
        metrics = {f"dcg@{k}": float(np.mean(np.where(ranks <= k, gains, 0.0))) for k in self.k}
        metrics["mrr"] = float(np.mean(1.0 / ranks))
        return metrics
        # END SOLUTION

    def hard_negative_counts(self, samples: Sequence[Sequence[str]], verbose: bool = False
                             ) -> np.ndarray:
        """The number of hard negatives of each sample, int64 [n_samples].

        The same numbers as ``_get_hard_negatives`` sample by sample, computed faster: each
        distinct text is embedded once, and a sample's similarities come in one NumPy call.
        """
        check_samples(samples)
        # BEGIN SOLUTION
        row_of = defaultdict(count().__next__)  # text -> its row; a new text gets the next row
        rows = np.fromiter(map(row_of.__getitem__, chain.from_iterable(samples)), dtype=np.int64,
                           count=sum(map(len, samples)))  # one dictionary look-up per text
        starts = np.cumsum([0, *map(len, samples)])  # sample i is rows[starts[i]:starts[i + 1]]
        matrix = self._embed(list(row_of), verbose=verbose)  # the distinct texts, in row order
        counts = np.empty(len(samples), dtype=np.int64)

        def count_hard_negatives(sample_indices: range) -> None:
            for i in sample_indices:
                sample_rows = rows[starts[i]:starts[i + 1]]
                candidates = np.take(matrix, sample_rows[1:], axis=0)
                similarities = _similarities(matrix[sample_rows[0]], candidates)
                counts[i] = np.count_nonzero(similarities[1:] > similarities[0])

        chunks = [range(start, min(start + SCORING_CHUNK, len(samples)))
                  for start in range(0, len(samples), SCORING_CHUNK)]
        with ThreadPoolExecutor(SCORING_THREADS) as pool:  # NumPy lets go of the GIL in take/einsum
            for _ in _progress(pool.map(count_hard_negatives, chunks), "scoring", verbose,
                               total=len(chunks)):
                pass
        return counts
        # END SOLUTION

    def _get_hard_negatives(self, question: str, positive: str, negatives: Sequence[str]) -> int:
        """How many ``negatives`` are strictly more similar to ``question`` than ``positive``."""
        # BEGIN SOLUTION
        vectors = self._embed([question, positive, *negatives])
        similarities = _similarities(vectors[0], vectors[1:])
        return int(np.count_nonzero(similarities[1:] > similarities[0]))
        # END SOLUTION

    def _embed(self, texts: Sequence[str], verbose: bool = False) -> np.ndarray:
        """The normalised embeddings of ``texts`` as rows of a float32 matrix [len(texts), dim].

        With ``embedder.embed_many``: one call for all texts; else one call per text.
        """
        # BEGIN SOLUTION
        if not hasattr(self.embedder, "embed_many"):  # a plain callable: one call per text
            dim = len(self.embedder(texts[0], normalize=True))
            vectors = (self.embedder(text, normalize=True)
                       for text in _progress(texts, "embedding", verbose))
            # filled row by row: no list of len(texts) separate arrays on the way
            return np.fromiter(vectors, dtype=np.dtype((np.float32, (dim,))), count=len(texts))
        return self.embedder.embed_many(texts, normalize=True)
        # END SOLUTION


def _progress(items: Iterable, description: str, verbose: bool, total: int | None = None
              ) -> Iterable:
    """``items`` with a progress bar when ``verbose`` (``$TQDM_DISABLE=1`` hides it)."""
    return tqdm(items, desc=description, total=total) if verbose else items


def check_samples(samples: Sequence[Sequence[str]]) -> None:
    """``ValueError``/``TypeError`` naming the first bad sample: each sample must be a list of
    strings ``[question, duplicate, negative_1, negative_2, ...]`` with at least 2 negatives."""
    if isinstance(samples, (str, bytes)) or not isinstance(samples, Sequence):
        raise TypeError(f"samples must be a list of samples [question, duplicate, negatives...], "
                        f"got {type(samples).__name__}")
    if len(samples) == 0:
        raise ValueError("no samples to score: samples is empty")
    for index, sample in enumerate(samples):
        if isinstance(sample, list) and len(sample) >= 4 and set(map(type, sample)) == {str}:
            continue  # the usual case, checked quickly
        if isinstance(sample, (str, bytes)) or not isinstance(sample, Sequence):
            raise TypeError(f"sample {index} must be a list [question, duplicate, negatives...], "
                            f"got {type(sample).__name__}: read the file with read_corpus")
        if len(sample) < 4:
            raise ValueError(f"sample {index} has {max(len(sample) - 2, 0)} negatives; a sample "
                             f"is [question, duplicate, negative_1, negative_2, ...] with at "
                             f"least 2 negatives: drop or fix it")
        for position, item in enumerate(sample):
            if not isinstance(item, str):
                raise TypeError(f"sample {index}, item {position} is a "
                                f"{type(item).__name__} ({item!r}), not a string: pass the texts "
                                f"as read by read_corpus")
