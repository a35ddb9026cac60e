"""Part 1's ranking rule and metrics for methods that are not a mean of word vectors.

Part 1's ``Scorer`` embeds each text with ``embedder(text, normalize=True)`` and ranks the
candidates by cosine similarity. The bonus methods plug into it in two ways:

- ``ModelEmbedder`` wraps a question encoder (``model(ids, offsets) -> [B, dim]``) and a
  tokenizer as an embedder with ``embed_many``, so Part 1's ``Scorer`` embeds all distinct
  texts through it in batches.
- ``PairScorer`` is Part 1's ``Scorer`` for a method that scores (question, candidate) pairs
  directly (BM25, TF-IDF, the early-fusion re-ranker): its ``ranker`` counts the hard negatives.

Both keep the ``Scorer``'s definitions: a negative is *hard* when it scores strictly higher
than the duplicate; Hits@K, DCG@K and MRR follow from the counts (``Scorer.__call__``,
``Scorer.rank_metrics``). ``evaluate`` gets every metric of the comparison table from one pass.
"""
from collections.abc import Callable, Iterable, Sequence

import numpy as np
import torch

from hw_utils.dssm import get_ids_and_offsets
from hw_utils.scoring import Scorer, check_samples

TABLE_KS = (1, 5, 10, 100, 500)


class ModelEmbedder:
    """A question encoder as a Part 1 embedder: ``embedder(text, normalize=False) -> [dim]``.

    Args:
        model: ``model(ids [N], offsets [B]) -> [B, dim]`` (Part 3's ``DssmLikeModel`` or a
            bonus model); used in eval mode, without gradients.
        tokenizer: text -> list of indices (``TextTokenizer``, ``NgramFeaturizer``).
        batch_size: texts per forward pass in ``embed_many``.
    """

    def __init__(self, model: torch.nn.Module, tokenizer: Callable[[str], list[int]],
                 batch_size: int = 1024):
        self.model = model
        self.tokenizer = tokenizer
        self.batch_size = batch_size

    def embed_many(self, texts: Sequence[str], normalize: bool = False) -> np.ndarray:
        """``[len(texts), dim]`` float32 embeddings (L2-normalised rows when ``normalize``;
        a zero row stays zero)."""
        self.model.eval()
        device = next(self.model.parameters()).device
        chunks = []
        with torch.no_grad():
            for start in range(0, len(texts), self.batch_size):
                ids, offsets = get_ids_and_offsets(
                    [self.tokenizer(text) for text in texts[start:start + self.batch_size]])
                chunks.append(self.model(ids.to(device), offsets.to(device)).float().cpu())
        if not chunks:
            return np.zeros((0, self.model.embedding_dim), dtype=np.float32)
        vectors = torch.cat(chunks)
        if normalize:
            vectors = torch.nn.functional.normalize(vectors, dim=1, eps=1e-12)
        return vectors.numpy()

    def __call__(self, text: str, normalize: bool = False) -> np.ndarray:
        return self.embed_many([text], normalize=normalize)[0]


class PairScorer(Scorer):
    """Part 1's ``Scorer`` for a method that ranks candidates itself.

    ``ranker.hard_negatives(samples) -> [n_samples]`` counts, for each sample
    ``[q, pos, neg1, ...]``, the negatives the method scores strictly above ``pos``.
    """

    def __init__(self, k: int | Iterable[int], ranker):
        super().__init__(k, embedder=None)
        self.ranker = ranker

    def hard_negative_counts(self, samples: Sequence[Sequence[str]], verbose: bool = False
                             ) -> np.ndarray:
        check_samples(samples)
        return np.asarray(self.ranker.hard_negatives(samples), dtype=np.int64)


class _FixedCounts(Scorer):
    """A ``Scorer`` whose hard-negative counts are already known (computed once elsewhere)."""

    def __init__(self, k: Iterable[int], counts: np.ndarray):
        super().__init__(list(k), embedder=None)
        self.counts = counts

    def hard_negative_counts(self, samples, verbose: bool = False) -> np.ndarray:
        return self.counts


def evaluate(scorer: Scorer, samples: Sequence[Sequence[str]], ks: Iterable[int] = TABLE_KS,
             dcg_k: int = 10) -> dict[str, float]:
    """``{'hits@K': ..., f'dcg@{dcg_k}': ..., 'mrr': ...}``: the table's metrics from one pass
    of ``scorer`` (its hard negatives are counted once, then Part 1's definitions apply)."""
    counts = scorer.hard_negative_counts(samples)
    fixed = _FixedCounts(sorted({*ks, dcg_k}), counts)
    hits = fixed(samples)
    ranks = fixed.rank_metrics(samples)
    return {**{f"hits@{k}": hits[k] for k in ks}, f"dcg@{dcg_k}": ranks[f"dcg@{dcg_k}"],
            "mrr": ranks["mrr"]}
