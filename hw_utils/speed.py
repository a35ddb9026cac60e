"""Given: your ``Embedder``, each distinct text embedded once.

A validation text occurs in many samples (a negative is drawn for many questions), and the
notebooks rank the same samples more than once (raw and preprocessed text, another word -> vector
map, more K values). ``CachedEmbedder`` wraps your ``Embedder``: the first call with a text asks
your ``Embedder``, later calls with the same text (and the same ``normalize``) get a copy of that
answer. Your ``Scorer`` still does all the ranking; only the repeated embedding is saved.
"""
from typing import Any, Callable


class CachedEmbedder:
    """``embedder(text, normalize=False)``'s answers, each computed once.

    Args:
        embedder: your ``Embedder`` (anything called as ``embedder(text, normalize=...)``).

    Called like the ``Embedder`` it wraps. An answer is returned as a copy when it is a NumPy
    array, so a ``Scorer`` that changes a vector in place does not change the stored one.
    """

    def __init__(self, embedder: Callable[..., Any]):
        self.embedder = embedder
        self.answers: dict[tuple[str, bool], Any] = {}

    def __call__(self, text: str, normalize: bool = False) -> Any:
        key = (text, bool(normalize))
        if key not in self.answers:
            self.answers[key] = self.embedder(text, normalize=normalize)
        answer = self.answers[key]
        return answer.copy() if hasattr(answer, "copy") and hasattr(answer, "shape") else answer
