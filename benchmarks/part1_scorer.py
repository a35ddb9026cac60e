"""Part 1: the given ``FastScorer`` against the course's ``Scorer`` and the course's loop.

On the full-scale stand-in (3,760 samples x ~999 negatives; ``quick``: the sample stand-in), with
vectors loaded and texts preprocessed the course's way, three ways to the same Hits@K:

- ``FastScorer`` (``instructor.ranking``): its time, CPU time and peak memory;
- the course's ``Scorer`` (``hw_utils.scoring``, the plain reference: one ``Embedder`` call per
  candidate) on every sample, with the notebook's gensim ``KeyedVectors``: its time, and its
  Hits@K, which must equal ``FastScorer``'s exactly;
- the course notebook's loop (``sklearn.metrics.pairwise.cosine_similarity`` per candidate) on
  a subset of samples, its time for all samples EXTRAPOLATED (said so in the figures); on that
  subset its hard-negative counts must equal ``FastScorer``'s. ``speedup`` is this loop's time
  over ``FastScorer``'s (the issue's bar: >= 300x).

Wall and CPU seconds (``*_cpu_s``: less sensitive to a busy machine) are both given, with the
load average.
"""
import os
import resource
import threading
import time

import numpy as np
import psutil
from sklearn.metrics.pairwise import cosine_similarity

from hw_utils import recipes
from hw_utils.embedding import Embedder
from instructor.ranking import FastScorer, hits_at_k
from hw_utils.scoring import Scorer
from sodata import get_dataset, read_corpus
from sodata.vectors import load_vectors
from instructor.pipeline import course_preprocessor, preprocess_rows

KS = list(recipes.KS)


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


def _timed(function, *args):
    """``(result, wall seconds, CPU seconds of this process)``."""
    started, started_cpu = time.perf_counter(), time.process_time()
    result = function(*args)
    return result, time.perf_counter() - started, time.process_time() - started_cpu


def run(quick: bool) -> dict:
    dataset = get_dataset("sample" if quick else "full")
    vectors = load_vectors(dataset.vectors, limit=dataset.vectors_limit)
    samples = preprocess_rows(read_corpus(dataset.validation), course_preprocessor())
    fast = FastScorer(KS, vectors, recipes.DIM)
    with PeakRss() as memory:
        counts, fast_s, fast_cpu_s = _timed(fast.hard_negatives, samples)
    hits = hits_at_k(counts, KS)
    embedder = Embedder(vectors, recipes.DIM)
    course_hits, scorer_s, scorer_cpu_s = _timed(Scorer(KS, embedder), samples)

    step = max(1, len(samples) // (20 if quick else 40))
    subset, subset_counts = samples[::step], counts[::step]
    loop_counts, loop_subset_s, loop_subset_cpu_s = _timed(
        lambda: np.array([course_loop_hard_negatives(embedder, sample) for sample in subset]))
    loop_s = loop_subset_s * len(samples) / len(subset)
    loop_cpu_s = loop_subset_cpu_s * len(samples) / len(subset)
    return {
        "dataset": dataset.name,
        "samples": len(samples),
        "candidates": sum(len(sample) - 1 for sample in samples),
        "distinct_texts": len({text for sample in samples for text in sample}),
        "load_average_1min": round(os.getloadavg()[0], 1),
        "fast_scorer_s": round(fast_s, 2),
        "fast_scorer_cpu_s": round(fast_cpu_s, 2),
        "fast_scorer_peak_rss_mb": round(memory.peak / 2**20),
        "fast_scorer_rss_increase_mb": round((memory.peak - memory.start) / 2**20),
        "course_scorer_s": round(scorer_s, 1),
        "course_scorer_cpu_s": round(scorer_cpu_s, 1),
        "course_scorer_speedup": round(scorer_s / fast_s, 1),
        "same_hits_as_course_scorer": course_hits == hits,
        "course_loop_samples_timed": len(subset),
        "course_loop_subset_s": round(loop_subset_s, 2),
        "course_loop_s_extrapolated": round(loop_s, 1),
        "course_loop_cpu_s_extrapolated": round(loop_cpu_s, 1),
        "speedup": round(loop_s / fast_s, 1),
        "speedup_cpu": round(loop_cpu_s / fast_cpu_s, 1),
        "same_counts_as_course_loop_on_subset": bool(np.array_equal(loop_counts, subset_counts)),
        "process_max_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
        "hits": hits,
        "hits_course_scorer": course_hits,
    }
