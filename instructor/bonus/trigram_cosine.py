"""Bonus 1: Part 2's trigram model trained on cosine similarity instead of MSE.

Ranking uses cosine similarity, which ignores vector length, while MSE spends capacity on
reproducing each word's length. ``CosineLoss`` trains only the direction. The model, data and
``Trainer`` are Part 2's (``hw_utils.trigram``); only the criterion changes.

A cosine-trained model's outputs have no meaningful length, but a question embedding is the
*mean* of its words' vectors, where a word's length is its weight. ``rescale`` gives predicted
vectors the average length of the real word vectors before they are mixed with them.
"""
import numpy as np
import torch
from torch import nn


class CosineLoss(nn.Module):
    """``mean over the batch of 1 - cos(prediction, target)``; in ``[0, 2]``.

    ``forward(predictions [B, dim], targets [B, dim]) -> scalar``. A zero row counts as
    cosine 0 (``eps`` guards the division); an empty batch gives 0.
    """

    def __init__(self, eps: float = 1e-8):
        super().__init__()
        self.eps = eps

    def forward(self, predictions: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
        if predictions.shape[0] == 0:
            return predictions.sum() * 0.0
        cosine = nn.functional.cosine_similarity(predictions, targets, dim=1, eps=self.eps)
        return (1.0 - cosine).mean()


def rescale(vectors: np.ndarray, norm: float) -> np.ndarray:
    """``vectors [N, dim]`` with each non-zero row scaled to L2 length ``norm`` (zero rows stay)."""
    vectors = np.asarray(vectors, dtype=np.float32)
    lengths = np.linalg.norm(vectors, axis=1, keepdims=True)
    return np.where(lengths > 0, vectors * (norm / np.maximum(lengths, 1e-12)), vectors)
