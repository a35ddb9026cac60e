"""Part 3: task-specific word vectors from a DSSM-like model trained with NT-Xent.

A question is embedded as the mean of its words' vectors (``nn.EmbeddingBag``). The NT-Xent loss
pulls a question and its duplicate together and pushes both away from the other questions of the
batch. The trained embedding table is then a set of word vectors like word2vec's: Part 1's
``Embedder`` and ``Scorer`` rank the validation questions with it.

Shapes: ``B`` questions in a batch, ``N`` word indices of all of them together, ``dim`` the
embedding size.
"""
from collections.abc import Callable, Mapping, Sequence

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn
from torch.utils.data import DataLoader, Dataset
from torch.utils.tensorboard import SummaryWriter


class QuestionDuplicatesDataset(Dataset):
    """Item ``i``: ``(question, duplicate)`` of ``question_pairs[i]``, tokenized.

    ``question_pairs``: ``(question, duplicate)`` texts; ``tokenizer``: text -> word indices
    (``TextTokenizer``).
    """

    def __init__(self, question_pairs: Sequence[tuple[str, str]],
                 tokenizer: Callable[[str], list[int]]):
        # BEGIN SOLUTION
        self.pairs = [(tokenizer(question), tokenizer(duplicate))
                      for question, duplicate in question_pairs]
        # END SOLUTION

    def __len__(self) -> int:
        # BEGIN SOLUTION
        return len(self.pairs)
        # END SOLUTION

    def __getitem__(self, idx: int) -> tuple[list[int], list[int]]:
        # BEGIN SOLUTION
        return self.pairs[idx]
        # END SOLUTION


def get_ids_and_offsets(questions: Sequence[Sequence[int]]) -> tuple[torch.Tensor, torch.Tensor]:
    """Tokenized questions -> ``(ids [N], offsets [B])``: all the questions' indices one after
    another, and where each question starts in ``ids`` (``nn.EmbeddingBag``'s input)."""
    # BEGIN SOLUTION
    ids = torch.tensor([index for question in questions for index in question], dtype=torch.long)
    offsets = torch.tensor([0] + [len(question) for question in questions[:-1]]).cumsum(0)
    return ids, offsets
    # END SOLUTION


def collate_fn(batch: Sequence[tuple[Sequence[int], Sequence[int]]]):
    """``[(question, duplicate), ...]`` -> ``((question_ids, question_offsets),
    (duplicate_ids, duplicate_offsets))``, each as ``get_ids_and_offsets`` gives it."""
    # BEGIN SOLUTION
    questions = [question for question, _ in batch]
    duplicates = [duplicate for _, duplicate in batch]
    return get_ids_and_offsets(questions), get_ids_and_offsets(duplicates)
    # END SOLUTION


class DssmLikeModel(nn.Module):
    """A question's embedding is the mean of its words' vectors.

    ``forward(ids [N], offsets [B]) -> [B, embedding_dim]``; a question without words gives the
    zero vector.
    """

    def __init__(self, num_embeddings: int, embedding_dim: int):
        super().__init__()
        # BEGIN SOLUTION
        self.embeddings = nn.EmbeddingBag(num_embeddings, embedding_dim, mode="mean")
        # END SOLUTION

    def forward(self, ids: torch.Tensor, offsets: torch.Tensor) -> torch.Tensor:
        # BEGIN SOLUTION
        return self.embeddings(ids, offsets)
        # END SOLUTION


class NTExentLoss(nn.Module):
    """NT-Xent of a batch of (question, duplicate) embeddings ``Q``, ``D`` ``[B, dim]``::

        L = -0.5 log diag(softmax(Q D^T / alpha)) - 0.5 log diag(softmax(D Q^T / alpha)),

    averaged over the batch, with the rows of ``Q`` and ``D`` L2-normalised (so ``Q D^T`` holds
    cosine similarities) and the softmax taken over each row.

    Args:
        alpha: divides the similarities before the softmax (the temperature).
        eps: the smallest norm a row is divided by (a zero row stays zero).
    """

    def __init__(self, alpha: float = 1., eps: float = 1e-8):
        super().__init__()
        # BEGIN SOLUTION
        self.alpha = alpha
        self.eps = eps
        # END SOLUTION

    def _normalize(self, embeddings: torch.Tensor) -> torch.Tensor:
        """``[B, dim]`` -> the same rows divided by their L2 norm."""
        # BEGIN SOLUTION
        return embeddings / embeddings.norm(dim=1, keepdim=True).clamp_min(self.eps)
        # END SOLUTION

    def forward(self, embeddings: torch.Tensor, positives: torch.Tensor) -> torch.Tensor:
        # BEGIN SOLUTION
        scores = self._normalize(embeddings) @ self._normalize(positives).T / self.alpha
        targets = torch.arange(len(scores), device=scores.device)
        return 0.5 * F.cross_entropy(scores, targets) + 0.5 * F.cross_entropy(scores.T, targets)
        # END SOLUTION


class Trainer:
    """Trains a question encoder on ``(question, duplicate)`` batches with a pair loss.

    Args:
        model: ``model(ids, offsets) -> [B, dim]`` (``DssmLikeModel``).
        optimizer: over the model's parameters.
        criterion: ``criterion(questions [B, dim], duplicates [B, dim]) -> loss``.
        logdir: the TensorBoard folder (``None``: TensorBoard's default ``runs/...``): the loss of
            each training batch and the eval loss of each epoch are logged.
        device: where to train (``None``: the CPU).

    ``train({'train': loader, 'eval': loader}, n_epochs)`` returns each epoch's
    ``(train loss, eval loss)``.
    """

    def __init__(self, model: nn.Module, optimizer: torch.optim.Optimizer,
                 criterion: Callable[[torch.Tensor, torch.Tensor], torch.Tensor],
                 logdir: str | None = None, device: str | torch.device | None = None):
        # BEGIN SOLUTION
        self.device = torch.device(device or "cpu")
        self.model = model.to(self.device)
        self.optimizer = optimizer
        self.criterion = criterion
        self.writer = SummaryWriter(logdir)
        self.step = 0
        # END SOLUTION

    def _calculate_loss(self, batch) -> torch.Tensor:
        # BEGIN SOLUTION
        (question_ids, question_offsets), (duplicate_ids, duplicate_offsets) = batch
        questions = self.model(question_ids.to(self.device), question_offsets.to(self.device))
        duplicates = self.model(duplicate_ids.to(self.device), duplicate_offsets.to(self.device))
        return self.criterion(questions, duplicates)
        # END SOLUTION

    def _train_step(self, dataloader: DataLoader) -> float:
        """One epoch with backpropagation; returns the mean loss of its batches."""
        # BEGIN SOLUTION
        self.model.train()
        losses = []
        for batch in dataloader:
            self.optimizer.zero_grad()
            loss = self._calculate_loss(batch)
            loss.backward()
            self.optimizer.step()
            losses.append(loss.item())
            self.writer.add_scalar("loss/train_batch", losses[-1], self.step)
            self.step += 1
        return float(np.mean(losses))
        # END SOLUTION

    def _eval_step(self, dataloader: DataLoader) -> float:
        """The mean loss of ``dataloader``'s batches, without training."""
        # BEGIN SOLUTION
        self.model.eval()
        with torch.no_grad():
            losses = [self._calculate_loss(batch).item() for batch in dataloader]
        return float(np.mean(losses))
        # END SOLUTION

    def train(self, dataloaders: Mapping[str, DataLoader], n_epochs: int,
              verbose: bool = False) -> list[tuple[float, float]]:
        # BEGIN SOLUTION
        history = []
        for epoch in range(n_epochs):
            train_loss = self._train_step(dataloaders["train"])
            eval_loss = self._eval_step(dataloaders["eval"])
            self.writer.add_scalar("loss/eval_epoch", eval_loss, epoch)
            history.append((train_loss, eval_loss))
            if verbose:
                print(f"epoch {epoch + 1}: train loss {train_loss:.4f}, eval loss {eval_loss:.4f}")
        self.writer.flush()
        return history
        # END SOLUTION
