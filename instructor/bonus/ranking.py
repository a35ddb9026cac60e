"""Part 1's ranking rule and metrics for the methods that are not a mean of word vectors.

Every method of the comparison ends in the same place: the number of *hard negatives* of each
validation sample (negatives scored strictly above the duplicate), from which
``instructor.ranking`` gives Hits@K, DCG@K and MRR (``evaluate``). The counts come:

- for word vectors (Parts 1-2, bonus 1-2, Part 3's vectors): ``FastScorer(...).hard_negatives``;
- for a question encoder (``model(ids, offsets) -> [B, dim]``, bonus 3-4): ``ModelEmbedder``'s
  batched ``embed`` in ``instructor.ranking.hard_negative_counts`` (``model_hard_negatives``);
- for a method that scores (question, candidate) pairs itself (BM25, TF-IDF, the early-fusion
  re-ranker): its ``ranker.hard_negatives(samples)`` (``ranker_hard_negatives``).
"""
from collections.abc import Callable, Iterable, Sequence

import numpy as np
import torch

from hw_utils.dssm import get_ids_and_offsets
from instructor.ranking import check_samples, hard_negative_counts, hits_at_k, rank_metrics

TABLE_KS = (1, 5, 10, 100, 500)


class ModelEmbedder:
    """A question encoder as an embedder: ``embed(texts)`` rows, or Part 1's one-text call.

    Args:
        model: ``model(ids [N], offsets [B]) -> [B, dim]`` (Part 3's ``DssmLikeModel`` or a
            bonus model); used in eval mode, without gradients.
        tokenizer: text -> list of indices (``TextTokenizer``, ``NgramFeaturizer``).
        batch_size: texts per forward pass.
    """

    def __init__(self, model: torch.nn.Module, tokenizer: Callable[[str], list[int]],
                 batch_size: int = 1024):
        self.model = model
        self.tokenizer = tokenizer
        self.batch_size = batch_size

    def embed(self, texts: Sequence[str], normalize: bool = True) -> np.ndarray:
        """``[len(texts), dim]`` float32 embeddings, L2-normalised rows when ``normalize`` (a
        zero row stays zero); ``texts`` must not be empty."""
        if len(texts) == 0:
            raise ValueError("no texts to embed: pass at least one text")
        self.model.eval()
        device = next(self.model.parameters()).device
        chunks = []
        with torch.no_grad():
            for start in range(0, len(texts), self.batch_size):
                ids, offsets = get_ids_and_offsets(
                    [self.tokenizer(text) for text in texts[start:start + self.batch_size]])
                chunks.append(self.model(ids.to(device), offsets.to(device)).float().cpu())
        vectors = torch.cat(chunks)
        if normalize:
            vectors = torch.nn.functional.normalize(vectors, dim=1, eps=1e-12)
        return vectors.numpy()

    def __call__(self, text: str, normalize: bool = False) -> np.ndarray:
        """Part 1's embedder protocol: ``embedder(text, normalize) -> [dim]``."""
        return self.embed([text], normalize=normalize)[0]


def model_hard_negatives(samples: Sequence[Sequence[str]], model: torch.nn.Module,
                         tokenizer: Callable[[str], list[int]]) -> np.ndarray:
    """The hard-negative counts of ``samples`` ranked by a question encoder's cosines."""
    return hard_negative_counts(samples, ModelEmbedder(model, tokenizer).embed)


def ranker_hard_negatives(samples: Sequence[Sequence[str]], ranker) -> np.ndarray:
    """The hard-negative counts of a pair-scoring method: ``ranker.hard_negatives(samples)``,
    after the same check of ``samples`` as ``instructor.ranking``'s."""
    check_samples(samples)
    return np.asarray(ranker.hard_negatives(samples), dtype=np.int64)


def evaluate(hard_negatives: np.ndarray, ks: Iterable[int] = TABLE_KS, dcg_k: int = 10
             ) -> dict[str, float]:
    """``{'hits@K': ..., f'dcg@{dcg_k}': ..., 'mrr': ...}``: the comparison table's metrics
    from the hard-negative counts of the samples (Part 1's definitions)."""
    hits = hits_at_k(hard_negatives, ks)
    ranks = rank_metrics(hard_negatives, [dcg_k])
    return {**{f"hits@{k}": value for k, value in hits.items()},
            f"dcg@{dcg_k}": ranks[f"dcg@{dcg_k}"], "mrr": ranks["mrr"]}
