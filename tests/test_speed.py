"""The given speed helper: your Embedder's answers, each text embedded once (hw_utils/speed.py)."""
import numpy as np

from hw_utils.embedding import Embedder
from hw_utils.scoring import Scorer
from hw_utils.speed import CachedEmbedder

VECTORS = {"sort": np.array([1.0, 0.0]), "list": np.array([0.0, 1.0]), "dict": np.array([1.0, 1.0])}


class CountingEmbedder:
    """An Embedder that counts its calls."""

    def __init__(self):
        self.embedder = Embedder(VECTORS, 2)
        self.calls: list[tuple[str, bool]] = []

    def __call__(self, text, normalize=False):
        self.calls.append((text, normalize))
        return self.embedder(text, normalize=normalize)


def test_each_text_and_normalize_is_embedded_once():
    counting = CountingEmbedder()
    cached = CachedEmbedder(counting)
    for _ in range(3):
        np.testing.assert_allclose(cached("sort list", normalize=True), [2 ** -0.5, 2 ** -0.5])
        np.testing.assert_allclose(cached("sort list"), [0.5, 0.5])
        np.testing.assert_allclose(cached("sort list", True), [2 ** -0.5, 2 ** -0.5])
    assert counting.calls == [("sort list", True), ("sort list", False)]


def test_a_scorer_that_changes_vectors_in_place_does_not_change_the_stored_ones():
    cached = CachedEmbedder(Embedder(VECTORS, 2))
    vector = cached("dict")
    vector *= 10
    np.testing.assert_allclose(cached("dict"), [1.0, 1.0])


def test_the_students_scorer_gives_the_same_hits_through_it():
    samples = [["sort", "sort list", "list", "dict", "unknown words"],
               ["list", "dict", "sort", "list dict", "sort"]]
    plain = Scorer([1, 2, 3], Embedder(VECTORS, 2))(samples)
    counting = CountingEmbedder()
    cached = CachedEmbedder(counting)
    scorer = Scorer([1, 2, 3], cached)
    assert scorer(samples) == plain
    first = len(counting.calls)
    assert scorer(samples) == plain
    assert len(counting.calls) == first == len({(text, True) for sample in samples for text in sample})
