"""Part 2: times of the trigram model's steps, and its Hits@K against Part 1's.

On the sample stand-in (``quick``: the tiny one), with vectors loaded and the validation texts
preprocessed as in the notebook:

- ``instructor.pipeline.split_vocabulary`` over all distinct validation texts, and the course's
  list-based loop (``word not in known_list``) on a subset of the texts, extrapolated linearly
  to all of them (a lower bound: the loop is quadratic);
- training the plain reference (``instructor.pipeline.train_trigram_model``) with the data set's
  ``recipes.PART2``, and inference over all unknown words (``with_oov_vectors``);
- Hits@K of Part 1 (preprocessed) and Part 2 (``FastScorer``: the course ``Scorer``'s numbers);
- the same settings on a synthetic 100,000-word vocabulary
  (``quick``: 20,000): pairs of stand-in words glued together, with random 300-d vectors (the
  real data's vocabulary is of that order); the issue's bar is under a minute on 2 cores.

Wall and CPU seconds are both given: on a machine shared with other jobs torch's two threads
wait for each other, and the wall time grows far more than the work.
"""
import os
import time

import numpy as np

from hw_utils import recipes
from instructor.ranking import FastScorer
from sodata import get_dataset, read_corpus
from sodata.vectors import load_vectors
from instructor.pipeline import preprocess_rows, split_vocabulary, train_trigram_model, with_oov_vectors

COURSE_LOOP_TEXTS = 5_000
SYNTHETIC_WORDS, SYNTHETIC_WORDS_QUICK = 100_000, 20_000


def course_loop(texts: list[str], embeddings) -> tuple[list[str], list[str]]:
    """The course's way: lists, and a linear ``in`` for every word occurrence."""
    known, unknown = [], []
    for text in texts:
        for word in text.split():
            if word in embeddings:
                if word not in known:
                    known.append(word)
            elif word not in unknown:
                unknown.append(word)
    return known, unknown


def synthetic_vocabulary(words: list[str], size: int, dim: int, seed: int = 0
                         ) -> dict[str, np.ndarray]:
    """``size`` distinct glued pairs of ``words`` with random vectors (the stand-in's scale)."""
    rng = np.random.default_rng(seed)
    vocabulary: dict[str, np.ndarray] = {}
    while len(vocabulary) < size:
        first, second = rng.integers(0, len(words), size=2)
        vocabulary.setdefault(words[first] + words[second],
                              rng.normal(0.0, 0.4, size=dim).astype(np.float32))
    return vocabulary


def _timed(function, *args, **kwargs):
    """``(result, wall seconds)``."""
    started = time.perf_counter()
    result = function(*args, **kwargs)
    return result, round(time.perf_counter() - started, 3)


def _timed_cpu(function, *args, **kwargs):
    """``(result, wall seconds, CPU seconds of this process)``: on a busy machine the CPU time
    says more about the work than the wall time."""
    started = time.process_time()
    result, wall_s = _timed(function, *args, **kwargs)
    return result, wall_s, round(time.process_time() - started, 3)


def run(quick: bool) -> dict:
    dataset = get_dataset("tiny" if quick else "sample")
    vectors = load_vectors(dataset.vectors, limit=dataset.vectors_limit)
    samples = preprocess_rows(read_corpus(dataset.validation))
    texts = sorted({text for sample in samples for text in sample})
    (known, unknown), split_s = _timed(split_vocabulary, texts, vectors)
    figures: dict = {"dataset": dataset.name, "distinct_texts": len(texts),
                     "known_words": len(known), "unknown_words": len(unknown),
                     "split_vocabulary_s": split_s}
    subset = texts[:COURSE_LOOP_TEXTS]
    _, loop_s = _timed(course_loop, subset, vectors)
    figures["course_loop_s_extrapolated_lower_bound"] = round(loop_s * len(texts) / len(subset), 1)

    training = recipes.PART2
    (tokenizer, model, losses), figures["train_s"], figures["train_cpu_s"] = _timed_cpu(
        train_trigram_model, known, vectors, training)
    figures.update(epochs=training.n_epochs, batch_size=training.batch_size,
                   learning_rate=training.lr, trigrams=tokenizer.vocab_size,
                   loss_first=round(losses[0], 5), loss_last=round(losses[-1], 5),
                   zero_vector_mse=round(float(np.mean(vectors[known] ** 2)), 5))
    mapping, figures["inference_s"] = _timed(with_oov_vectors, known, unknown, vectors, model,
                                             tokenizer)
    part1_hits = FastScorer(recipes.KS, vectors, recipes.DIM)(samples)
    part2_hits = FastScorer(recipes.KS, mapping, recipes.DIM)(samples)
    figures["hits_part1_preprocessed"] = {str(k): v for k, v in part1_hits.items()}
    figures["hits_part2"] = {str(k): v for k, v in part2_hits.items()}

    size = SYNTHETIC_WORDS_QUICK if quick else SYNTHETIC_WORDS
    vocabulary = synthetic_vocabulary(known + unknown, size, recipes.DIM)
    (tokenizer, _, losses), train_s, cpu_s = _timed_cpu(
        train_trigram_model, list(vocabulary), vocabulary, recipes.PART2)
    figures.update(synthetic_words=size, synthetic_trigrams=tokenizer.vocab_size,
                   synthetic_epochs=recipes.PART2.n_epochs,
                   synthetic_batch_size=recipes.PART2.batch_size,
                   synthetic_train_s=train_s, synthetic_train_cpu_s=cpu_s,
                   load_average=os.getloadavg()[0])
    return figures
