"""Part 3: task-specific word vectors from a DSSM-like model trained with NT-Xent.

A question is embedded as the mean of its words' vectors (``nn.EmbeddingBag(mode='mean')``).
The NT-Xent loss pulls a question and its duplicate together and pushes both away from the other
questions of the batch. The trained embedding table is then a set of word vectors like word2vec's:
Part 1's ``Embedder`` and ``Scorer`` rank the validation questions with it.

The flow of ``notebooks/part3_dssm.ipynb``::

    rows = [[preprocess(text) for text in row] for row in read_corpus(dataset.train)]
    tokenizer = TextTokenizer(build_vocab(text for row in rows for text in row, min_count=2))
    train_pairs, val_pairs = train_test_split(build_question_pairs(rows), test_size=0.05)
    loaders = {"train": DataLoader(QuestionDuplicatesDataset(train_pairs, tokenizer),
                                   batch_size=1024, shuffle=True, collate_fn=collate_fn),
               "val": DataLoader(QuestionDuplicatesDataset(val_pairs, tokenizer),
                                 batch_size=1024, collate_fn=collate_fn)}
    model = DssmLikeModel(tokenizer.vocab_size, 300)
    trainer = Trainer(model, torch.optim.SparseAdam(model.parameters(), lr=1e-2),
                      NTExentLoss(alpha=0.05), logdir="runs/part3",
                      checkpoint_dir="checkpoints/part3")
    trainer.train(loaders, n_epochs=10)
    embedder = Embedder(word_vectors(model, tokenizer), 300)   # then Part 1's Scorer

Shapes: ``B`` questions in a batch, ``N`` word indices in all of them together, ``dim`` the
embedding size.
"""
import math
import os
import tempfile
from array import array
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from itertools import combinations
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn
from torch.utils.data import DataLoader, Dataset

# How ``build_question_pairs`` turns a row of duplicates [q1, q2, ..., qn] into pairs; the course
# names these three. "all_pairs" is the default: it scored best on the sample stand-in with the
# same number of epochs (see the table in notebooks/part3_dssm.ipynb and tools/benchmarks).
PAIRINGS = ("first_two", "first_with_each", "all_pairs")
DEFAULT_PAIRING = "all_pairs"
HITS_KS = (1, 5, 10, 100, 500)
CHECKPOINT_NAME = "last.pt"


def build_vocab(texts: Iterable[str], min_count: int = 1) -> dict[str, int]:
    """word -> index for the words of ``texts`` (split on white space) seen ``min_count`` times.

    Indices ``0 .. n-1`` go to the words by decreasing count, ties broken alphabetically, so the
    same corpus always gives the same vocabulary. Raises ``ValueError`` when no word qualifies
    (an empty corpus, or ``min_count`` too high): a model over an empty vocabulary learns nothing.
    """
    # BEGIN SOLUTION
    counts = Counter(word for text in texts for word in text.split())
    words = sorted((word for word, count in counts.items() if count >= min_count),
                   key=lambda word: (-counts[word], word))
    if not words:
        raise ValueError(f"the vocabulary is empty: no word occurs at least {min_count} times "
                         f"in the corpus ({len(counts)} distinct words); check that the corpus "
                         f"was read and preprocessed, or lower min_count")
    return {word: index for index, word in enumerate(words)}
    # END SOLUTION


def build_question_pairs(rows: Iterable[Sequence[str]],
                         how: str = DEFAULT_PAIRING) -> list[tuple[str, str]]:
    """(question, duplicate) pairs from training rows, each row a list of duplicate questions.

    ``how``, for a row ``[q1, q2, ..., qn]``:

    - ``"first_two"``: ``(q1, q2)``, one pair per row;
    - ``"first_with_each"``: ``(q1, q2), (q1, q3), ..., (q1, qn)``;
    - ``"all_pairs"``: every unordered pair ``(qi, qj)``, ``i < j`` (n(n-1)/2 of them).

    Rows with fewer than two questions give no pair.
    """
    if how not in PAIRINGS:
        raise ValueError(f"unknown pairing {how!r}: use one of {', '.join(PAIRINGS)}")
    # BEGIN SOLUTION
    pairs = []
    for row in rows:
        if len(row) < 2:
            continue
        if how == "first_two":
            pairs.append((row[0], row[1]))
        elif how == "first_with_each":
            pairs.extend((row[0], duplicate) for duplicate in row[1:])
        else:
            pairs.extend(combinations(row, 2))
    return pairs
    # END SOLUTION


def _pack(token_lists: Iterable[Sequence[int]]) -> tuple[np.ndarray, np.ndarray]:
    """All the lists in one int64 array ``[N]`` plus their bounds ``[n + 1]``.

    List ``i`` is ``ids[bounds[i]:bounds[i + 1]]``. One flat array instead of a million small
    ones: a few bytes per index rather than about a hundred per list.
    """
    # BEGIN SOLUTION
    ids, lengths = array("q"), array("q", [0])
    for tokens in token_lists:
        ids.extend(tokens)
        lengths.append(len(tokens))
    return np.frombuffer(ids, dtype=np.int64), np.cumsum(np.frombuffer(lengths, dtype=np.int64))
    # END SOLUTION


class QuestionDuplicatesDataset(Dataset):
    """(question, duplicate) pairs as word indices; each text is tokenized once, here.

    Args:
        question_pairs: ``(question, duplicate)`` texts (preprocessed the way the vocabulary was).
        tokenizer: text -> list of word indices (``hw_utils.text.TextTokenizer``).

    Item ``i`` is ``(question ids, duplicate ids)``: two 1-D int64 arrays, empty for a text none
    of whose words is in the vocabulary.
    """

    def __init__(self, question_pairs: Sequence[tuple[str, str]],
                 tokenizer: Callable[[str], list[int]]):
        super().__init__()
        # BEGIN SOLUTION
        self.question_ids, self.question_bounds = _pack(tokenizer(q) for q, _ in question_pairs)
        self.duplicate_ids, self.duplicate_bounds = _pack(
            tokenizer(d) for _, d in question_pairs)
        # END SOLUTION

    def __len__(self) -> int:
        # BEGIN SOLUTION
        return len(self.question_bounds) - 1
        # END SOLUTION

    def __getitem__(self, index: int) -> tuple[np.ndarray, np.ndarray]:
        # BEGIN SOLUTION
        if not -len(self) <= index < len(self):
            raise IndexError(f"pair {index} out of range for {len(self)} pairs")
        index %= len(self)
        question = self.question_ids[self.question_bounds[index]:self.question_bounds[index + 1]]
        duplicate = self.duplicate_ids[
            self.duplicate_bounds[index]:self.duplicate_bounds[index + 1]]
        return question, duplicate
        # END SOLUTION

    def seen_ids(self) -> np.ndarray:
        """The sorted distinct word indices that occur in the pairs: the words training updates."""
        # BEGIN SOLUTION
        return np.unique(np.concatenate([self.question_ids, self.duplicate_ids]))
        # END SOLUTION


def get_ids_and_offsets(questions: Sequence[Sequence[int]]) -> tuple[torch.Tensor, torch.Tensor]:
    """The ``nn.EmbeddingBag`` input for a batch of tokenized questions.

    Returns ``ids [N]`` (all questions' indices one after another) and ``offsets [B]``, the start
    of each question in ``ids`` (int64 tensors). An empty question takes no room in ``ids``: its
    offset equals the next one's, and ``EmbeddingBag`` gives it a zero vector.
    """
    # BEGIN SOLUTION
    lengths = np.fromiter((len(question) for question in questions), dtype=np.int64,
                          count=len(questions))
    offsets = np.zeros(len(questions), dtype=np.int64)
    np.cumsum(lengths[:-1], out=offsets[1:])
    ids = (np.concatenate([np.asarray(question, dtype=np.int64) for question in questions])
           if len(questions) else np.zeros(0, dtype=np.int64))
    return torch.from_numpy(ids), torch.from_numpy(offsets)
    # END SOLUTION


def collate_fn(batch: Sequence[tuple[Sequence[int], Sequence[int]]]
               ) -> tuple[tuple[torch.Tensor, torch.Tensor], tuple[torch.Tensor, torch.Tensor]]:
    """A list of ``(question ids, duplicate ids)`` -> ``((q_ids, q_offsets), (d_ids, d_offsets))``.

    ``q_ids [N_q]``, ``q_offsets [B]``, ``d_ids [N_d]``, ``d_offsets [B]``: see
    ``get_ids_and_offsets``.
    """
    # BEGIN SOLUTION
    questions, duplicates = zip(*batch) if len(batch) else ((), ())
    return get_ids_and_offsets(questions), get_ids_and_offsets(duplicates)
    # END SOLUTION


class DssmLikeModel(nn.Module):
    """A question's embedding is the mean of its words' vectors.

    Args:
        num_embeddings: vocabulary size (``tokenizer.vocab_size``).
        embedding_dim: size ``dim`` of the word vectors.
        sparse: sparse gradients for the embedding table (train it with ``torch.optim.SparseAdam``):
            a batch touches a few thousand of the table's rows, and only those are updated.

    ``forward(ids [N], offsets [B]) -> [B, dim]``; an empty question gives the zero vector.
    """

    def __init__(self, num_embeddings: int, embedding_dim: int, sparse: bool = True):
        super().__init__()
        if num_embeddings < 1 or embedding_dim < 1:
            raise ValueError(f"DssmLikeModel needs num_embeddings >= 1 and embedding_dim >= 1, got "
                             f"{num_embeddings} and {embedding_dim} (an empty vocabulary?)")
        self.num_embeddings = num_embeddings
        self.embedding_dim = embedding_dim
        # BEGIN SOLUTION
        self.embeddings = nn.EmbeddingBag(num_embeddings, embedding_dim, mode="mean",
                                          sparse=sparse)
        # END SOLUTION

    def forward(self, ids: torch.Tensor, offsets: torch.Tensor) -> torch.Tensor:
        """``ids [N]``, ``offsets [B]`` (start offsets) -> question embeddings ``[B, dim]``."""
        # BEGIN SOLUTION
        return self.embeddings(ids, offsets)
        # END SOLUTION


class NTExentLoss(nn.Module):
    """NT-Xent: the normalised temperature-scaled cross-entropy of a batch of positive pairs.

    With ``Q`` and ``D`` the L2-normalised rows of ``embeddings`` and ``positives`` ``[B, dim]``::

        L = mean_i [ -0.5 log softmax(Q D^T / alpha)[i, i] - 0.5 log softmax(D Q^T / alpha)[i, i] ]

    Each question must pick out its own duplicate among the batch's duplicates, and each
    duplicate its question. The log-softmax is computed directly (never ``log(softmax)``), so
    the loss stays finite for any ``alpha``. It is symmetric: swapping the arguments gives the
    same value.

    Args:
        alpha: the temperature; smaller values sharpen the softmax.
        eps: a row is divided by ``max(norm, eps)``, so a zero row (an empty question) stays
            zero, with cosine similarity 0 to everything, instead of becoming NaN.
    """

    def __init__(self, alpha: float = 1., eps: float = 1e-8):
        super().__init__()
        if alpha <= 0:
            raise ValueError(f"the temperature alpha must be positive, got {alpha}")
        self.alpha = alpha
        self.eps = eps

    def _normalize(self, x: torch.Tensor) -> torch.Tensor:
        """Rows of ``x [B, dim]`` divided by their L2 norm (by ``eps`` when the norm is smaller)."""
        # BEGIN SOLUTION
        return x / x.norm(dim=1, keepdim=True).clamp_min(self.eps)
        # END SOLUTION

    def forward(self, embeddings: torch.Tensor, positives: torch.Tensor) -> torch.Tensor:
        """``embeddings [B, dim]``, ``positives [B, dim]`` (row i is row i's duplicate) -> scalar."""
        # BEGIN SOLUTION
        logits = self._normalize(embeddings) @ self._normalize(positives).T / self.alpha
        targets = torch.arange(len(logits), device=logits.device)
        return 0.5 * (F.cross_entropy(logits, targets) + F.cross_entropy(logits.T, targets))
        # END SOLUTION


def default_device() -> torch.device:
    """CUDA when a GPU is present, else the CPU."""
    return torch.device("cuda" if torch.cuda.is_available() else "cpu")


def _writable_dir(path: str | Path, what: str) -> Path:
    """``path`` created if needed and checked writable; ``OSError`` saying what to do otherwise."""
    path = Path(path)
    try:
        path.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=path):
            pass
    except OSError as error:
        raise OSError(f"{what} {str(path)!r} cannot be written ({error.strerror or error}): "
                      f"pass a folder you can write to") from error
    return path


class HitsAtK:
    """Hits@K of a model's question embeddings on ranking samples, to log during training.

    ``samples``: rows ``[question, duplicate, negative, ...]`` of preprocessed texts (a slice of
    the validation corpus). The definition is Part 1's ``Scorer``'s: a sample is a hit at K when
    fewer than K negatives are strictly more cosine-similar to the question than the duplicate
    (cosine with a zero vector is 0).
    """

    def __init__(self, samples: Sequence[Sequence[str]], tokenizer: Callable[[str], list[int]],
                 ks: Sequence[int] = HITS_KS, batch_size: int = 4096):
        texts = sorted({text for sample in samples for text in sample})
        index = {text: position for position, text in enumerate(texts)}
        self.samples = [np.array([index[text] for text in sample]) for sample in samples]
        self.tokens = [tokenizer(text) for text in texts]
        self.ks = tuple(ks)
        self.batch_size = batch_size

    @torch.no_grad()
    def __call__(self, model: nn.Module) -> dict[int, float]:
        """{K: Hits@K} for ``model`` (called in eval mode; its mode is restored)."""
        was_training = model.training
        model.eval()
        device = next(model.parameters()).device
        chunks = []
        for start in range(0, len(self.tokens), self.batch_size):
            ids, offsets = get_ids_and_offsets(self.tokens[start:start + self.batch_size])
            chunks.append(model(ids.to(device), offsets.to(device)).float().cpu())
        model.train(was_training)
        vectors = F.normalize(torch.cat(chunks), dim=1).numpy()
        hard_negatives = np.array([
            np.count_nonzero(scores[2:] > scores[1])
            for scores in (vectors[sample] @ vectors[sample[0]] for sample in self.samples)])
        return {k: float(np.mean(hard_negatives < k)) for k in self.ks}


class Trainer:
    """Trains a question encoder with a pair loss, logging to TensorBoard and checkpointing.

    Args:
        model: ``forward(ids, offsets) -> [B, dim]`` (``DssmLikeModel``); moved to ``device``.
        optimizer: over ``model``'s parameters (``SparseAdam`` for sparse embeddings).
        criterion: ``criterion(question_embeddings, duplicate_embeddings) -> scalar``.
        logdir: TensorBoard folder (``None``: TensorBoard's default ``runs/<date>_<host>``).
            Logged: ``loss/train`` per batch (x: batches so far), ``loss/eval`` and
            ``hits/<K>`` per epoch (x: epoch).
        device: where to train; ``None`` picks CUDA when present, else the CPU.
        checkpoint_dir: where ``last.pt`` is written after every epoch (model, optimizer, epoch,
            history); ``None``: no checkpoints. It loads with ``torch.load(weights_only=True)``.
        resume: continue from ``checkpoint_dir/last.pt`` when it exists.
        hits: called with the model after each epoch -> ``{K: Hits@K}`` (``HitsAtK``).

    A loss that is NaN or infinite stops training with ``FloatingPointError`` before the
    optimizer step, so the model and the last checkpoint keep the last finite weights.
    """

    def __init__(self, model: nn.Module, optimizer: torch.optim.Optimizer,
                 criterion: Callable[[torch.Tensor, torch.Tensor], torch.Tensor],
                 logdir: str | Path | None = None, device: str | torch.device | None = None,
                 checkpoint_dir: str | Path | None = None, resume: bool = False,
                 hits: Callable[[nn.Module], Mapping[int, float]] | None = None):
        from torch.utils.tensorboard import SummaryWriter

        self.device = torch.device(device) if device is not None else default_device()
        self.model = model.to(self.device)
        self.optimizer = optimizer
        self.criterion = criterion
        self.hits = hits
        self.checkpoint_dir = (None if checkpoint_dir is None
                               else _writable_dir(checkpoint_dir, "checkpoint_dir"))
        self.writer = SummaryWriter(None if logdir is None else _writable_dir(logdir, "logdir"))
        self.epoch = 0  # epochs completed
        self.global_step = 0  # batches trained on
        self.history: list[dict] = []  # one record per epoch: losses and hits
        if resume and self.checkpoint_path is not None and self.checkpoint_path.is_file():
            self.load_checkpoint(self.checkpoint_path)

    @property
    def checkpoint_path(self) -> Path | None:
        return None if self.checkpoint_dir is None else self.checkpoint_dir / CHECKPOINT_NAME

    def save_checkpoint(self) -> Path | None:
        """Write ``checkpoint_dir/last.pt`` (atomically: a stop mid-write keeps the old one)."""
        if self.checkpoint_path is None:
            return None
        state = {"model": self.model.state_dict(), "optimizer": self.optimizer.state_dict(),
                 "epoch": self.epoch, "global_step": self.global_step, "history": self.history}
        temporary = self.checkpoint_path.with_suffix(".tmp")
        torch.save(state, temporary)
        os.replace(temporary, self.checkpoint_path)
        return self.checkpoint_path

    def load_checkpoint(self, path: str | Path) -> None:
        """Restore the model, the optimizer and the epoch count from a checkpoint."""
        state = torch.load(path, map_location=self.device, weights_only=True)
        self.model.load_state_dict(state["model"])
        self.optimizer.load_state_dict(state["optimizer"])
        self.epoch = state["epoch"]
        self.global_step = state["global_step"]
        self.history = list(state["history"])

    def _check_finite(self, loss: float, batch_index: int) -> None:
        """``FloatingPointError`` with what happened and what is kept, when ``loss`` is not finite."""
        if math.isfinite(loss):
            return
        kept = (f"the checkpoint of epoch {self.epoch} is kept at {self.checkpoint_path} "
                f"(Trainer(..., resume=True) continues from it)"
                if self.checkpoint_path is not None and self.checkpoint_path.is_file()
                else "no checkpoint was written yet (pass checkpoint_dir to keep one per epoch)")
        raise FloatingPointError(
            f"the loss is {loss} at epoch {self.epoch + 1}, batch {batch_index}: training "
            f"stopped before the optimizer step, so the model keeps its last finite weights; "
            f"{kept}. Lower the learning rate or raise the temperature alpha.")

    def _calculate_loss(self, batch) -> torch.Tensor:
        """The criterion on one collated batch ``((q_ids, q_offsets), (d_ids, d_offsets))``.

        Questions and duplicates go through the model in one call: one sparse gradient for the
        embedding table instead of two to add up (a quarter of the step's time on the CPU).
        """
        # BEGIN SOLUTION
        (q_ids, q_offsets), (d_ids, d_offsets) = batch
        ids = torch.cat([q_ids, d_ids]).to(self.device)
        offsets = torch.cat([q_offsets, d_offsets + len(q_ids)]).to(self.device)
        questions, duplicates = self.model(ids, offsets).split(len(q_offsets))
        return self.criterion(questions, duplicates)
        # END SOLUTION

    def _train_step(self, dataloader: DataLoader, verbose: bool = False) -> float:
        """One epoch of training; logs each batch's loss; returns the mean loss over batches."""
        # BEGIN SOLUTION
        from tqdm.auto import tqdm

        self.model.train()
        total = 0.
        progress = {} if verbose else {"disable": True}  # verbose: TQDM_DISABLE still applies
        batches = tqdm(dataloader, desc=f"epoch {self.epoch + 1}", leave=False, **progress)
        for batch_index, batch in enumerate(batches):
            loss = self._calculate_loss(batch)
            value = loss.item()
            self._check_finite(value, batch_index)
            self.optimizer.zero_grad()
            loss.backward()
            self.optimizer.step()
            self.global_step += 1
            self.writer.add_scalar("loss/train", value, self.global_step)
            total += value
        return total / max(len(dataloader), 1)
        # END SOLUTION

    @torch.no_grad()
    def _eval_step(self, dataloader: DataLoader) -> float:
        """The mean loss over ``dataloader``'s batches, without training."""
        # BEGIN SOLUTION
        self.model.eval()
        losses = [self._calculate_loss(batch).item() for batch in dataloader]
        self.model.train()
        return float(np.mean(losses)) if losses else math.nan
        # END SOLUTION

    def train(self, dataloaders: Mapping[str, DataLoader], n_epochs: int,
              verbose: bool = False) -> list[dict]:
        """Train until ``n_epochs`` epochs are done in all (a resumed run counts its own).

        ``dataloaders``: ``"train"`` (required) and ``"val"`` (optional; its loss is logged each
        epoch). After each epoch: eval loss and Hits@K are logged, the checkpoint is saved and
        a record ``{"epoch", "train_loss", "eval_loss"?, "hits"?}`` is appended to
        ``history``, which is returned.
        """
        if "train" not in dataloaders:
            raise KeyError(f"dataloaders needs a 'train' loader (and optionally 'val'), got "
                           f"{sorted(dataloaders)}")
        # BEGIN SOLUTION
        for epoch in range(self.epoch + 1, n_epochs + 1):
            record = {"epoch": epoch, "train_loss": self._train_step(dataloaders["train"], verbose)}
            if "val" in dataloaders:
                record["eval_loss"] = self._eval_step(dataloaders["val"])
                self.writer.add_scalar("loss/eval", record["eval_loss"], epoch)
            if self.hits is not None:
                record["hits"] = {int(k): float(v) for k, v in self.hits(self.model).items()}
                for k, value in record["hits"].items():
                    self.writer.add_scalar(f"hits/{k}", value, epoch)
            self.epoch = epoch
            self.history.append(record)
            self.save_checkpoint()
            self.writer.flush()
            if verbose:
                print(_describe(record))
        return self.history
        # END SOLUTION


def _describe(record: dict) -> str:
    """One line for an epoch's record: ``epoch 3, train_loss 0.8123, ..., Hits@1 0.712, ...``."""
    parts = [f"epoch {record['epoch']}"]
    parts += [f"{key} {value:.4f}" for key, value in record.items() if key.endswith("loss")]
    parts += [f"Hits@{k} {value:.3f}" for k, value in record.get("hits", {}).items()]
    return ", ".join(parts)


def word_vectors(model: DssmLikeModel, tokenizer, seen_ids: Iterable[int] | None = None):
    """The model's word vectors as gensim ``KeyedVectors``, for Part 1's ``Embedder``.

    Word ``w`` gets row ``tokenizer.vocab[w]`` of the embedding table, so the ``Embedder``'s mean
    of word vectors is the model's own question embedding. Validation words the model never saw:

    - a word outside the vocabulary has no vector; the ``Embedder`` skips it, as the tokenizer
      does, and a question with no known word gets the zero vector (cosine 0 to everything);
    - a word in the vocabulary that occurs in no training pair kept its random initial vector,
      which is noise: pass ``seen_ids`` (``train_dataset.seen_ids()``) to leave such words out
      as well, so they are skipped like unknown words.
    """
    from gensim.models import KeyedVectors

    # BEGIN SOLUTION
    weights = next(module for module in model.modules()
                   if isinstance(module, nn.EmbeddingBag)).weight.detach().float().cpu().numpy()
    keep = None if seen_ids is None else set(int(index) for index in seen_ids)
    words = [word for word, index in tokenizer.vocab.items() if keep is None or index in keep]
    vectors = KeyedVectors(vector_size=weights.shape[1])
    if words:
        vectors.add_vectors(words, weights[[tokenizer.vocab[word] for word in words]])
    return vectors
    # END SOLUTION


def read_scalars(logdir: str | Path) -> dict[str, tuple[list[int], list[float]]]:
    """The scalars TensorBoard logged in ``logdir``: tag -> (steps, values), for a plot.

    When a run was resumed into the same folder, a step logged twice keeps its latest value.
    """
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    accumulator = EventAccumulator(str(logdir), size_guidance={"scalars": 0})
    accumulator.Reload()
    scalars = {}
    for tag in accumulator.Tags()["scalars"]:
        latest = {event.step: event.value for event in accumulator.Scalars(tag)}
        steps = sorted(latest)
        scalars[tag] = (steps, [latest[step] for step in steps])
    return scalars
