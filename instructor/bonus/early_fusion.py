"""Bonus 5: early fusion: an MLP that scores a question *pair*, re-ranking Part 3's top.

Parts 1-3 embed each question alone and compare the vectors with a cosine ("late fusion").
An early-fusion model sees both questions at once: the features ``[u, v, u * v, |u - v|]`` of
the two question vectors go through an MLP that outputs one score for the pair, so it can
learn interactions a cosine cannot express.

Scoring every (question, candidate) pair with an MLP costs more than a dot product, so the
model **re-ranks** the ``top_n`` candidates of Part 3's model for each question
(``FusionReranker``); the candidates below stay in Part 3's order. The model starts from
Part 3: its word vectors are initialised from the NT-Xent vectors (``load_word_vectors``), and
its score is ``cos(u, v) / temperature + MLP(...)`` with the MLP's last layer at zero, so
before training it ranks exactly as Part 3 does and training only has to learn corrections.

Training uses in-batch negatives like NT-Xent: for a batch of ``B`` duplicate pairs, the
``B x B`` matrix of pair scores (``score_matrix``) is a softmax classification of each
question's duplicate among the batch's candidates, in both directions (``InBatchPairLoss``).
``model(ids, offsets)`` gives the (normalised) question vectors and the loss has Part 3's
criterion signature, so Part 3's ``Trainer`` and ``collate_fn`` train it unchanged.
"""
from collections.abc import Callable, Sequence

import numpy as np
import torch
from torch import nn

from instructor.bonus.dssm_variants import WordVectorsMixin
from instructor.bonus.ranking import ModelEmbedder


class EarlyFusionModel(WordVectorsMixin, nn.Module):
    """Scores ``(question, candidate)`` pairs from their word-bag vectors.

    Args:
        num_embeddings: vocabulary size (Part 3's ``TextTokenizer.vocab_size``).
        embedding_dim: size of the word vectors (Part 3's).
        projection_dim: each question vector is first projected to this size (once per
            question, not per pair), so the pair MLP stays cheap: a batch of ``B`` pairs is
            trained on ``B x B`` pair scores.
        hidden_dim: width of the pair MLP.
        dropout: dropout probability inside the MLP (training only).
        temperature: the cosine's scale in the score (Part 3's NT-Xent ``alpha``).

    ``score = cos(u, v) / temperature + MLP([p(u), p(v), p(u) * p(v), |p(u) - p(v)|])`` with
    ``u, v`` the questions' mean word vectors and ``p`` the projection.
    """

    def __init__(self, num_embeddings: int, embedding_dim: int, projection_dim: int = 64,
                 hidden_dim: int = 64, dropout: float = 0.1, temperature: float = 0.05):
        super().__init__()
        self.num_embeddings = num_embeddings
        self.embedding_dim = embedding_dim
        self.temperature = temperature
        self.embeddings = nn.EmbeddingBag(num_embeddings, embedding_dim, mode="mean")
        self.projection = nn.Sequential(nn.LayerNorm(embedding_dim),
                                        nn.Linear(embedding_dim, projection_dim))
        self.head = nn.Sequential(
            nn.Linear(4 * projection_dim, hidden_dim), nn.GELU(), nn.Dropout(dropout),
            nn.Linear(hidden_dim, 1))
        nn.init.zeros_(self.head[-1].weight)  # starts as the cosine ranking
        nn.init.zeros_(self.head[-1].bias)

    def forward(self, ids: torch.Tensor, offsets: torch.Tensor) -> torch.Tensor:
        """``ids [N]``, ``offsets [B]`` -> ``[B, embedding_dim]`` L2-normalised question vectors
        (an empty question: the zero vector). Pairs are scored with ``score``."""
        return nn.functional.normalize(self.embeddings(ids, offsets), dim=1, eps=1e-8)

    def _pair_scores(self, questions: torch.Tensor, candidates: torch.Tensor,
                     projected_questions: torch.Tensor, projected_candidates: torch.Tensor
                     ) -> torch.Tensor:
        """Scores of broadcastable ``[..., dim]`` vectors given their projections ``[..., p]``."""
        cosine = (questions * candidates).sum(-1)
        p_question, p_candidate = torch.broadcast_tensors(projected_questions,
                                                          projected_candidates)
        features = torch.cat([p_question, p_candidate, p_question * p_candidate,
                              (p_question - p_candidate).abs()], dim=-1)
        return cosine / self.temperature + self.head(features).squeeze(-1)

    def score(self, questions: torch.Tensor, candidates: torch.Tensor) -> torch.Tensor:
        """``questions [N, dim]``, ``candidates [N, dim]`` (from ``forward``) -> ``[N]`` pair scores."""
        return self._pair_scores(questions, candidates, self.projection(questions),
                                 self.projection(candidates))

    def score_matrix(self, questions: torch.Tensor, candidates: torch.Tensor) -> torch.Tensor:
        """``questions [B, dim]``, ``candidates [C, dim]`` -> ``[B, C]``: every pair's score
        (each vector projected once)."""
        return self._pair_scores(questions.unsqueeze(1), candidates.unsqueeze(0),
                                 self.projection(questions).unsqueeze(1),
                                 self.projection(candidates).unsqueeze(0))


class InBatchPairLoss(nn.Module):
    """Cross-entropy of each question's duplicate among the batch's candidates, both ways.

    Args:
        score_matrix: ``(questions [B, dim], candidates [C, dim]) -> [B, C]`` pair scores
            (``EarlyFusionModel.score_matrix``).

    ``forward(questions [B, dim], duplicates [B, dim]) -> scalar``, Part 3's criterion
    signature, so Part 3's ``Trainer`` trains the fusion model unchanged: with
    ``scores = score_matrix(questions, duplicates)`` (the diagonal holds the true pairs), the
    loss is the mean of the row-wise and column-wise cross-entropies with the diagonal as the
    target: NT-Xent with the pair model's scores in place of cosines. An empty batch gives 0.
    """

    def __init__(self, score_matrix: Callable[[torch.Tensor, torch.Tensor], torch.Tensor]):
        super().__init__()
        self.score_matrix = score_matrix

    def forward(self, questions: torch.Tensor, duplicates: torch.Tensor) -> torch.Tensor:
        scores = self.score_matrix(questions, duplicates)
        if scores.shape[0] == 0:
            return scores.sum() * 0.0
        targets = torch.arange(scores.shape[0], device=scores.device)
        return 0.5 * (nn.functional.cross_entropy(scores, targets)
                      + nn.functional.cross_entropy(scores.T, targets))


class FusionReranker:
    """Hard negatives after re-ranking a base model's ``top_n`` candidates with the fusion model.

    Args:
        model: a trained ``EarlyFusionModel``.
        tokenizer: text -> word indices (Part 3's ``TextTokenizer``).
        base_vectors: texts -> ``[len(texts), dim]`` vectors of the base model (Part 3's);
            candidates are ranked by their cosine with the question's.
        top_n: how many of the base model's best candidates the fusion model re-orders.

    For a sample ``[q, pos, neg1, ...]``: when the duplicate is among the base model's
    ``top_n`` (ties broken in its favour), its hard negatives are the re-ranked candidates the
    fusion model scores strictly higher; otherwise the base model's count stands.
    ``instructor.bonus.ranking.evaluate`` turns these into Hits@K.
    """

    def __init__(self, model: EarlyFusionModel, tokenizer: Callable[[str], list[int]],
                 base_vectors: Callable[[Sequence[str]], np.ndarray], top_n: int = 100,
                 batch_size: int = 1024):
        self.model = model
        self.tokenizer = tokenizer
        self.base_vectors = base_vectors
        self.top_n = top_n
        self.batch_size = batch_size

    def hard_negatives(self, samples: Sequence[Sequence[str]]) -> np.ndarray:
        """``[n_samples]`` hard-negative counts after re-ranking (see the class docstring)."""
        samples = [list(sample) for sample in samples]
        if not samples:
            return np.zeros(0, dtype=np.int64)
        texts = list(dict.fromkeys(text for sample in samples for text in sample))
        row = {text: i for i, text in enumerate(texts)}
        base = np.asarray(self.base_vectors(texts), dtype=np.float64)
        base /= np.maximum(np.linalg.norm(base, axis=1, keepdims=True), 1e-12)
        fused = torch.from_numpy(ModelEmbedder(self.model, self.tokenizer, self.batch_size)
                                 .embed(texts, normalize=False))
        hard = np.empty(len(samples), dtype=np.int64)
        self.model.eval()
        with torch.no_grad():
            for i, sample in enumerate(samples):
                rows = np.array([row[text] for text in sample])
                base_scores = (base[rows[1:]] * base[rows[0]]).sum(axis=1)  # duplicate first
                hard[i] = np.count_nonzero(base_scores[1:] > base_scores[0])
                if hard[i] >= self.top_n:
                    continue
                top = np.argsort(-base_scores, kind="stable")[:self.top_n]  # contains 0
                candidates = torch.as_tensor(rows[1:][top])
                question = fused[int(rows[0])].expand(len(top), -1)
                scores = self.model.score(question, fused[candidates]).numpy()
                hard[i] = np.count_nonzero(scores[top != 0] > scores[top == 0][0])
        return hard
