"""Part 3: one training epoch of the plain reference DSSM-like model, and the alternatives.

On the full-scale stand-in (``quick``: the sample stand-in): texts preprocessed, Part 3's
vocabulary and training pairs as ``instructor.pipeline`` makes them (``dssm_tokenizer``,
``train_eval_pairs``), shuffled, the first 800,000 kept (``quick``: 100,000); batch, dim and
temperature of ``hw_utils.recipes``; torch on 2 threads (the course's 2 CPU cores).

- ours: the plain reference of ``hw_utils.dssm`` as the notebook runs it (a dense
  ``EmbeddingBag``, ``Adam``, the ``Trainer`` logging each batch's loss to TensorBoard, the
  ``DataLoader`` with ``collate_fn``): one whole epoch, measured (``ours_epoch_s``), with its
  peak resident memory;
- sparse: the same model with sparse gradients and ``SparseAdam``
  (``instructor.bonus.full_dssm.SparseBagModel``), which updates only the rows a batch uses;
- the course's loop: a Python loop over the batch (one ``nn.Embedding`` lookup and mean per
  question) with dense ``Adam``.

The three take turns on the first few batches of the same epoch (``*_step_ms``: the mean
optimisation step, data loading excluded); the loop's and sparse epoch times are EXTRAPOLATED
from them (``*_epoch_s_extrapolated``). ``cuda_epoch_s``: ours on a GPU when one is present
(else null).
"""
import os
import random
import tempfile
import time

import numpy as np
import torch
from torch import nn
from torch.utils.data import DataLoader

from hw_utils import recipes
from hw_utils.dssm import DssmLikeModel, NTExentLoss, QuestionDuplicatesDataset, Trainer, collate_fn
from sodata import get_dataset, read_corpus
from benchmarks.part1_scorer import PeakRss
from instructor.bonus.full_dssm import SparseBagModel
from instructor.pipeline import dssm_tokenizer, preprocess_rows, train_eval_pairs

BATCH_SIZE = recipes.PART3.batch_size
DIM = recipes.PART3_DIM
THREADS = 2


class CourseModel(nn.Module):
    """The course's approach: a dense ``nn.Embedding`` and a Python loop over the questions."""

    def __init__(self, num_embeddings: int, embedding_dim: int):
        super().__init__()
        self.embeddings = nn.Embedding(num_embeddings, embedding_dim)

    def forward(self, questions: list[torch.Tensor]) -> torch.Tensor:
        zero = torch.zeros(self.embeddings.embedding_dim)
        return torch.stack([self.embeddings(ids).mean(0) if len(ids) else zero
                            for ids in questions])


def side_by_side_ms(steps, batches) -> list[float]:
    """The mean time of each step over the same batches, in ms, the steps taking turns batch
    by batch (so a change in the machine's load hits both alike); the first batch warms up."""
    times = np.zeros((len(batches) - 1, len(steps)))
    for index, batch in enumerate(batches):
        for which, step in enumerate(steps):
            started = time.perf_counter()
            step(batch)
            if index:
                times[index - 1, which] = time.perf_counter() - started
    return [float(value) for value in 1000 * times.mean(axis=0)]


def _step(model: nn.Module, optimizer: torch.optim.Optimizer, criterion: nn.Module,
          embed=None):
    """One optimisation step on a collated batch; ``embed(model, ids, offsets)`` embeds a side
    (``model(ids, offsets)`` by default)."""
    embed = embed or (lambda model_, ids, offsets: model_(ids, offsets))

    def step(batch):
        (q_ids, q_offsets), (d_ids, d_offsets) = batch
        loss = criterion(embed(model, q_ids, q_offsets), embed(model, d_ids, d_offsets))
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    return step


def _course_embed(model: "CourseModel", ids: torch.Tensor, offsets: torch.Tensor):
    bounds = offsets.tolist() + [len(ids)]
    return model([ids[start:end] for start, end in zip(bounds[:-1], bounds[1:])])


def run(quick: bool) -> dict:
    torch.set_num_threads(THREADS)
    dataset = get_dataset("sample" if quick else "full")
    rows = preprocess_rows(read_corpus(dataset.train))
    tokenizer = dssm_tokenizer(rows)
    pairs, _ = train_eval_pairs(rows)
    del rows
    random.Random(recipes.SEED).shuffle(pairs)
    train = QuestionDuplicatesDataset(pairs[:100_000 if quick else 800_000], tokenizer)
    timed_batches = 3 if quick else 4

    torch.manual_seed(recipes.SEED)
    loader = DataLoader(train, batch_size=BATCH_SIZE, collate_fn=collate_fn)
    batches = [batch for batch, _ in zip(loader, range(timed_batches))]
    criterion = NTExentLoss(alpha=recipes.PART3_ALPHA)
    model = DssmLikeModel(tokenizer.vocab_size, DIM)
    logdir = tempfile.TemporaryDirectory(prefix="part3-bench-")
    trainer = Trainer(model, torch.optim.Adam(model.parameters(), lr=recipes.PART3.lr),
                      criterion, logdir=logdir.name, device="cpu")
    sparse = SparseBagModel(tokenizer.vocab_size, DIM)
    course = CourseModel(tokenizer.vocab_size, DIM)
    steps = [_step(model, trainer.optimizer, criterion),
             _step(sparse, torch.optim.SparseAdam(sparse.parameters(), lr=recipes.PART3.lr),
                   criterion),
             _step(course, torch.optim.Adam(course.parameters(), lr=recipes.PART3.lr), criterion,
                   _course_embed)]
    with PeakRss() as course_memory:
        ours_step_ms, sparse_step_ms, course_step_ms = side_by_side_ms(steps, batches)
    del course, sparse, steps
    with PeakRss() as ours_memory:
        started = time.perf_counter()
        trainer._train_step(loader)
        ours_epoch_s = time.perf_counter() - started
    n_batches = len(loader)
    loading_s = max(ours_epoch_s - n_batches * ours_step_ms / 1000, 0.)
    trainer.writer.close()
    logdir.cleanup()
    return {
        "dataset": dataset.name, "pairs": len(train), "vocab_size": tokenizer.vocab_size,
        "dim": DIM, "batch_size": BATCH_SIZE, "batches_per_epoch": n_batches,
        "torch_threads": torch.get_num_threads(), "pairing": recipes.PART3_PAIRING,
        "ours_epoch_s": round(ours_epoch_s, 2),
        "ours_peak_rss_mb": round(ours_memory.peak / 2 ** 20),
        "timed_batches": timed_batches - 1,
        "ours_step_ms": round(ours_step_ms, 1),
        "sparse_step_ms": round(sparse_step_ms, 1),
        "course_step_ms": round(course_step_ms, 1),
        "sparse_epoch_s_extrapolated": round(n_batches * sparse_step_ms / 1000 + loading_s, 1),
        "course_epoch_s_extrapolated": round(n_batches * course_step_ms / 1000 + loading_s, 1),
        "peak_rss_of_the_side_by_side_mb": round(course_memory.peak / 2 ** 20),
        "cuda_epoch_s": _cuda_epoch_s(train, tokenizer.vocab_size) if torch.cuda.is_available()
        else None,
        "load_average": os.getloadavg()[0],
    }


def _cuda_epoch_s(train: QuestionDuplicatesDataset, vocab_size: int) -> float:
    """One epoch of ours on the GPU (one warm-up epoch first, not timed)."""
    model = DssmLikeModel(vocab_size, DIM)
    with tempfile.TemporaryDirectory(prefix="part3-bench-") as logdir:
        trainer = Trainer(model, torch.optim.Adam(model.parameters(), lr=recipes.PART3.lr),
                          NTExentLoss(alpha=recipes.PART3_ALPHA), logdir=logdir, device="cuda")
        loader = DataLoader(train, batch_size=BATCH_SIZE, collate_fn=collate_fn)
        trainer._train_step(loader)
        torch.cuda.synchronize()
        started = time.perf_counter()
        trainer._train_step(loader)
        torch.cuda.synchronize()
        trainer.writer.close()
        return round(time.perf_counter() - started, 2)


if __name__ == "__main__":
    import json
    import sys

    print(json.dumps(run(quick="--quick" in sys.argv), indent=1))
