"""Part 3: one training epoch of the DSSM-like model against the course's approach.

On the full-scale stand-in (``quick``: the sample stand-in): texts preprocessed, vocabulary of
words seen twice, pairs built the default way and shuffled, the first 800,000 kept (``quick``:
100,000); batch 1024, 300-d vectors, NT-Xent, torch on 2 threads (the course's 2 CPU cores).

- ours: ``hw_utils.dssm`` as the notebook runs it (``EmbeddingBag`` with sparse gradients,
  ``SparseAdam``, the ``Trainer`` logging each batch's loss to TensorBoard, the ``DataLoader``
  with ``collate_fn``): one whole epoch, measured (``ours_epoch_s``), with its peak resident
  memory;
- the course's approach: a Python loop over the batch (one ``nn.Embedding`` lookup and mean per
  question) with dense ``Adam``, timed on the first few batches of the same epoch, the very
  batches ours is timed on as well (``*_step_ms``: the mean optimisation step, data loading
  excluded). Its epoch time is EXTRAPOLATED from them (``course_epoch_s_extrapolated``).
- ``cuda_epoch_s``: ours on a GPU when one is present (else null).
"""
import os
import random
import tempfile
import time

import numpy as np
import torch
from torch import nn
from torch.utils.data import DataLoader

from sodata import get_dataset, read_corpus
from hw_utils.dssm import (DEFAULT_PAIRING, DssmLikeModel, NTExentLoss, QuestionDuplicatesDataset,
                           Trainer, build_question_pairs, build_vocab, collate_fn)
from hw_utils.text import TextTokenizer, default_preprocessor
from tools.benchmarks.part1_scorer import PeakRss

BATCH_SIZE = 1024
DIM = 300
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


def as_lists(batch) -> tuple[list[torch.Tensor], list[torch.Tensor]]:
    """A collated batch as the course's lists of per-question index tensors."""
    def split(ids, offsets):
        bounds = offsets.tolist() + [len(ids)]
        return [ids[start:end] for start, end in zip(bounds[:-1], bounds[1:])]

    (q_ids, q_offsets), (d_ids, d_offsets) = batch
    return split(q_ids, q_offsets), split(d_ids, d_offsets)


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


def run(quick: bool) -> dict:
    torch.set_num_threads(THREADS)
    dataset = get_dataset("sample" if quick else "full")
    preprocess = default_preprocessor()
    rows = [[preprocess(text) for text in row] for row in read_corpus(dataset.train)]
    tokenizer = TextTokenizer(build_vocab((text for row in rows for text in row), min_count=2))
    pairs = build_question_pairs(rows)
    random.Random(0).shuffle(pairs)
    pairs = pairs[:100_000 if quick else 800_000]
    train = QuestionDuplicatesDataset(pairs, tokenizer)
    del rows
    timed_batches = 3 if quick else 4

    torch.manual_seed(0)
    loader = DataLoader(train, batch_size=BATCH_SIZE, collate_fn=collate_fn)
    batches = [batch for batch, _ in zip(loader, range(timed_batches))]
    model = DssmLikeModel(tokenizer.vocab_size, DIM)
    logdir = tempfile.TemporaryDirectory(prefix="part3-bench-")
    trainer = Trainer(model, torch.optim.SparseAdam(model.parameters(), lr=1e-2),
                      NTExentLoss(alpha=0.05), logdir=logdir.name, device="cpu")

    def ours_step(batch):
        trainer.optimizer.zero_grad()
        trainer._calculate_loss(batch).backward()
        trainer.optimizer.step()

    course = CourseModel(tokenizer.vocab_size, DIM)
    course_optimizer = torch.optim.Adam(course.parameters(), lr=1e-2)
    criterion = NTExentLoss(alpha=0.05)

    def course_step(batch):
        questions, duplicates = as_lists(batch)
        loss = criterion(course(questions), course(duplicates))
        course_optimizer.zero_grad()
        loss.backward()
        course_optimizer.step()

    with PeakRss() as course_memory:
        ours_step_ms, course_step_ms = side_by_side_ms([ours_step, course_step], batches)
    del course, course_optimizer
    with PeakRss() as ours_memory:
        started = time.perf_counter()
        trainer._train_step(loader)
        ours_epoch_s = time.perf_counter() - started
    n_batches = len(loader)
    loading_s = max(ours_epoch_s - n_batches * ours_step_ms / 1000, 0.)
    course_epoch_s = n_batches * course_step_ms / 1000 + loading_s
    trainer.writer.close()
    logdir.cleanup()
    figures = {
        "dataset": dataset.name, "pairs": len(train), "vocab_size": tokenizer.vocab_size,
        "dim": DIM, "batch_size": BATCH_SIZE, "batches_per_epoch": n_batches,
        "torch_threads": torch.get_num_threads(), "pairing": DEFAULT_PAIRING,
        "ours_epoch_s": round(ours_epoch_s, 2),
        "ours_peak_rss_mb": round(ours_memory.peak / 2 ** 20),
        "timed_batches": timed_batches - 1,
        "ours_step_ms": round(ours_step_ms, 1),
        "course_step_ms": round(course_step_ms, 1),
        "step_speedup": round(course_step_ms / ours_step_ms, 1),
        "course_epoch_s_extrapolated": round(course_epoch_s, 1),
        "epoch_speedup_extrapolated": round(course_epoch_s / ours_epoch_s, 1),
        "course_peak_rss_mb": round(course_memory.peak / 2 ** 20),
        "cuda_epoch_s": _cuda_epoch_s(train, tokenizer.vocab_size) if torch.cuda.is_available()
        else None,
        "load_average": os.getloadavg()[0] if hasattr(os, "getloadavg") else None,
    }
    return figures


def _cuda_epoch_s(train: QuestionDuplicatesDataset, vocab_size: int) -> float:
    """One epoch of ours on the GPU (one warm-up epoch first, not timed)."""
    model = DssmLikeModel(vocab_size, DIM)
    with tempfile.TemporaryDirectory(prefix="part3-bench-") as logdir:
        trainer = Trainer(model, torch.optim.SparseAdam(model.parameters(), lr=1e-2),
                          NTExentLoss(alpha=0.05), logdir=logdir, device="cuda")
        return _timed_cuda_epoch(trainer, train)


def _timed_cuda_epoch(trainer: Trainer, train: QuestionDuplicatesDataset) -> float:
    loader = DataLoader(train, batch_size=BATCH_SIZE, collate_fn=collate_fn)
    trainer._train_step(loader)
    torch.cuda.synchronize()
    started = time.perf_counter()
    trainer._train_step(loader)
    torch.cuda.synchronize()
    return round(time.perf_counter() - started, 2)


if __name__ == "__main__":
    import json
    import sys

    print(json.dumps(run(quick="--quick" in sys.argv), indent=1))
