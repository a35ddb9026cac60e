"""Part 1's ranking, vectorised, for the instructor's side: the numbers of ``Scorer`` in seconds.

``Scorer`` embeds every candidate of every sample with one Python call each; on the real
validation set (3,760 samples x ~1,000 candidates) the course's loop takes over ten minutes.
Here each distinct text is embedded once, all together, and a sample's similarities come in one
NumPy call, with the same definitions:

- a *hard negative* of ``[question, duplicate, negative_1, ...]`` is a negative whose cosine
  similarity to the question is greater than the duplicate's (cosine with a zero vector is 0);
- with ``h`` hard negatives the duplicate's rank is ``h + 1``; Hits@K = the share of samples
  with ``h < K``; DCG@K = the mean of ``1 / log2(1 + rank)``, 0 when ``rank > K``; MRR = the
  mean of ``1 / rank``.

The demo, the benchmarks, the ground truth and the grader use it. It is never shipped to students:
it computes the answers of Part 1's templates (the notebooks' speed comes from
``hw_utils.speed``, which wraps the student's own classes).
"""
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from itertools import chain, count
from typing import Any

import numpy as np
import scipy.sparse
from tqdm.auto import tqdm

SCORING_CHUNK = 64  # samples per task of the scoring threads
SCORING_THREADS = 2  # the course's machines have 2 cores

BatchEmbed = Callable[[Sequence[str]], np.ndarray]  # texts -> L2-normalised rows [n, dim]


def as_dict(embeddings: Any) -> Mapping[str, np.ndarray]:
    """``embeddings`` as a dict word -> vector: gensim's ``KeyedVectors`` answers ``in`` and
    ``[]`` through several Python calls; a dict of its rows (views, no copy) is ~10x faster."""
    if hasattr(embeddings, "key_to_index") and hasattr(embeddings, "vectors"):
        return dict(zip(embeddings.index_to_key, embeddings.vectors))
    return embeddings


def embed_texts(embeddings: Any, texts: Sequence[str], dim: int,
                normalize: bool = True) -> np.ndarray:
    """The mean word vector of each text, float32 ``[len(texts), dim]`` (``Embedder``'s numbers).

    ``embeddings``: word -> vector (a dict, or gensim ``KeyedVectors``: pass ``as_dict(kv)`` once
    when calling this often). A text without a known word gets the zero vector; ``normalize``
    divides each non-zero row by its L2 norm.

    With ``occurrences`` the sparse matrix ``[len(texts), known words]`` counting each known word
    of each text, ``occurrences @ word_vectors`` sums each text's word vectors in one call.
    """
    words = " ".join(texts).split()  # one list, not one per text: kinder to the GC
    word_counts = np.fromiter((len(text.split()) for text in texts), dtype=np.int64,
                              count=len(texts))
    word_ids, distinct = index_of(words)
    is_known = np.fromiter((word in embeddings for word in distinct), dtype=bool,
                           count=len(distinct))
    known_words = [word for word, known in zip(distinct, is_known) if known]
    column_of_id = np.where(is_known, np.cumsum(is_known) - 1, -1)  # -1: unknown word
    columns = column_of_id[word_ids]
    known = columns >= 0
    word_starts = np.concatenate([[0], np.cumsum(word_counts)])
    row_starts = np.concatenate([[0], np.cumsum(known)])[word_starts]  # [len(texts) + 1]
    occurrences = scipy.sparse.csr_array(
        (np.ones(row_starts[-1], dtype=np.float32), columns[known], row_starts),
        shape=(len(texts), len(known_words)))
    word_vectors = np.array([embeddings[word] for word in known_words],
                            dtype=np.float32).reshape(len(known_words), dim)
    vectors = occurrences @ word_vectors
    vectors /= np.maximum(np.diff(row_starts), 1).astype(np.float32)[:, None]
    if normalize:
        norms = np.sqrt(np.einsum("ij,ij->i", vectors, vectors))[:, None]
        vectors /= np.where(norms > 0, norms, np.float32(1))
    return vectors


def hard_negative_counts(samples: Sequence[Sequence[str]], embed: BatchEmbed,
                         verbose: bool = False, margin: float = 0.0) -> np.ndarray:
    """The number of hard negatives of each sample, int64 ``[len(samples)]``.

    ``embed(texts)`` returns their L2-normalised embeddings as rows; it is called once, with
    every distinct text. A negative counts when its similarity exceeds the duplicate's by more
    than ``margin`` (0: strictly greater; a small positive or negative margin gives the counts
    with near-ties resolved for the duplicate or against it).

    Each row's similarity is computed with ``np.einsum``, the same arithmetic wherever the row
    lies, so identical texts get identical similarities (a BLAS product may round them apart).
    """
    check_samples(samples)
    rows, texts = index_of(chain.from_iterable(samples), sum(map(len, samples)))
    starts = np.cumsum([0, *map(len, samples)])  # sample i is rows[starts[i]:starts[i + 1]]
    matrix = np.asarray(embed(texts), dtype=np.float32)
    counts = np.empty(len(samples), dtype=np.int64)

    def count_chunk(sample_indices: range) -> None:
        for i in sample_indices:
            sample_rows = rows[starts[i]:starts[i + 1]]
            candidates = np.take(matrix, sample_rows[1:], axis=0)
            similarities = np.einsum("ij,j->i", candidates, matrix[sample_rows[0]])
            counts[i] = np.count_nonzero(similarities[1:] - similarities[0] > margin)

    chunks = [range(start, min(start + SCORING_CHUNK, len(samples)))
              for start in range(0, len(samples), SCORING_CHUNK)]
    with ThreadPoolExecutor(SCORING_THREADS) as pool:  # NumPy lets go of the GIL in take/einsum
        for _ in tqdm(pool.map(count_chunk, chunks), total=len(chunks), desc="scoring",
                      disable=not verbose):
            pass
    return counts


def index_of(items: Iterable[str], size: int = -1) -> tuple[np.ndarray, list[str]]:
    """Each item's index among the distinct items, int64 ``[size]``, and the distinct items in
    order of first appearance: one dictionary look-up per item (a new item gets the next index)."""
    index = defaultdict(count().__next__)
    ids = np.fromiter(map(index.__getitem__, items), dtype=np.int64, count=size)
    return ids, list(index)


def hits_at_k(hard_negatives: np.ndarray, ks: Iterable[int]) -> dict[int, float]:
    """``{K: Hits@K}`` from the hard-negative counts of the samples."""
    return {int(k): float(np.mean(np.asarray(hard_negatives) < k)) for k in ks}


def rank_metrics(hard_negatives: np.ndarray, ks: Iterable[int]) -> dict[str, float]:
    """``{'dcg@K': ..., 'mrr': ...}`` from the hard-negative counts of the samples."""
    ranks = np.asarray(hard_negatives) + 1
    gains = 1.0 / np.log2(1.0 + ranks)
    metrics = {f"dcg@{k}": float(np.mean(np.where(ranks <= k, gains, 0.0))) for k in ks}
    metrics["mrr"] = float(np.mean(1.0 / ranks))
    return metrics


class FastScorer:
    """``Scorer``'s numbers for the mean-of-word-vectors embedding, computed fast.

    Args:
        k: the K values.
        embeddings: word -> vector (dict or gensim ``KeyedVectors``).
        dim: their dimension.

    ``scorer(samples)`` -> ``{K: Hits@K}``; ``scorer.rank_metrics(samples)`` -> DCG@K and MRR;
    ``scorer.hard_negatives(samples)`` -> the counts.
    """

    def __init__(self, k: Iterable[int], embeddings: Any, dim: int):
        self.k = [int(value) for value in k]
        self.embeddings = as_dict(embeddings)
        self.dim = dim

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        return embed_texts(self.embeddings, texts, self.dim, normalize=True)

    def hard_negatives(self, samples: Sequence[Sequence[str]], verbose: bool = False,
                       margin: float = 0.0) -> np.ndarray:
        return hard_negative_counts(samples, self.embed, verbose=verbose, margin=margin)

    def __call__(self, samples: Sequence[Sequence[str]], verbose: bool = False
                 ) -> dict[int, float]:
        return hits_at_k(self.hard_negatives(samples, verbose), self.k)

    def rank_metrics(self, samples: Sequence[Sequence[str]], verbose: bool = False
                     ) -> dict[str, float]:
        return rank_metrics(self.hard_negatives(samples, verbose), self.k)


def check_samples(samples: Sequence[Sequence[str]]) -> None:
    """``ValueError``/``TypeError`` naming the first bad sample: each sample must be a list of
    strings ``[question, duplicate, negative_1, ...]`` with at least one negative."""
    if isinstance(samples, (str, bytes)) or not isinstance(samples, Sequence):
        raise TypeError(f"samples must be a list of samples [question, duplicate, negatives...], "
                        f"got {type(samples).__name__}")
    if len(samples) == 0:
        raise ValueError("no samples to score: samples is empty")
    for index, sample in enumerate(samples):
        if isinstance(sample, list) and len(sample) >= 3 and set(map(type, sample)) == {str}:
            continue  # the usual case, checked quickly
        if isinstance(sample, (str, bytes)) or not isinstance(sample, Sequence):
            raise TypeError(f"sample {index} must be a list [question, duplicate, negatives...], "
                            f"got {type(sample).__name__}: read the file with read_corpus")
        if len(sample) < 3:
            raise ValueError(f"sample {index} has {len(sample)} texts; a sample is [question, "
                             f"duplicate, negative_1, ...] with at least one negative")
        bad = [item for item in sample if not isinstance(item, str)]
        if bad:  # else a tuple, or str subclasses such as NumPy's: fine
            raise TypeError(f"sample {index} holds a {type(bad[0]).__name__} ({bad[0]!r}), not a "
                            f"string: pass the texts as read by read_corpus")
