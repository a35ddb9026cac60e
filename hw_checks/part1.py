"""Part 1's checks: the preprocessor, the embedder, the scorer, and the course's quality bars.

Each check is a ``Check`` (framework.py). The course's own ``task_tests.test_*`` methods for
Part 1 (``Part1Tests``) share the recorders and judges with the grader's checks.
"""
import random
import string

import numpy as np

from hw_checks.base import skips_without_ground_truth
from hw_checks.framework import Check, CheckFailure, fail, submission
from hw_checks.inputs import (FixedEmbedder, keyed_vectors, sample_rows, validation_of,
                                     vectors_for, vectors_of)
from hw_checks.values import assert_number, assert_vector, plain

DIM = 300
KS = (1, 5, 10, 100, 500, 1000)
EMBEDDER_TEXT = "What is life? Baby dont hurt me, dont hurt me, no more."
PREPROCESSOR_EXAMPLE = {"characters": ["?", ".", "-", ":"], "min_word_length": 3,
                        "stopwords": ["not", "and", "or"],
                        "text": "jquery .bind() and/or .ready() not working"}
SCORER_ATOL = 5e-3  # the course's tolerance for Hits@K
REAL_VALIDATION = {"num_samples": 3760, "negatives_mean": 998.81}  # the course's figures
VALIDATION_RTOL = 0.01
TIE = 1e-5
SCORER_DIM = 16  # the scorer checks' embeddings: a random projection of the data's  # similarities this close count as a tie: either order is right


# --- the preprocessor --------------------------------------------------------------------------
def preprocessor_inputs(data, rng: random.Random) -> dict:
    """The course's example, then titles of the grader's data with random settings."""
    from sodata import english_stopwords

    stopwords = sorted(english_stopwords())
    cases = [PREPROCESSOR_EXAMPLE]
    for row in sample_rows(validation_of(data), rng, 12, max_length=2):
        for text in row:
            cases.append({
                "characters": rng.sample(string.punctuation, rng.randint(0, 12)),
                "min_word_length": rng.randint(0, 4),
                "stopwords": rng.choice([None, rng.sample(stopwords, 40), stopwords]),
                "text": text})
    return {"cases": cases}


def record_preprocessor(cls, cases: list[dict]) -> list:
    """``cls(characters, min_word_length, stopwords)(text)`` for each case."""
    outputs = []
    for case in cases:
        stopwords = None if case["stopwords"] is None else set(case["stopwords"])
        preprocessor = cls(list(case["characters"]), min_word_length=case["min_word_length"],
                           stopwords=stopwords)
        outputs.append(plain(preprocessor(case["text"])))
    return outputs


def observe_preprocessor(inputs: dict) -> list:
    return record_preprocessor(submission("text").TextPreprocessor, inputs["cases"])


def judge_preprocessor(outputs: list, expected: list, inputs: dict) -> None:
    for case, got, wanted in zip(inputs["cases"], outputs, expected):
        if not isinstance(got, str) or got.split() != wanted.split():
            call = (f"TextPreprocessor({case['characters']!r}, min_word_length="
                    f"{case['min_word_length']}, stopwords="
                    f"{_stopwords_repr(case['stopwords'])})({case['text']!r})")
            fail(f"{call}: expected {wanted!r}, got {got!r}")


def _stopwords_repr(stopwords) -> str:
    if stopwords is None:
        return "None"
    return repr(set(stopwords)) if len(stopwords) <= 10 else f"<a set of {len(stopwords)} words>"


# --- the embedder ------------------------------------------------------------------------------
def embedder_inputs(data, rng: random.Random) -> dict:
    """Titles of the grader's data (raw and with unknown-only and empty texts), their words'
    vectors, and the course's text."""
    texts = [EMBEDDER_TEXT, "zzqx qqzz", ""]
    texts += [text for row in sample_rows(validation_of(data), rng, 15, max_length=2)
              for text in row]
    words = [word for text in texts for word in text.split()]
    return {"dim": DIM, "texts": texts, "vectors": vectors_for(words, vectors_of(data))}


def record_embedder(embedder, texts: list[str]) -> dict:
    return {"plain": [plain(embedder(text)) for text in texts],
            "normalized": [plain(embedder(text, normalize=True)) for text in texts]}


def observe_embedder(inputs: dict) -> dict:
    embedder = submission("embedding").Embedder(keyed_vectors(inputs["vectors"], inputs["dim"]),
                                                inputs["dim"])
    return record_embedder(embedder, inputs["texts"])


def judge_embedder(outputs: dict, expected: dict, inputs: dict) -> None:
    for index, text in enumerate(inputs["texts"]):
        assert_vector(outputs["plain"][index], expected["plain"][index], f"embedder({text!r})")
        if np.any(expected["normalized"][index]):  # a zero vector has no direction to keep
            assert_vector(outputs["normalized"][index], expected["normalized"][index],
                          f"embedder({text!r}, normalize=True)")


# --- the scorer --------------------------------------------------------------------------------
def scorer_inputs(data, rng: random.Random, n_samples: int = 30, max_length: int = 60) -> dict:
    """Validation samples of the grader's data, cut to ``max_length`` texts, with ties planted
    (a negative equal to the duplicate, an empty text), and every text's embedding."""
    from hw_utils.ranking import as_dict, embed_texts

    samples = sample_rows(validation_of(data), rng, n_samples, max_length=max_length)
    samples[0].append(samples[0][1])  # a negative that is the duplicate itself: a tie
    samples[1].append("")  # a text without words: the zero vector
    texts = sorted({text for sample in samples for text in sample})
    vectors = embed_texts(as_dict(vectors_of(data)), texts, DIM, normalize=False)
    # a random projection to a few dimensions: smaller inputs, rankings of the same kind
    projection = np.random.default_rng(rng.randrange(2**32)).normal(size=(DIM, SCORER_DIM))
    vectors = np.round(vectors @ projection, 5)
    return {"samples": samples, "ks": list(KS),
            "embeddings": {text: vector.tolist() for text, vector in zip(texts, vectors)}}


def observe_hard_negatives(inputs: dict) -> list:
    scorer = submission("scoring").Scorer(list(inputs["ks"]), FixedEmbedder(inputs["embeddings"]))
    return [plain(scorer._get_hard_negatives(q, pos, negs)) for q, pos, *negs in inputs["samples"]]


def hard_negative_bounds(inputs: dict) -> dict:
    """The fewest and the most hard negatives of each sample: near-ties go either way."""
    from hw_utils.ranking import hard_negative_counts

    embedder = FixedEmbedder(inputs["embeddings"])

    def embed(texts):
        return np.array([embedder(text, normalize=True) for text in texts])

    return {"fewest": hard_negative_counts(inputs["samples"], embed, margin=TIE).tolist(),
            "most": hard_negative_counts(inputs["samples"], embed, margin=-TIE).tolist()}


def judge_hard_negatives(outputs: list, expected: dict, inputs: dict) -> None:
    for index, (got, low, high) in enumerate(zip(outputs, expected["fewest"], expected["most"])):
        q, pos, *negs = inputs["samples"][index]
        if isinstance(got, bool) or not isinstance(got, int) or not low <= got <= high:
            span = f"{low}" if low == high else f"between {low} and {high} (ties)"
            fail(f"Scorer._get_hard_negatives(q={q!r}, pos={pos!r}, negs=<{len(negs)} "
                 f"negatives>): expected {span} negatives more similar to q than pos, got "
                 f"{got!r}")


def observe_scorer(inputs: dict) -> dict:
    """The student's ``__call__``; their ``_get_hard_negatives`` is replaced by a correct one
    (checked on its own), so this check fails only for ``__call__``."""
    from hw_utils.ranking import hard_negative_counts

    embedder = FixedEmbedder(inputs["embeddings"])
    scorer = submission("scoring").Scorer(list(inputs["ks"]), embedder)

    def get_hard_negatives(q, pos, negs):
        embed = lambda texts: np.array([embedder(text, normalize=True) for text in texts])
        return int(hard_negative_counts([[q, pos, *negs]], embed)[0])

    scorer._get_hard_negatives = get_hard_negatives
    return {"hits": plain(scorer(inputs["samples"])),
            "verbose": plain(scorer(inputs["samples"][:2], verbose=True))}


def hits_bounds(inputs: dict) -> dict:
    """The lowest and the highest Hits@K that ties allow."""
    from hw_utils.ranking import hits_at_k

    counts = hard_negative_bounds(inputs)
    return plain({"low": hits_at_k(counts["most"], inputs["ks"]),
                  "high": hits_at_k(counts["fewest"], inputs["ks"])})


def judge_scorer(outputs: dict, expected: dict, inputs: dict) -> None:
    hits = outputs["hits"]
    judge_hits_keys(hits, inputs["ks"], "scorer(samples)")
    for k in inputs["ks"]:
        value = assert_number(hits[str(k)], f"scorer(samples)[{k}]")
        low, high = expected["low"][str(k)], expected["high"][str(k)]
        if not low - 1e-9 <= value <= high + 1e-9:
            fail(f"scorer(samples): Hits@{k} expected {low}" + (f" to {high} (ties)" if
                 low != high else "") + f" on {len(inputs['samples'])} samples, got {value}; "
                 f"all of it: {hits}")
    judge_hits_keys(outputs["verbose"], inputs["ks"], "scorer(samples, verbose=True)")


def judge_hits_keys(hits, ks, what: str) -> None:
    if not isinstance(hits, dict) or set(hits) != {str(k) for k in ks}:
        fail(f"{what}: expected a dict {{k: Hits@k}} for k in {list(ks)}, got {hits!r}")


# --- the quality bars --------------------------------------------------------------------------
def preprocessed_quality_inputs(data, rng: random.Random, n_samples: int = 300) -> dict:
    """Validation samples of the grader's data to preprocess with the course's settings."""
    from hw_utils import recipes
    from sodata import english_stopwords

    return {"samples": sample_rows(validation_of(data), rng, n_samples),
            "characters": list(recipes.PREPROCESSING["characters"]),
            "min_word_length": recipes.PREPROCESSING["min_word_length"],
            "stopwords": sorted(english_stopwords()), "data": data.name}


def observe_preprocessed_quality(inputs: dict) -> dict:
    preprocess = submission("text").TextPreprocessor(
        inputs["characters"], min_word_length=inputs["min_word_length"],
        stopwords=set(inputs["stopwords"]))
    texts = sorted({text for sample in inputs["samples"] for text in sample})
    return dict(zip(texts, (plain(preprocess(text)) for text in texts)))


def preprocessed_hits(outputs: dict, inputs: dict, vectors) -> float:
    """Hits@500 of the mean word2vec vectors on the student's preprocessed samples."""
    from hw_utils import recipes
    from hw_utils.ranking import FastScorer

    samples = [[str(outputs.get(text, "")) for text in sample] for sample in inputs["samples"]]
    return FastScorer([recipes.QUALITY_K], vectors, DIM)(samples)[recipes.QUALITY_K]


# --- Part 1 in TaskTests -----------------------------------------------------------------------
class Part1Tests:
    """The course's Part 1 checks, for the notebook: ``task_tests.test_*``."""

    @skips_without_ground_truth
    def test_validation_corpus(self, num_samples, amount_of_negatives_per_sample) -> None:
        expected = (REAL_VALIDATION if self.gt.dataset == "real"
                    else self.gt["validation_corpus"])
        for name, got, wanted in (
                ("the number of validation samples", num_samples, expected["num_samples"]),
                ("the mean number of negatives per sample", amount_of_negatives_per_sample,
                 expected["negatives_mean"])):
            got = assert_number(plain(got), name)
            if not np.isclose(got, wanted, rtol=VALIDATION_RTOL):
                raise CheckFailure(f"{name}: expected {wanted} (within 1%), got {got}"
                                   f"{self._data_note()}")

    @skips_without_ground_truth
    def test_text_preprocessor(self, cls) -> None:
        cases = [PREPROCESSOR_EXAMPLE, *self.gt.get("text_preprocessor_cases", [])]
        expected = [self.gt["text_preprocessor"],
                    *self.gt.get("text_preprocessor_expected", [])]
        judge_preprocessor(record_preprocessor(cls, cases), expected, {"cases": cases})

    @skips_without_ground_truth
    def test_embedder(self, embedder) -> None:
        expected = self.gt["embedder"]
        assert_vector(plain(embedder(EMBEDDER_TEXT)), expected,
                      f"embedder({EMBEDDER_TEXT!r}) on {self.gt.describe_data()}")

    @skips_without_ground_truth
    def test_scorer(self, hits) -> None:
        hits = plain(hits)
        judge_hits_keys(hits, KS, "hits")
        for k in KS:
            got = assert_number(hits[str(k)], f"hits[{k}]")
            wanted = self.gt["scorer"][str(k)]
            if abs(got - wanted) > SCORER_ATOL:
                raise CheckFailure(f"Hits@{k}: expected {wanted} (within {SCORER_ATOL}), got "
                                   f"{got}{self._data_note()}")


# --- the checks --------------------------------------------------------------------------------
CHECKS = [
    Check("part1.text_preprocessor", "part1", 1.0,
          "lower-case; replace the given characters by spaces; remove stopwords; remove words "
          "shorter than min_word_length. TextPreprocessor(characters, min_word_length=0, "
          "stopwords=None)(text) returns the processed text.",
          preprocessor_inputs, observe_preprocessor, judge_preprocessor, reference_seconds=0.1),
    Check("part1.embedder", "part1", 1.0,
          "a text's embedding is the mean of the vectors of its words; a word without a vector "
          "is skipped; a text with no known word gets the zero vector; normalize=True "
          "normalises it. Embedder(embeddings, dim)(text, normalize=False).",
          embedder_inputs, observe_embedder, judge_embedder, reference_seconds=0.5),
    Check("part1.hard_negatives", "part1", 1.0,
          "Scorer._get_hard_negatives(q, pos, negs): the number of negatives ranked above the "
          "positive by cosine similarity to the question.",
          scorer_inputs, observe_hard_negatives, judge_hard_negatives, expect=hard_negative_bounds,
          reference_seconds=0.2),
    Check("part1.scorer", "part1", 1.0,
          "Scorer(k, embedder)(samples, verbose=False) returns {k: Hits@k}: with N hard "
          "negatives a sample's Hits@k is 1 if N < k, else 0; averaged over the samples.",
          scorer_inputs, observe_scorer, judge_scorer, expect=hits_bounds, reference_seconds=0.2),
]
