"""Classical baselines a practitioner tries first: TF-IDF cosine and BM25 (not graded).

Both work on the same preprocessed text as the embedding methods (words = ``text.split()``),
learn their word statistics (document frequencies, average length) from the training
questions, and are ranked with Part 1's rule
(``instructor.bonus.ranking.ranker_hard_negatives``), so their Hits@K sit in the same
table as every other method.
"""
from typing import Iterable, Sequence

import numpy as np
import scipy.sparse as sp
from sklearn.feature_extraction.text import CountVectorizer, TfidfVectorizer


def _split(text: str) -> list[str]:
    return text.split()


class SparseRanker:
    """Scores = sparse document vectors times sparse query vectors; subclasses define both."""

    def fit(self, corpus: Iterable[str]) -> "SparseRanker":
        raise NotImplementedError

    def transform_queries(self, texts: Sequence[str]) -> sp.csr_matrix:
        """``[len(texts), vocab_size]`` query vectors."""
        raise NotImplementedError

    def transform_documents(self, texts: Sequence[str]) -> sp.csr_matrix:
        """``[len(texts), vocab_size]`` candidate (document) vectors."""
        raise NotImplementedError

    def __call__(self, question: str, candidates: Sequence[str]) -> np.ndarray:
        """``[len(candidates)]`` scores of each candidate for ``question``."""
        if len(candidates) == 0:
            return np.zeros(0)
        documents = self.transform_documents(list(candidates))
        query = self.transform_queries([question])
        return np.asarray((documents @ query.T).todense()).ravel()

    def hard_negatives(self, samples: Sequence[Sequence[str]]) -> np.ndarray:
        """``[n_samples]`` hard-negative counts; each distinct text is vectorised once."""
        samples = [list(sample) for sample in samples]
        if not samples:
            return np.zeros(0, dtype=np.int64)
        texts = sorted({text for sample in samples for text in sample[1:]})
        row = {text: i for i, text in enumerate(texts)}
        documents = self.transform_documents(texts)
        queries = self.transform_queries([sample[0] for sample in samples])
        hard = np.empty(len(samples), dtype=np.int64)
        for i, sample in enumerate(samples):
            candidates = documents[[row[text] for text in sample[1:]]]
            scores = np.asarray((candidates @ queries[i].T).todense()).ravel()
            hard[i] = np.count_nonzero(scores[1:] > scores[0])
        return hard


class TfidfRanker(SparseRanker):
    """Cosine similarity of TF-IDF vectors (scikit-learn, smoothed idf, sublinear tf)."""

    def __init__(self, sublinear_tf: bool = True):
        self.vectorizer = TfidfVectorizer(analyzer=_split, sublinear_tf=sublinear_tf)

    def fit(self, corpus: Iterable[str]) -> "TfidfRanker":
        self.vectorizer.fit(list(corpus))
        return self

    def transform_queries(self, texts: Sequence[str]) -> sp.csr_matrix:
        return self.vectorizer.transform(texts).tocsr()  # rows are L2-normalised: dot = cosine

    transform_documents = transform_queries


class Bm25Ranker(SparseRanker):
    """Okapi BM25: score(q, d) = sum over words t of q of idf(t) * tf(t, d) * (k1 + 1) /
    (tf(t, d) + k1 * (1 - b + b * |d| / avgdl)), with idf(t) = log(1 + (N - df + 0.5) / (df + 0.5)).

    N, df and avgdl come from the corpus passed to ``fit`` (the training questions); the
    document length |d| is the candidate's own word count. A query word counts once.
    """

    def __init__(self, k1: float = 1.2, b: float = 0.75):
        self.k1 = k1
        self.b = b
        self.vectorizer = CountVectorizer(analyzer=_split)

    def fit(self, corpus: Iterable[str]) -> "Bm25Ranker":
        counts = self.vectorizer.fit_transform(list(corpus)).tocsc()
        n_docs = counts.shape[0]
        document_frequency = np.diff(counts.indptr)
        self.idf_ = np.log1p((n_docs - document_frequency + 0.5) / (document_frequency + 0.5))
        self.avgdl_ = float(counts.sum() / max(n_docs, 1)) or 1.0
        return self

    def transform_queries(self, texts: Sequence[str]) -> sp.csr_matrix:
        present = self.vectorizer.transform(texts).tocsr()
        present.data[:] = 1.0
        return (present @ sp.diags(self.idf_)).tocsr()

    def transform_documents(self, texts: Sequence[str]) -> sp.csr_matrix:
        counts = self.vectorizer.transform(texts).tocsr().astype(np.float64)
        lengths = np.array([len(text.split()) for text in texts], dtype=np.float64)
        norm = self.k1 * (1 - self.b + self.b * lengths / self.avgdl_)
        row_norm = np.repeat(norm, np.diff(counts.indptr))
        counts.data = counts.data * (self.k1 + 1) / (counts.data + row_norm)
        return counts
