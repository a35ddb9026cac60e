"""Part 1's stages: the preprocessor, the embedder, the hard negatives and the scorer.

Each stage's driver and judge come first, its ``Stage`` right under them. ``Part1Tests`` holds
the course's own ``task_tests.test_*`` methods for the notebook.
"""
import numpy as np

from hw_checks.base import skips_without_ground_truth
from hw_checks.host import Host
from hw_checks.stage import CheckFailure, Stage, fail
from hw_checks.values import (assert_int, assert_number, assert_vector, expect_dict, expect_list,
                              plain, scale_between, short)

KS = (1, 5, 10, 100, 500, 1000)
EMBEDDER_TEXT = "What is life? Baby dont hurt me, dont hurt me, no more."
PREPROCESSOR_EXAMPLE = {"characters": ["?", ".", "-", ":"], "min_word_length": 3,
                        "stopwords": ["not", "and", "or"],
                        "text": "jquery .bind() and/or .ready() not working"}
SCORER_ATOL = 5e-3  # the course's tolerance for Hits@K
REAL_VALIDATION = {"num_samples": 3760, "negatives_mean": 998.81}  # the course's figures
VALIDATION_RTOL = 0.01


# --- the preprocessor --------------------------------------------------------------------------
def drive_preprocessor(host: Host, inputs: dict) -> list:
    """``TextPreprocessor(characters, min_word_length, stopwords)(text)`` for each case."""
    outputs = []
    for case in inputs["cases"]:
        stopwords = None if case["stopwords"] is None else set(case["stopwords"])
        preprocessor = host.call(host.student("text.TextPreprocessor"), list(case["characters"]),
                                 min_word_length=case["min_word_length"], stopwords=stopwords)
        outputs.append(host.call(preprocessor, case["text"]))
    return outputs


def judge_preprocessor(outputs: list, expected: list, inputs: dict) -> None:
    cases = inputs["cases"]
    expect_list(outputs, len(cases), "TextPreprocessor's outputs, one per call")
    for case, got, wanted in zip(cases, outputs, expected):
        if not isinstance(got, str) or got.split() != wanted.split():
            stopwords = case["stopwords"]
            shown = "None" if stopwords is None else (
                repr(set(stopwords)) if len(stopwords) <= 10 else f"<a set of {len(stopwords)}>")
            fail(f"TextPreprocessor({case['characters']!r}, min_word_length="
                 f"{case['min_word_length']}, stopwords={shown})({case['text']!r}): expected "
                 f"{wanted!r}, got {short(got)}")


TEXT_PREPROCESSOR = Stage(
    "part1.text_preprocessor", "part1", 1.0,
    "lower-case; replace the given characters by spaces; remove stopwords; remove words shorter "
    "than min_word_length. TextPreprocessor(characters, min_word_length=0, stopwords=None)(text) "
    "returns the processed text.",
    ("hw_utils.text",), drive_preprocessor, judge_preprocessor)


# --- the embedder ------------------------------------------------------------------------------
def drive_embedder(host: Host, inputs: dict) -> dict:
    vectors = host.call(host.glue("glue.keyed_vectors"), inputs["vectors"], inputs["dim"])
    embedder = host.call(host.student("embedding.Embedder"), vectors, inputs["dim"])
    texts = [[text] for text in inputs["texts"]]
    return {"plain": host.map(embedder, texts),
            "normalized": host.map(embedder, texts, normalize=True)}


def embedding_hint(got, wanted, text: str, known: set) -> str:
    """Which usual mistake a wrong embedding fits, if any."""
    factor = scale_between(got, wanted)
    words = text.split()
    known_count = sum(word in known for word in words)
    if factor is None or not words:
        return ""
    if known_count and abs(factor - known_count) < 1e-3 * known_count and known_count > 1:
        return f"it is {known_count} x the expected vector: a sum of the word vectors, not their mean?"
    if known_count and abs(factor - known_count / len(words)) < 1e-3 and known_count < len(words):
        return (f"it is {known_count}/{len(words)} of the expected vector: the mean over all "
                f"{len(words)} words, counting the unknown ones as zero vectors? Skip them.")
    return f"it is {factor:.4g} x the expected vector: the right direction, the wrong length."


def judge_embedder(outputs: dict, expected: dict, inputs: dict) -> None:
    texts, known = inputs["texts"], set(inputs["vectors"])
    expect_dict(outputs, ["normalized", "plain"], "the embedder's outputs")
    for kind in ("plain", "normalized"):
        expect_list(outputs[kind], len(texts), f"embedder(text{', normalize=True' * (kind != 'plain')}) "
                                               f"for each of the {len(texts)} texts")
    for index, text in enumerate(texts):
        got, wanted = outputs["plain"][index], expected["plain"][index]
        assert_vector(got, wanted, f"embedder({text!r})",
                      hint=embedding_hint(got, wanted, text, known))
        if np.any(wanted):  # a zero vector has no direction to keep
            assert_vector(outputs["normalized"][index], expected["normalized"][index],
                          f"embedder({text!r}, normalize=True)")


EMBEDDER = Stage(
    "part1.embedder", "part1", 1.0,
    "a text's embedding is the mean of the vectors of its words; a word without a vector is "
    "skipped; a text with no known word gets the zero vector; normalize=True normalises it. "
    "Embedder(embeddings, dim)(text, normalize=False).",
    ("hw_utils.embedding",), drive_embedder, judge_embedder)


# --- the hard negatives ------------------------------------------------------------------------
def drive_hard_negatives(host: Host, inputs: dict) -> list:
    embedder = host.call(host.glue("glue.lookup_embedder"), inputs["embeddings"])
    scorer = host.call(host.student("scoring.Scorer"), list(inputs["ks"]), embedder)
    return host.map(scorer.attr("_get_hard_negatives"),
                    [[q, pos, negs] for q, pos, *negs in inputs["samples"]])


def judge_hard_negatives(outputs: list, expected: dict, inputs: dict) -> None:
    samples = inputs["samples"]
    expect_list(outputs, len(samples), "_get_hard_negatives for each sample")
    for got, low, high, (q, pos, *negs) in zip(outputs, expected["fewest"], expected["most"],
                                               samples):
        what = (f"Scorer._get_hard_negatives(q={q!r}, pos={pos!r}, negs=<{len(negs)} "
                f"negatives>)")
        count = assert_int(got, what)
        if not low <= count <= high:
            span = f"{low}" if low == high else f"between {low} and {high} (ties)"
            hint = ""
            if len(negs) - high <= count <= len(negs) - low:
                hint = " (that is the number ranked below it: the comparison reversed?)"
            fail(f"{what}: expected {span} negatives more similar to q than pos, got {count}"
                 + hint)


HARD_NEGATIVES = Stage(
    "part1.hard_negatives", "part1", 1.0,
    "Scorer._get_hard_negatives(q, pos, negs): the number of negatives ranked above the positive "
    "by cosine similarity to the question.",
    ("hw_utils.scoring",), drive_hard_negatives, judge_hard_negatives)


# --- the scorer --------------------------------------------------------------------------------
def drive_scorer(host: Host, inputs: dict) -> dict:
    """The student's ``__call__``, with a ``_get_hard_negatives`` that looks up the grader's
    counts (checked on its own), so this stage fails only for ``__call__``."""
    embedder = host.call(host.glue("glue.lookup_embedder"), inputs["embeddings"])
    scorer = host.call(host.student("scoring.Scorer"), list(inputs["ks"]), embedder)
    host.call(host.glue("glue.use_hard_negative_table"), scorer, inputs["hard_negatives"])
    return {"hits": host.call(scorer, inputs["samples"]),
            "verbose": host.call(scorer, inputs["samples"][:2], verbose=True)}


def judge_hits_keys(hits, ks, what: str) -> dict:
    return expect_dict(hits, [str(k) for k in ks], f"{what}: a dict {{k: Hits@k}}")


def judge_scorer(outputs: dict, expected: dict, inputs: dict) -> None:
    expect_dict(outputs, ["hits", "verbose"], "the scorer's outputs")
    hits = judge_hits_keys(outputs["hits"], inputs["ks"], "scorer(samples)")
    for k in inputs["ks"]:
        value = assert_number(hits[str(k)], f"scorer(samples)[{k}]")
        wanted = expected["hits"][str(k)]
        if abs(value - wanted) > 1e-9:
            hint = ""
            if abs(value - expected["hits_at_or_below"][str(k)]) < 1e-9:
                hint = (" (that counts a sample with exactly k hard negatives as a hit: with h "
                        "hard negatives the duplicate is at position h + 1)")
            fail(f"scorer(samples): Hits@{k} expected {wanted} on {len(inputs['samples'])} "
                 f"samples, got {value}{hint}; all of it: {hits}")
    judge_hits_keys(outputs["verbose"], inputs["ks"], "scorer(samples, verbose=True)")


SCORER = Stage(
    "part1.scorer", "part1", 1.0,
    "Scorer(k, embedder)(samples, verbose=False) returns {k: Hits@k}: with N hard negatives a "
    "sample's Hits@k is 1 if N < k, else 0; averaged over the samples.",
    ("hw_utils.scoring",), drive_scorer, judge_scorer)

STAGES = [TEXT_PREPROCESSOR, EMBEDDER, HARD_NEGATIVES, SCORER]


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
        outputs = []
        for case in cases:
            stopwords = None if case["stopwords"] is None else set(case["stopwords"])
            outputs.append(plain(cls(list(case["characters"]), min_word_length=case[
                "min_word_length"], stopwords=stopwords)(case["text"])))
        judge_preprocessor(outputs, expected, {"cases": cases})

    @skips_without_ground_truth
    def test_embedder(self, embedder) -> None:
        expected = self.gt["embedder"]
        got = plain(embedder(EMBEDDER_TEXT))
        assert_vector(got, expected, f"embedder({EMBEDDER_TEXT!r}) on {self.gt.describe_data()}",
                      hint=embedding_hint(got, expected, EMBEDDER_TEXT,
                                          set(self.gt.get("embedder_known_words", []))))

    @skips_without_ground_truth
    def test_scorer(self, hits) -> None:
        hits = judge_hits_keys(plain(hits), KS, "hits")
        for k in KS:
            got = assert_number(hits[str(k)], f"hits[{k}]")
            wanted = self.gt["scorer"][str(k)]
            if abs(got - wanted) > SCORER_ATOL:
                raise CheckFailure(f"Hits@{k}: expected {wanted} (within {SCORER_ATOL}), got "
                                   f"{got}{self._data_note()}")
