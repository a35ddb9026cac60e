"""Question embeddings from word vectors (Part 1): the mean of the vectors of the known words."""
from typing import Any

import numpy as np


class Embedder:
    """Embed a text as the mean of the word vectors of its known words.

    Args:
        embeddings: word -> vector, anything with ``in`` and ``[]`` (gensim ``KeyedVectors``,
            a dict of arrays).
        dim: the dimension of the vectors (300 for GoogleNews), for the zero vector.

    ``embedder(text, normalize=False)`` returns an array of shape ``(dim,)``: the mean of the
    vectors of the words of ``text.split()`` found in ``embeddings`` (unknown words are
    skipped); the zero vector when no word is known. With ``normalize=True`` it is divided by
    its L2 norm (the zero vector stays zero).
    """

    def __init__(self, embeddings: Any, dim: int):
        # BEGIN SOLUTION
        self.embeddings = embeddings
        self.dim = dim
        # END SOLUTION

    def __call__(self, text: str, normalize: bool = False) -> np.ndarray:
        # BEGIN SOLUTION
        vectors = [self.embeddings[word] for word in text.split() if word in self.embeddings]
        if not vectors:
            return np.zeros(self.dim, dtype=np.float32)
        embedding = np.mean(vectors, axis=0)
        norm = np.linalg.norm(embedding)
        if normalize and norm > 0:
            embedding = embedding / norm
        return embedding
        # END SOLUTION
