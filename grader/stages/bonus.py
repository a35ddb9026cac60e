"""The bonus checks: the student's item trained on the hidden data, compared with what it extends
(trained by the reference on the same data; only when some submission attempts the item)."""
import random

import numpy as np

from grader.stages.check import Check
from grader.stages.data import course_preprocessor, sample_rows, train_of, validation_of
from grader.stages.quality import settings
from hw_checks import bonus

VALIDATION_SAMPLES, CANDIDATES = 200, 100
TRAIN_ROWS = 100_000


def bonus_inputs(data, rng: random.Random, item: int) -> dict:
    """Validation samples (preprocessed the course's way) asked about in an order of the
    grader's: ``texts`` shuffled for ``embed``; each sample's candidates shuffled for ``score``.
    Which text is whose duplicate stays with the judge (``secret_``)."""
    preprocess = course_preprocessor()
    samples = [[preprocess(text) for text in row]
               for row in sample_rows(validation_of(data), rng, VALIDATION_SAMPLES,
                                      CANDIDATES + 1)]
    texts = sorted({text for sample in samples for text in sample})
    rng.shuffle(texts)
    row = {text: number for number, text in enumerate(texts)}
    orders = [rng.sample(range(len(sample) - 1), len(sample) - 1) for sample in samples]
    return {"item": item, "texts": texts, "train": str(data.train),
            "train_rows": min(len(train_of(data)), TRAIN_ROWS), "vectors": str(data.vectors),
            "vectors_limit": data.vectors_limit, "settings": settings(),
            "words": sorted({word for text in texts for word in text.split()}),
            "questions": [[q, [candidates[i] for i in order]]
                          for (q, *candidates), order in zip(samples, orders)],
            "secret_samples": [[row[text] for text in sample] for sample in samples],
            "secret_orders": orders}


def baseline_mrr(inputs: dict, reference_outputs=None) -> dict:
    """The MRR of what the item extends, trained by the reference on the same data."""
    from instructor.pipeline import baseline_ranker
    from sodata import load_vectors, read_corpus

    vectors = load_vectors(inputs["vectors"], limit=inputs["vectors_limit"])
    ranker = baseline_ranker(bonus.ITEMS[inputs["item"]][1], inputs["words"],
                             read_corpus(inputs["train"])[:inputs["train_rows"]], vectors)
    outputs = {"kind": "embed", "vectors": np.asarray(ranker.embed(inputs["texts"]))}
    return {"mrr": bonus.mrr(bonus.scores_of(outputs, inputs), "the baseline's scores")}


def attempted(outputs) -> bool:
    return isinstance(outputs, dict) and bool(outputs.get("attempted"))


CHECKS = [Check(stage, lambda data, rng, item=item: bonus_inputs(data, rng, item),
                expect=baseline_mrr, runs=1, files=("train", "vectors"), wants_expected=attempted)
          for item, stage in zip(bonus.ITEMS, bonus.STAGES)]
