"""Ground truth for Part 1, computed with the reference solution (``python -m tools.make_gt``)."""
from sodata import Dataset, read_corpus
from sodata.vectors import load_vectors
from hw_utils.embedding import Embedder
from hw_utils.scoring import Scorer
from hw_utils.text import TextPreprocessor, default_preprocessor
from tests.task_tests.part1 import (EMBEDDER_TEXT, PREPROCESSOR_EXAMPLE, PREPROCESSOR_EXTRA_CASES,
                                    SCORER_KS)

DIM = 300


def common() -> dict:
    """Data-independent keys: the preprocessor's outputs on the course's example and more cases."""
    example = dict(PREPROCESSOR_EXAMPLE)
    text = example.pop("text")
    extra = [TextPreprocessor(characters, min_word_length=min_length, stopwords=stopwords)(case)
             for characters, min_length, stopwords, case in PREPROCESSOR_EXTRA_CASES]
    return {"text_preprocessor": TextPreprocessor(**example)(text),
            "text_preprocessor_extra": extra}


def ground_truth(dataset: Dataset) -> dict:
    """``embedder``, ``scorer`` (raw texts), ``scorer_preprocessed`` (``default_preprocessor``,
    for reference) and ``validation_corpus`` on ``dataset``."""
    vectors = load_vectors(dataset.vectors, limit=dataset.vectors_limit)
    validation = read_corpus(dataset.validation)
    embedder = Embedder(vectors, DIM)
    scorer = Scorer(list(SCORER_KS), embedder)
    preprocess = default_preprocessor()
    preprocessed = [[preprocess(text) for text in sample] for sample in validation]
    return {
        "embedder": [float(x) for x in embedder(EMBEDDER_TEXT)],
        "scorer": {str(k): v for k, v in scorer(validation).items()},
        "scorer_preprocessed": {str(k): v for k, v in scorer(preprocessed).items()},
        "validation_corpus": {
            "num_samples": len(validation),
            "negatives_mean": sum(len(sample) - 2 for sample in validation) / len(validation)},
    }
