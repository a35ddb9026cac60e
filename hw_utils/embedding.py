"""Question embeddings from word vectors (Part 1): the mean of the vectors of the known words."""
from collections.abc import Sequence
from itertools import count
from typing import Any

import numpy as np
import scipy.sparse


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
    ``embedder.embed_many(texts, normalize=False)`` embeds many texts at once, much faster than
    one call per text: a float32 matrix ``[len(texts), dim]``.

    A gensim ``KeyedVectors`` is read into a dict (word -> its row, no copy) when the embedder is
    made: words added to it later are not seen; make a new ``Embedder`` then.
    """

    def __init__(self, embeddings: Any, dim: int):
        if isinstance(dim, bool) or not isinstance(dim, (int, np.integer)) or dim <= 0:
            raise ValueError(f"dim must be a positive integer, got {dim!r}")
        actual = vector_size_of(embeddings)
        if actual is not None and actual != dim:
            raise ValueError(f"the embeddings hold {actual}-dimensional vectors but dim={dim}: "
                             f"pass dim={actual} (or the vectors you meant to use)")
        if hasattr(embeddings, "key_to_index") and hasattr(embeddings, "vectors"):
            # gensim KeyedVectors: its `in` and `[]` go through several Python calls; a dict
            # word -> row of its matrix (views, no copy) answers the same ~10x faster.
            embeddings = dict(zip(embeddings.index_to_key, embeddings.vectors))
        self.embeddings = embeddings
        self.dim = int(dim)

    def __call__(self, text: str, normalize: bool = False) -> np.ndarray:
        # BEGIN SOLUTION
        vectors = [self.embeddings[word] for word in text.split() if word in self.embeddings]
        if not vectors:
            return np.zeros(self.dim, dtype=np.float32)
        # the mean; np.add.reduce and a dot product cost less per call than np.mean, np.linalg.norm
        embedding = np.add.reduce(np.asarray(vectors, dtype=np.float32)) / np.float32(len(vectors))
        if normalize:
            norm = np.sqrt(embedding @ embedding)
            if norm > 0:
                embedding = embedding / norm
        return embedding
        # END SOLUTION

    def embed_many(self, texts: Sequence[str], normalize: bool = False) -> np.ndarray:
        """The embeddings of ``texts``, float32 [len(texts), dim]: row i is ``self(texts[i],
        normalize)`` up to float32 rounding.

        With ``occurrences`` the sparse matrix [len(texts), known words] holding a 1 for each known
        word of each text, ``occurrences @ word_vectors`` ([known words, dim]) sums each text's word
        vectors in one call; dividing by the number of known words gives the means. A row
        depends on its text only (its words are added in the text's order, whatever the other
        texts), so a text gets the same bits in any batch.
        """
        # BEGIN SOLUTION
        # (one list per text would slow Python's garbage collector: the words come in one list)
        words = " ".join(texts).split()  # all the texts' words, text after text
        word_counts = np.fromiter((len(text.split()) for text in texts), dtype=np.int64,
                                  count=len(texts))
        column_of = dict.fromkeys(words, -1)  # -1: unknown word
        known_words = [word for word in column_of if word in self.embeddings]
        column_of.update(zip(known_words, count()))
        columns = np.fromiter(map(column_of.__getitem__, words), dtype=np.int64, count=len(words))
        known = columns >= 0
        # row_starts[i]: the number of known words before text i, [len(texts) + 1]
        word_starts = np.concatenate([[0], np.cumsum(word_counts)])
        row_starts = np.concatenate([[0], np.cumsum(known)])[word_starts]
        occurrences = scipy.sparse.csr_array(
            (np.ones(row_starts[-1], dtype=np.float32), columns[known],
             row_starts), shape=(len(texts), len(known_words)))
        word_vectors = np.array([self.embeddings[word] for word in known_words],
                                dtype=np.float32).reshape(len(known_words), self.dim)
        embeddings = occurrences @ word_vectors
        embeddings /= np.maximum(np.diff(row_starts), 1).astype(np.float32)[:, None]
        if normalize:
            norms = np.sqrt(np.einsum("ij,ij->i", embeddings, embeddings))[:, None]
            embeddings /= np.where(norms > 0, norms, np.float32(1))
        return embeddings
        # END SOLUTION
