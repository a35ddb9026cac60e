"""Question embeddings from word vectors (Part 1): the mean of the vectors of the known words."""
from typing import Any

import numpy as np


def vector_size_of(embeddings: Any) -> int | None:
    """The dimension of the vectors in ``embeddings`` when it can be known without a word list:
    gensim's ``vector_size``, else the length of a dict's first value; ``None`` when empty/unknown."""
    size = getattr(embeddings, "vector_size", None)
    if size is not None:
        return int(size)
    values = getattr(embeddings, "values", None)
    if callable(values):
        for vector in values():
            return len(vector)
    return None


class Embedder:
    """Embed a text as the mean of the word vectors of its known words.

    Args:
        embeddings: word -> vector, anything with ``in`` and ``[]`` (gensim ``KeyedVectors``,
            a dict of arrays).
        dim: the dimension of the vectors (300 for GoogleNews); checked against ``embeddings``
            when their size can be known (``ValueError`` if it differs).

    ``embedder(text, normalize=False)`` returns a float32 array of shape ``(dim,)``: the mean of
    the vectors of the words of ``text.split()`` found in ``embeddings`` (unknown words are
    skipped); the zero vector when no word is known. With ``normalize=True`` the result is
    divided by its L2 norm, so it has length 1 (the zero vector stays zero).
    """

    def __init__(self, embeddings: Any, dim: int):
        if isinstance(dim, bool) or not isinstance(dim, (int, np.integer)) or dim <= 0:
            raise ValueError(f"dim must be a positive integer, got {dim!r}")
        actual = vector_size_of(embeddings)
        if actual is not None and actual != dim:
            raise ValueError(f"the embeddings hold {actual}-dimensional vectors but dim={dim}: "
                             f"pass dim={actual} (or the vectors you meant to use)")
        self.embeddings = embeddings
        self.dim = int(dim)

    def __call__(self, text: str, normalize: bool = False) -> np.ndarray:
        # BEGIN SOLUTION
        vectors = [self.embeddings[word] for word in text.split() if word in self.embeddings]
        if not vectors:
            return np.zeros(self.dim, dtype=np.float32)
        embedding = np.mean(np.asarray(vectors, dtype=np.float32), axis=0)
        if normalize:
            norm = np.linalg.norm(embedding)
            if norm > 0:
                embedding = embedding / norm
        return embedding
        # END SOLUTION
