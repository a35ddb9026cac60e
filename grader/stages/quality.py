"""The course's quality bars: Hits@500 of each part's whole flow, run with the student's classes
(``hw_checks/quality.py``), on data the bars mean something for (the real data, or a stand-in
scale calibrated to it: ``sodata.standin.config.CALIBRATED_SCALES``).

The student's side gets the validation set's distinct texts (or words) shuffled and unlabelled,
and the training file and the vectors where its flow trains; it never sees which texts belong
together. The grader ranks every validation sample with what comes back and compares with the
bar: the course's, or, on a data set where the reference itself scores below it (a stand-in
drawn with a hidden seed varies by about 0.01), the reference's own Hits@500 on the same samples
less ``recipes.QUALITY_TOLERANCE``: a correct solution never fails for the data's luck, and the
classic mistakes (no preprocessing, zero vectors for unknown words, an undertrained DSSM) fall
further short. A part that trains is trained once more with the next seed when its figure is
within ``recipes.QUALITY_NOISE`` of the bar (``RunAgain``), and the mean of the two is judged.
Part 3 trains on the grading recipe (``recipes.PART3_GRADING``: fewer rows and epochs than the
notebook's; ``python -m benchmarks quality_grading`` measures that it still separates).
"""
import functools
import random
from typing import Any

import numpy as np

from grader.stages.check import Check, RunAgain
from grader.stages.data import course_preprocessor, validation_of, vectors_of
from hw_checks import quality
from hw_checks.stage import Stage, fail
from hw_checks.values import as_array, expect_dict, expect_list, short
from hw_utils import recipes


def calibrated(data) -> bool:
    from sodata.standin.config import CALIBRATED_SCALES

    return not data.is_standin or data.name in CALIBRATED_SCALES


def settings() -> dict:
    """The course's preprocessing and the reference's training settings (the student's flow
    runs with these, not with its own ``recipes``)."""
    from sodata import english_stopwords

    return {"characters": list(recipes.PREPROCESSING["characters"]),
            "min_word_length": recipes.PREPROCESSING["min_word_length"],
            "stopwords": sorted(english_stopwords()), "seed": recipes.SEED}


def quality_inputs(data, rng: random.Random) -> dict:
    """The validation set's distinct texts in a random order; which texts make a sample (the
    duplicate second) and the reference's preprocessing of each stay with the judge."""
    rows = validation_of(data)
    texts = sorted({text for row in rows for text in row})
    rng.shuffle(texts)
    index = {text: number for number, text in enumerate(texts)}
    preprocess = course_preprocessor()
    preprocessed = [preprocess(text) for text in texts]
    words = sorted({word for text in preprocessed for word in text.split()})
    return {"texts": texts, "words": words, "train": str(data.train),
            "vectors": str(data.vectors), "vectors_limit": data.vectors_limit,
            "settings": settings(), "secret_rows": [[index[t] for t in row] for row in rows],
            "secret_preprocessed": preprocessed}


def samples_of(inputs: dict, texts: list[str]) -> list[list[str]]:
    """The validation samples written with ``texts`` (one per distinct text)."""
    return [[texts[number] for number in row] for row in inputs["secret_rows"]]


def hits_at_500(samples: list[list[str]], vectors: Any, dim: int) -> float:
    from instructor.ranking import FastScorer

    return FastScorer([recipes.QUALITY_K], vectors, dim)(samples)[recipes.QUALITY_K]


def judge_bar(bar: str, hits: float, reference_hits: float, what: str,
              inputs: dict | None = None) -> None:
    """Fail below the course's bar, or below the reference's Hits@500 less the tolerance where
    the reference itself is below the bar on this data set. With ``inputs`` (a part that trains),
    a figure within ``recipes.QUALITY_NOISE`` of the bar asks for one more training with the
    next seed (``RunAgain``), and the mean of the two is judged."""
    course = recipes.QUALITY_BARS[bar]
    needed = recipes.graded_bar(course, reference_hits)
    earlier = list(inputs.get("secret_earlier", [])) if inputs is not None else []
    if inputs is not None and not earlier and abs(hits - needed) < recipes.QUALITY_NOISE:
        raise RunAgain(next_training(inputs, hits),
                       f"{what}: Hits@{recipes.QUALITY_K} {hits:.4f} is within "
                       f"{recipes.QUALITY_NOISE} of the bar {needed}: trained once more")
    figures = [*earlier, hits]
    judged = float(np.mean(figures))
    if judged < needed:
        why = ("the course's bar" if needed == course else
               f"the reference's {reference_hits:.4f} less {recipes.QUALITY_TOLERANCE}: on this "
               f"data set the reference is below the course's bar of {course}")
        trainings = "" if len(figures) == 1 else (
            f" (the mean of {len(figures)} trainings, within noise of the bar: "
            f"{', '.join(f'{figure:.4f}' for figure in figures)})")
        fail(f"{what}: expected Hits@{recipes.QUALITY_K} >= {needed} for full marks ({why}), "
             f"got {judged:.4f} on all the validation samples{trainings}")


def next_training(inputs: dict, hits: float) -> dict:
    """``inputs`` for one more training: the next seed, the figure so far kept for the judge."""
    settings = {**inputs["settings"], "seed": inputs["settings"]["seed"] + 1}
    return {**inputs, "settings": settings,
            "secret_earlier": [*inputs.get("secret_earlier", []), round(hits, 6)]}


def grader_vectors(inputs: dict):
    return cached_vectors(inputs["vectors"], inputs["vectors_limit"])


@functools.lru_cache(maxsize=2)
def cached_vectors(path: str, limit: int | None):
    from sodata import load_vectors

    return load_vectors(path, limit=limit)


# --- Part 1 ------------------------------------------------------------------------------------
def part1_hits(inputs: dict, outputs: Any) -> float:
    texts = expect_list(outputs, len(inputs["texts"]), "TextPreprocessor for each text")
    if not all(isinstance(text, str) for text in texts):
        fail("TextPreprocessor: expected a string for each text")
    vectors = grader_vectors(inputs)
    return hits_at_500(samples_of(inputs, texts), vectors, vectors.vector_size)


def judge_part1(outputs: Any, expected: dict, inputs: dict) -> None:
    judge_bar("part1.preprocessed", part1_hits(inputs, outputs), expected["hits"],
              "Part 1 after preprocessing (your TextPreprocessor, the course's settings)")


PART1 = Check(
    Stage("part1.quality", "part1", 1.0,
          "full marks: Hits@500 >= 0.85 after preprocessing (>= 0.82 before).",
          ("hw_utils.text",), quality.drive_part1, judge_part1, max_output_mb=64),
    quality_inputs, expect=lambda inputs, outputs: {"hits": part1_hits(inputs, outputs)},
    scale="sample", runs=1, applies=calibrated, quality_bar="part1.preprocessed")


# --- Part 2 ------------------------------------------------------------------------------------
def part2_inputs(data, rng: random.Random) -> dict:
    training = recipes.PART2
    inputs = quality_inputs(data, rng)
    inputs["settings"].update(batch_size=training.batch_size, lr=training.lr,
                              n_epochs=training.n_epochs)
    return inputs


def part2_hits(inputs: dict, outputs: Any) -> float:
    expect_dict(outputs, ["unknown", "vectors"], "Part 2's flow")
    vectors = grader_vectors(inputs)
    unknown = [w for w in inputs["words"] if w not in vectors]
    if outputs["unknown"] != unknown:
        fail(f"Part 2: expected vectors for the {len(unknown)} unknown words of the validation "
             f"texts, got {short(len(outputs['unknown']))} words")
    table = as_array(outputs["vectors"], "the unknown words' vectors")
    if table.shape != (len(unknown), vectors.vector_size):
        fail(f"Part 2: expected vectors of shape {(len(unknown), vectors.vector_size)}, got "
             f"{table.shape}")
    mapping = {w: vectors[w] for w in inputs["words"] if w in vectors}
    mapping.update(zip(unknown, table.astype(np.float32)))
    return hits_at_500(samples_of(inputs, inputs["secret_preprocessed"]), mapping,
                       vectors.vector_size)


def judge_part2(outputs: Any, expected: dict, inputs: dict) -> None:
    judge_bar("part2", part2_hits(inputs, outputs), expected["hits"],
              "Part 2 (word2vec + your trigram vectors for the unknown words)", inputs)


PART2 = Check(
    Stage("part2.quality", "part2", 1.0, "full marks: Hits@500 >= 0.89.",
          ("hw_utils.trigram",), quality.drive_part2, judge_part2, max_output_mb=64),
    part2_inputs, expect=lambda inputs, outputs: {"hits": part2_hits(inputs, outputs)},
    scale="sample", runs=1, applies=calibrated, quality_bar="part2", files=("vectors",))


# --- Part 3 ------------------------------------------------------------------------------------
def part3_inputs(data, rng: random.Random) -> dict:
    inputs = quality_inputs(data, rng)
    training = recipes.PART3_GRADING
    inputs["settings"].update(batch_size=training.batch_size, lr=training.lr,
                              n_epochs=training.n_epochs, rows=recipes.PART3_GRADING_ROWS,
                              min_count=recipes.PART3_GRADING_MIN_COUNT,
                              alpha=recipes.PART3_ALPHA, dim=recipes.PART3_DIM,
                              eval_share=recipes.PART3_EVAL_SHARE)
    return inputs


def part3_hits(inputs: dict, outputs: Any) -> float:
    expect_dict(outputs, ["vectors", "words"], "Part 3's flow")
    words = outputs["words"]
    table = as_array(outputs["vectors"], "the word vectors")
    if not isinstance(words, list) or not set(words) <= set(inputs["words"]) or \
            table.shape != (len(words), recipes.PART3_DIM):
        fail(f"Part 3: expected vectors of shape [words, {recipes.PART3_DIM}] for validation "
             f"words, got {len(words) if isinstance(words, list) else short(words)} words and "
             f"shape {table.shape}")
    return hits_at_500(samples_of(inputs, inputs["secret_preprocessed"]),
                       dict(zip(words, table.astype(np.float32))), recipes.PART3_DIM)


def judge_part3(outputs: Any, expected: dict, inputs: dict) -> None:
    judge_bar("part3", part3_hits(inputs, outputs), expected["hits"],
              "Part 3 (your DSSM-like model's word vectors)", inputs)


PART3 = Check(
    Stage("part3.quality", "part3", 1.0, "full marks: Hits@500 >= 0.98.",
          ("hw_utils.text", "hw_utils.dssm"), quality.drive_part3, judge_part3, max_output_mb=64),
    part3_inputs, expect=lambda inputs, outputs: {"hits": part3_hits(inputs, outputs)},
    scale="sample", runs=1, applies=calibrated, quality_bar="part3", files=("train",))

CHECKS = [PART1, PART2, PART3]
