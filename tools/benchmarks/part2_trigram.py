"""Part 2: times of the trigram model's steps, and its Hits@K against Part 1's.

On the sample stand-in (``quick``: the tiny one), with vectors loaded and the validation texts
preprocessed as in the notebook:

- ``collect_vocabulary`` over all distinct validation texts, and the course's list-based loop
  (``word not in known_list``) on a subset of the texts, extrapolated linearly to all of them
  (a lower bound: the loop is quadratic);
- training for the notebook's epochs (``tools.grading.part2.settings``) and inference over all
  unknown words;
- Hits@K of Part 1 (preprocessed) and Part 2;
- 10 epochs on a synthetic 100,000-word vocabulary (``quick``: 20,000): pairs of stand-in words
  glued together, with random 300-d vectors, at the notebook's settings for the real data (whose
  vocabulary is of that order); the issue's bar is under a minute on 2 cores.

Wall and CPU seconds are both given: on a machine shared with other jobs torch's two threads
wait for each other, and the wall time grows far more than the work.
"""
import time

import numpy as np

from sodata import get_dataset
from hw_utils.embedding import Embedder
from hw_utils.scoring import Scorer
from hw_utils.trigram import build_oov_embeddings, collect_vocabulary
from tools.grading import part2

COURSE_LOOP_TEXTS = 5_000
SYNTHETIC_WORDS, SYNTHETIC_WORDS_QUICK = 100_000, 20_000
SYNTHETIC_EPOCHS = 10


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
    inputs = part2.load_inputs(dataset)
    texts = sorted({text for sample in inputs.samples for text in sample})
    figures: dict = {"dataset": dataset.name, "distinct_texts": len(texts),
                     "known_words": len(inputs.known), "unknown_words": len(inputs.unknown)}

    (known, unknown), figures["collect_vocabulary_s"] = _timed(collect_vocabulary, texts,
                                                               inputs.vectors)
    assert (known, unknown) == (inputs.known, inputs.unknown)
    subset = texts[:COURSE_LOOP_TEXTS]
    _, loop_s = _timed(course_loop, subset, inputs.vectors)
    figures["course_loop_s_extrapolated_lower_bound"] = round(loop_s * len(texts) / len(subset), 1)

    chosen = part2.settings(dataset)
    (tokenizer, model, losses), figures["train_s"], figures["train_cpu_s"] = _timed_cpu(
        part2.train, known, inputs.vectors, chosen.n_epochs, chosen.batch_size,
        chosen.learning_rate)
    figures.update(epochs=chosen.n_epochs, batch_size=chosen.batch_size,
                   learning_rate=chosen.learning_rate, trigrams=tokenizer.vocab_size,
                   loss_first=round(losses[0], 5), loss_last=round(losses[-1], 5),
                   zero_vector_mse=round(float(np.mean(inputs.vectors[known] ** 2)), 5))
    mapping, figures["inference_s"] = _timed(build_oov_embeddings, known + unknown,
                                             inputs.vectors, model, tokenizer)

    part1_hits = Scorer(part2.KS, Embedder(inputs.vectors, part2.DIM))(inputs.samples)
    part2_hits = Scorer(part2.KS, Embedder(mapping, part2.DIM))(inputs.samples)
    figures["hits_part1_preprocessed"] = {str(k): v for k, v in part1_hits.items()}
    figures["hits_part2"] = {str(k): v for k, v in part2_hits.items()}

    size = SYNTHETIC_WORDS_QUICK if quick else SYNTHETIC_WORDS
    vocabulary = synthetic_vocabulary(known + unknown, size, part2.DIM)
    (tokenizer, _, losses), train_s, cpu_s = _timed_cpu(
        part2.train, list(vocabulary), vocabulary, SYNTHETIC_EPOCHS, part2.BATCH_SIZE_REAL,
        part2.LEARNING_RATE)
    figures.update(synthetic_words=size, synthetic_trigrams=tokenizer.vocab_size,
                   synthetic_epochs=SYNTHETIC_EPOCHS, synthetic_batch_size=part2.BATCH_SIZE_REAL,
                   synthetic_train_s=train_s, synthetic_train_cpu_s=cpu_s)
    return figures
