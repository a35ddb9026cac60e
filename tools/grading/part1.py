"""Graded checks of Part 1. Each ``observe`` runs in the submission's process and builds the
objects the way ``notebooks/part1_pretrained_vectors.ipynb`` does."""
from sodata import Dataset
from tools.grading.base import GradedCheck
from tools.grading.points import quality_check

DIM = 300
KS = [1, 5, 10, 100, 500, 1000]


def _vectors(dataset: Dataset):
    from sodata.vectors import load_vectors

    return load_vectors(dataset.vectors, limit=dataset.vectors_limit)


def _validation(dataset: Dataset) -> list[list[str]]:
    from sodata import read_corpus

    return read_corpus(dataset.validation)


def observe_validation_corpus(dataset: Dataset) -> dict:
    from tests.task_tests.part1 import Part1Tests

    samples = _validation(dataset)
    negatives = sum(len(sample) - 2 for sample in samples) / len(samples)
    return Part1Tests.observe_validation_corpus(len(samples), negatives)


def observe_text_preprocessor(dataset: Dataset) -> dict:
    from hw_utils.text import TextPreprocessor
    from tests.task_tests.part1 import Part1Tests

    return Part1Tests.observe_text_preprocessor(TextPreprocessor)


def observe_embedder(dataset: Dataset) -> dict:
    from hw_utils.embedding import Embedder
    from tests.task_tests.part1 import Part1Tests

    return Part1Tests.observe_embedder(Embedder(_vectors(dataset), DIM))


def _hits(dataset: Dataset, preprocess: bool) -> dict:
    from hw_utils.embedding import Embedder
    from hw_utils.scoring import Scorer
    from hw_utils.text import default_preprocessor
    from tests.task_tests.part1 import Part1Tests

    samples = _validation(dataset)
    if preprocess:
        preprocessor = default_preprocessor()
        samples = [[preprocessor(text) for text in sample] for sample in samples]
    scorer = Scorer(KS, Embedder(_vectors(dataset), DIM))
    return Part1Tests.observe_scorer(scorer(samples))


def observe_scorer(dataset: Dataset) -> dict:
    return _hits(dataset, preprocess=False)


def observe_preprocessed_hits(dataset: Dataset) -> dict:
    return _hits(dataset, preprocess=True)


CHECKS: list[GradedCheck] = [
    GradedCheck("part1.validation_corpus", "part1", observe_validation_corpus,
                "check_validation_corpus", timeout_s=60),
    GradedCheck("part1.text_preprocessor", "part1", observe_text_preprocessor,
                "check_text_preprocessor", timeout_s=30),
    GradedCheck("part1.embedder", "part1", observe_embedder, "check_embedder", timeout_s=300),
    GradedCheck("part1.scorer", "part1", observe_scorer, "check_scorer", timeout_s=900),
    quality_check("part1.quality_raw", "part1", "part1.raw", observe_scorer, timeout_s=900),
    quality_check("part1.quality_preprocessed", "part1", "part1.preprocessed",
                  observe_preprocessed_hits, timeout_s=900),
]
