"""TaskTests for Part 1: the validation set, preprocessing, the embedder and the scorer.

See base.py for the observe/check convention. Ground-truth keys (``test_gt.json``):

- top level: ``text_preprocessor`` (the course's example, a string) and
  ``text_preprocessor_extra`` (the outputs for ``PREPROCESSOR_EXTRA_CASES``; optional);
- per data set: ``embedder`` (300 floats for ``EMBEDDER_TEXT``), ``scorer``
  (``{"1": Hits@1, ..., "1000": Hits@1000}`` on the raw validation texts), ``validation_corpus``
  (``{"num_samples": ..., "negatives_mean": ...}``; the real data's are the course's constants).
"""
import numpy as np

from tests.task_tests.base import assert_close

EMBEDDER_TEXT = "What is life? Baby dont hurt me, dont hurt me, no more."
SCORER_KS = (1, 5, 10, 100, 500, 1000)
SCORER_ATOL = 5e-3
EMBEDDER_RTOL, EMBEDDER_ATOL = 1e-4, 1e-6
# The course's numbers for the real validation.tsv.
REAL_VALIDATION = {"num_samples": 3760, "negatives_mean": 998.81}
VALIDATION_RTOL = 0.01

PREPROCESSOR_EXAMPLE = {"characters": ("?", ".", "-", ":"), "min_word_length": 3,
                        "stopwords": {"not", "and", "or"},
                        "text": "jquery .bind() and/or .ready() not working"}
# More cases: (characters, min_word_length, stopwords, text). Expected outputs: ground truth.
PREPROCESSOR_EXTRA_CASES = (
    (("?",), 0, None, "  How  to SORT a Dict by value?  "),
    (("(", ")", ","), 2, {"in", "a"}, "Sort (in place) a list, in Python 3"),
    ((".", "?"), 5, {"why"}, "Why? ... short words only."),
    ((), 0, set(), ""),
)


class Part1Tests:
    """Checks for Part 1."""

    # --- the validation set -------------------------------------------------------------------
    @staticmethod
    def observe_validation_corpus(num_samples: int, amount_of_negatives_per_sample: float) -> dict:
        return {"num_samples": _number(num_samples, "num_samples"),
                "negatives_mean": _number(amount_of_negatives_per_sample,
                                          "amount_of_negatives_per_sample")}

    def check_validation_corpus(self, observed: dict) -> None:
        if self.gt.dataset == "real":
            expected = REAL_VALIDATION
        else:
            expected = self.gt["validation_corpus"]
        for key, name in (("num_samples", "number of validation samples"),
                          ("negatives_mean", "mean number of negatives per sample")):
            assert_close(observed[key], expected[key], name=name, rtol=VALIDATION_RTOL,
                         note=self._data_note())

    def test_validation_corpus(self, num_samples: int, amount_of_negatives_per_sample: float
                               ) -> None:
        self.check_validation_corpus(
            self.observe_validation_corpus(num_samples, amount_of_negatives_per_sample))

    # --- preprocessing ------------------------------------------------------------------------
    @staticmethod
    def observe_text_preprocessor(cls) -> dict:
        example = dict(PREPROCESSOR_EXAMPLE)
        text = example.pop("text")
        outputs = [cls(characters, min_word_length=min_length, stopwords=stopwords)(case_text)
                   for characters, min_length, stopwords, case_text in PREPROCESSOR_EXTRA_CASES]
        return {"course_example": cls(**example)(text), "extra": outputs}

    def check_text_preprocessor(self, observed: dict) -> None:
        expected = self.gt["text_preprocessor"]
        if observed["course_example"] != expected:
            raise AssertionError(
                f"TextPreprocessor{_call_repr(PREPROCESSOR_EXAMPLE)}: expected {expected!r}, "
                f"got {observed['course_example']!r}")
        if "text_preprocessor_extra" not in self.gt:  # the course's original file
            return
        for case, wanted, got in zip(PREPROCESSOR_EXTRA_CASES, self.gt["text_preprocessor_extra"],
                                     observed["extra"]):
            if got != wanted:
                characters, min_length, stopwords, text = case
                call = _call_repr({"characters": characters, "min_word_length": min_length,
                                   "stopwords": stopwords, "text": text})
                raise AssertionError(f"TextPreprocessor{call}: expected {wanted!r}, got {got!r}")

    def test_text_preprocessor(self, cls) -> None:
        self.check_text_preprocessor(self.observe_text_preprocessor(cls))

    # --- the embedder -------------------------------------------------------------------------
    @staticmethod
    def observe_embedder(embedder) -> dict:
        vector = np.asarray(embedder(EMBEDDER_TEXT), dtype=np.float64)
        return {"shape": list(vector.shape), "vector": vector.ravel().tolist()}

    def check_embedder(self, observed: dict) -> None:
        expected = np.asarray(self.gt["embedder"], dtype=np.float64)
        actual = np.asarray(observed["vector"], dtype=np.float64)
        what = f"embedder({EMBEDDER_TEXT!r})"
        if tuple(observed["shape"]) != expected.shape:
            raise AssertionError(f"{what}: expected shape {expected.shape}, got "
                                 f"{tuple(observed['shape'])}{self._data_note()}")
        close = np.isclose(actual, expected, rtol=EMBEDDER_RTOL, atol=EMBEDDER_ATOL)
        if not close.all():
            first = int(np.flatnonzero(~close)[0])
            raise AssertionError(
                f"{what}: {int((~close).sum())} of {expected.size} coordinates differ "
                f"(rtol={EMBEDDER_RTOL}, atol={EMBEDDER_ATOL}); e.g. [{first}]: expected "
                f"{float(expected[first])!r}, got {float(actual[first])!r}; expected starts "
                f"{np.round(expected[:3], 5).tolist()}, got {np.round(actual[:3], 5).tolist()}"
                f"{self._data_note()}")

    def test_embedder(self, embedder) -> None:
        self.check_embedder(self.observe_embedder(embedder))

    # --- the scorer ---------------------------------------------------------------------------
    @staticmethod
    def observe_scorer(hits: dict) -> dict:
        return {"hits": {str(k): _number(value, f"hits[{k!r}]") for k, value in hits.items()}}

    def check_scorer(self, observed: dict) -> None:
        expected = {str(k): v for k, v in self.gt["scorer"].items()}
        hits = observed["hits"]
        missing = [k for k in SCORER_KS if str(k) not in hits]
        if missing:
            raise AssertionError(f"Hits@K: expected the keys {list(SCORER_KS)}, got "
                                 f"{sorted(hits, key=_k_order)} (missing {missing})")
        for k in SCORER_KS:
            assert_close(hits[str(k)], expected[str(k)], name=f"Hits@{k}", atol=SCORER_ATOL,
                         note=self._data_note())

    def test_scorer(self, hits: dict) -> None:
        self.check_scorer(self.observe_scorer(hits))


def _number(value, name: str) -> float:
    """A JSON number from an int, a float or a NumPy scalar; ``AssertionError`` otherwise."""
    try:
        return float(value)
    except (TypeError, ValueError):
        raise AssertionError(f"{name}: expected a number, got {type(value).__name__} "
                             f"{value!r}") from None


def _k_order(key: str):
    return (0, int(key)) if key.isdigit() else (1, key)


def _call_repr(arguments: dict) -> str:
    """``(characters=..., ...)(text)`` for failure messages; stopwords sorted for stability."""
    arguments = dict(arguments)
    text = arguments.pop("text")
    if isinstance(arguments.get("stopwords"), (set, frozenset)):
        arguments["stopwords"] = sorted(arguments["stopwords"])
    inner = ", ".join(f"{key}={value!r}" for key, value in arguments.items())
    return f"({inner})({text!r})"
