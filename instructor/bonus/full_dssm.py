"""Bonus 3: a fuller DSSM: bags of word unigrams, word bigrams and character trigrams.

Part 3's model sees a question as a bag of words, so it cannot use word order ("convert
string to int" vs "int to string") or the spelling of words it has no row for. Here a
question is the bag of three kinds of features, each with its own embedding row:

- ``w:<word>``: each word (Part 3's only feature);
- ``b:<word> <next word>``: each pair of adjacent words (a little word order);
- ``t:<trigram>``: each character trigram of each word, with ``#`` at the word's ends
  (Part 2's ``TrigramTokenizer._get_trigrams``), so rare and misspelt words share rows with
  their neighbours.

Features are indexed by a **vocabulary**, not the hashing trick: the features seen at least
``min_count`` times in the training questions (at most ``max_features``, the most frequent
first). A vocabulary has no collisions and stays as small as the data needs; unseen features
are dropped, as Part 3 drops unknown words. The featurizer plays the role of Part 3's
``TextTokenizer``, so Part 3's ``QuestionDuplicatesDataset``, ``collate_fn``,
``NTExentLoss`` and ``Trainer`` are reused unchanged, and ``DssmLikeModel`` with sparse
gradients (``SparseBagModel``).
"""
from collections import Counter
from collections.abc import Iterable

from torch import nn

from hw_utils.dssm import DssmLikeModel
from hw_utils.trigram import TrigramTokenizer

FEATURE_KINDS = ("word", "bigram", "trigram")


class NgramFeaturizer:
    """Text -> vocabulary indices of its features (see the module docstring).

    Args:
        texts: the (preprocessed) training questions the vocabulary is counted on.
        min_count: a feature seen fewer times is dropped.
        max_features: keep at most this many features, the most frequent (ties by name).
        kinds: which of ``FEATURE_KINDS`` to use.

    ``vocab_size`` is the size of the embedding table; calling on a text returns the indices
    of its known features (``[]`` when none is known).
    """

    def __init__(self, texts: Iterable[str], min_count: int = 2,
                 max_features: int | None = 200_000, kinds: Iterable[str] = FEATURE_KINDS):
        self.kinds = tuple(kinds)
        unknown = set(self.kinds) - set(FEATURE_KINDS)
        if unknown:
            raise ValueError(f"unknown feature kinds {sorted(unknown)}: use {FEATURE_KINDS}")
        counts = Counter(feature for text in texts for feature in self.features(text))
        frequent = sorted((feature for feature, count in counts.items() if count >= min_count),
                          key=lambda feature: (-counts[feature], feature))[:max_features]
        self.vocab = {feature: index for index, feature in enumerate(frequent)}
        self.vocab_size = len(self.vocab)

    def features(self, text: str) -> list[str]:
        """The feature names of ``text``, in order (``w:``, then ``b:``, then ``t:``)."""
        words = text.split()
        features = []
        if "word" in self.kinds:
            features += [f"w:{word}" for word in words]
        if "bigram" in self.kinds:
            features += [f"b:{first} {second}" for first, second in zip(words, words[1:])]
        if "trigram" in self.kinds:
            features += [f"t:{trigram}" for word in words
                         for trigram in TrigramTokenizer._get_trigrams(word)]
        return features

    def __call__(self, text: str) -> list[int]:
        return [self.vocab[feature] for feature in self.features(text) if feature in self.vocab]


class SparseBagModel(DssmLikeModel):
    """Part 3's ``DssmLikeModel`` with sparse gradients: train it with ``torch.optim.SparseAdam``,
    which updates only the rows a batch uses (a feature table is several times a vocabulary,
    and dense Adam would update all of it at every step)."""

    def __init__(self, num_embeddings: int, embedding_dim: int):
        super().__init__(num_embeddings, embedding_dim)
        self.embeddings = nn.EmbeddingBag(num_embeddings, embedding_dim, mode="mean", sparse=True)
