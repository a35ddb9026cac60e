"""Part 1: the fast ``Scorer`` against the course's per-candidate loop with scikit-learn.

On the full-scale stand-in (3,760 samples x ~999 negatives; ``quick``: the sample stand-in), with
vectors loaded and texts preprocessed: the time of ``scorer(samples)``, its peak memory, and the
time of the course's loop (``sklearn.metrics.pairwise.cosine_similarity`` per candidate), as
wall-clock and as CPU time of this process (``*_cpu_s``: less sensitive to a busy machine). The loop
runs on a subset of samples and its time for all samples is extrapolated (said so in the figures);
on that subset the two must give the same hard-negative counts, hence the same Hits@K.
"""
import os
import resource
import threading
import time

import numpy as np
import psutil
from sklearn.metrics.pairwise import cosine_similarity

from sodata import get_dataset, read_corpus
from sodata.vectors import load_vectors
from hw_utils.embedding import Embedder
from hw_utils.scoring import Scorer
from hw_utils.text import default_preprocessor

KS = [1, 5, 10, 100, 500, 1000]


def course_loop_hard_negatives(embedder: Embedder, sample: list[str]) -> int:
    """The course's approach: embed and compare every candidate one by one with scikit-learn."""
    question = embedder(sample[0]).reshape(1, -1)
    positive = cosine_similarity(question, embedder(sample[1]).reshape(1, -1))[0, 0]
    return sum(cosine_similarity(question, embedder(negative).reshape(1, -1))[0, 0] > positive
               for negative in sample[2:])


class PeakRss:
    """The largest resident memory of this process while in the ``with`` block (sampled)."""

    def __enter__(self):
        self.process, self.peak, self.done = psutil.Process(), 0, threading.Event()
        self.start = self.process.memory_info().rss
        self.thread = threading.Thread(target=self._sample, daemon=True)
        self.thread.start()
        return self

    def _sample(self):
        while not self.done.wait(0.01):
            self.peak = max(self.peak, self.process.memory_info().rss)

    def __exit__(self, *exc):
        self.done.set()
        self.thread.join()
        self.peak = max(self.peak, self.process.memory_info().rss)


def run(quick: bool) -> dict:
    dataset = get_dataset("sample" if quick else "full")
    vectors = load_vectors(dataset.vectors, limit=dataset.vectors_limit)
    preprocess = default_preprocessor()
    samples = [[preprocess(text) for text in sample] for sample in read_corpus(dataset.validation)]
    embedder = Embedder(vectors, 300)
    scorer = Scorer(KS, embedder)

    with PeakRss() as memory:
        started, started_cpu = time.perf_counter(), time.process_time()
        hits = scorer(samples)
        scorer_s = time.perf_counter() - started
        scorer_cpu_s = time.process_time() - started_cpu
    counts = scorer.hard_negative_counts(samples)

    subset = samples[:: max(1, len(samples) // (20 if quick else 40))]
    started, started_cpu = time.perf_counter(), time.process_time()
    loop_counts = np.array([course_loop_hard_negatives(embedder, sample) for sample in subset])
    loop_subset_s = time.perf_counter() - started
    loop_subset_cpu_s = time.process_time() - started_cpu
    loop_s = loop_subset_s * len(samples) / len(subset)
    loop_cpu_s = loop_subset_cpu_s * len(samples) / len(subset)
    subset_counts = counts[:: max(1, len(samples) // (20 if quick else 40))][:len(subset)]
    same = bool(np.array_equal(loop_counts, subset_counts))
    subset_hits = {k: float(np.mean(subset_counts < k)) for k in KS}
    loop_hits = {k: float(np.mean(loop_counts < k)) for k in KS}
    return {
        "dataset": dataset.name,
        "samples": len(samples),
        "candidates": sum(len(sample) - 1 for sample in samples),
        "distinct_texts": len({text for sample in samples for text in sample}),
        "scorer_s": round(scorer_s, 2),
        "scorer_cpu_s": round(scorer_cpu_s, 2),
        "load_average_1min": round(os.getloadavg()[0], 1),
        "scorer_peak_rss_mb": round(memory.peak / 2**20),
        "scorer_rss_increase_mb": round((memory.peak - memory.start) / 2**20),
        "process_max_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
        "course_loop_samples_timed": len(subset),
        "course_loop_subset_s": round(loop_subset_s, 2),
        "course_loop_s_extrapolated": round(loop_s, 1),
        "course_loop_cpu_s_extrapolated": round(loop_cpu_s, 1),
        "speedup": round(loop_s / scorer_s, 1),
        "speedup_cpu": round(loop_cpu_s / scorer_cpu_s, 1),
        "same_counts_on_subset": same,
        "hits_scorer_on_subset": subset_hits,
        "hits_course_loop_on_subset": loop_hits,
        "hits": hits,
    }
