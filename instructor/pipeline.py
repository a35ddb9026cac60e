"""Each part's notebook flow as functions of the reference classes.

The demo, the benchmarks, the ground truth, the grader's expected side and the bonus comparison
run the homework through these, with the settings of ``hw_utils.recipes``; the notebooks spell
the same steps out in their cells.
"""
from collections import Counter
from collections.abc import Iterable, Sequence
from itertools import combinations
from typing import Any

import numpy as np
import torch
from sklearn.model_selection import train_test_split
from torch.utils.data import DataLoader

from hw_utils import recipes, set_seed
from hw_utils.progress import BatchProgress
from instructor.ranking import as_dict, embed_texts
from hw_utils.dssm import (DssmLikeModel, NTExentLoss, QuestionDuplicatesDataset, Trainer as
                           DssmTrainer, collate_fn as pairs_collate_fn)
from hw_utils.text import TextPreprocessor, TextTokenizer
from hw_utils.trigram import (InferenceTrigramDataset, TrainTrigramDataset, Trainer as
                              TrigramTrainer, TrigramModel, TrigramTokenizer, collate_fn,
                              inference_collate_fn)
from sodata import english_stopwords

PAIRINGS = ("first_two", "first_with_each", "all_pairs")


def course_preprocessor() -> TextPreprocessor:
    """The course's preprocessing: ``recipes.PREPROCESSING`` and NLTK's English stopwords."""
    return TextPreprocessor(**recipes.PREPROCESSING, stopwords=english_stopwords())


def preprocess_rows(rows: Iterable[Sequence[str]], preprocess=None) -> list[list[str]]:
    """Every text of every row through ``preprocess`` (the course's by default)."""
    preprocess = preprocess or course_preprocessor()
    return [[preprocess(text) for text in row] for row in rows]


def split_vocabulary(texts: Iterable[str], embeddings: Any) -> tuple[list[str], list[str]]:
    """The distinct words of ``texts``, sorted, as ``(known to embeddings, unknown)``."""
    words = sorted({word for text in texts for word in text.split()})
    known = [word for word in words if word in embeddings]
    unknown = [word for word in words if word not in embeddings]
    return known, unknown


def train_trigram_model(known: Sequence[str], embeddings: Any,
                        training: recipes.Training = recipes.PART2,
                        criterion: torch.nn.Module | None = None, init_std: float = 0.0,
                        progress: str | None = None,
                        ) -> tuple[TrigramTokenizer, TrigramModel, list[float]]:
    """Part 2: the trigram model trained to reproduce the vectors of ``known`` words.

    The trigram vectors start at zero (least squares has no symmetry to break), or with
    ``init_std`` > 0 normal with that deviation: a loss blind to length (``CosineLoss``) barely
    moves zero vectors, its gradient being orthogonal to the prediction and huge near zero.
    ``progress``: the label of a progress bar over the batches (``None``: no bar)."""
    set_seed(recipes.SEED)
    tokenizer = TrigramTokenizer(known)
    dataset = TrainTrigramDataset(known, embeddings, tokenizer)
    loader = DataLoader(dataset, batch_size=training.batch_size, shuffle=True,
                        collate_fn=collate_fn)
    model = TrigramModel(tokenizer.vocab_size, len(dataset[0][0]))
    if init_std > 0:
        torch.nn.init.normal_(model.embeddings.weight, 0.0, init_std)
    else:
        torch.nn.init.zeros_(model.embeddings.weight)
    optimizer = torch.optim.Adam(model.parameters(), lr=training.lr)
    trainer = TrigramTrainer(model, criterion or torch.nn.MSELoss(), optimizer)
    return tokenizer, model, trainer.train(with_progress(loader, training.n_epochs, progress),
                                           training.n_epochs)


def with_progress(loader: DataLoader, n_epochs: int, label: str | None):
    """``loader`` counted on a progress bar labelled ``label`` over its ``n_epochs`` (``None``:
    the loader itself, no bar)."""
    return loader if label is None else BatchProgress(loader, n_epochs, label)


def infer_vectors(model: TrigramModel, words: Sequence[str], tokenizer: TrigramTokenizer,
                  batch_size: int = 4096) -> np.ndarray:
    """``f(w)`` for each of ``words``, float32 ``[len(words), dim]`` (zero: no known trigram)."""
    loader = DataLoader(InferenceTrigramDataset(words, tokenizer), batch_size=batch_size,
                        collate_fn=inference_collate_fn)
    model.eval()
    with torch.no_grad():
        batches = [model(ids, offsets) for ids, offsets in loader]
    if not batches:
        return np.zeros((0, model.embedding_dim), dtype=np.float32)
    return torch.cat(batches).numpy()


def with_oov_vectors(known: Sequence[str], unknown: Sequence[str], embeddings: Any,
                     model: TrigramModel, tokenizer: TrigramTokenizer) -> dict[str, np.ndarray]:
    """Part 2's word -> vector map: word2vec's for ``known``, the model's for ``unknown``."""
    mapping = {word: np.asarray(embeddings[word]) for word in known}
    mapping.update(zip(unknown, infer_vectors(model, unknown, tokenizer)))
    return mapping


def build_vocab(texts: Iterable[str], min_count: int = 1) -> dict[str, int]:
    """word -> index for the words seen ``min_count`` times (Part 3: every word of the training
    set, as the course says), the most frequent first."""
    counts = Counter(word for text in texts for word in text.split())
    words = sorted((w for w, c in counts.items() if c >= min_count), key=lambda w: (-counts[w], w))
    return {word: index for index, word in enumerate(words)}


def question_pairs(rows: Iterable[Sequence[str]],
                   how: str = recipes.PART3_PAIRING) -> list[tuple[str, str]]:
    """(question, duplicate) pairs of each row of duplicates, one of the course's three ways:
    ``first_two``, ``first_with_each`` (q1 with each other) or ``all_pairs``."""
    if how not in PAIRINGS:
        raise ValueError(f"unknown pairing {how!r}: use one of {', '.join(PAIRINGS)}")
    pairs: list[tuple[str, str]] = []
    for row in rows:
        if how == "first_two":
            pairs.extend([(row[0], row[1])] if len(row) > 1 else [])
        elif how == "first_with_each":
            pairs.extend((row[0], other) for other in row[1:])
        else:
            pairs.extend(combinations(row, 2))
    return pairs


def dssm_tokenizer(rows: Iterable[Sequence[str]]) -> TextTokenizer:
    """Part 3's tokenizer: the vocabulary (``build_vocab``) of the preprocessed training rows."""
    return TextTokenizer(build_vocab(text for row in rows for text in row))


def train_eval_pairs(rows: Iterable[Sequence[str]]
                     ) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """Part 3's (question, duplicate) pairs of ``rows``, split into (train, eval) pairs."""
    train, held_out = train_test_split(question_pairs(rows), test_size=recipes.PART3_EVAL_SHARE,
                                       random_state=recipes.SEED)
    return train, held_out


def train_dssm(rows: Sequence[Sequence[str]], training: recipes.Training = recipes.PART3,
               logdir: str | None = None, device: str | None = None, verbose: bool = False,
               dim: int = recipes.PART3_DIM, tokenizer: TextTokenizer | None = None,
               progress: str | None = None,
               ) -> tuple[TextTokenizer, DssmLikeModel, list[tuple[float, float]], set[int]]:
    """Part 3 on preprocessed training ``rows``: (tokenizer, model, history, word ids trained).

    ``history``: each epoch's (train loss, eval loss); ``tokenizer``: ``dssm_tokenizer(rows)``
    when not given; ``progress``: the label of a progress bar over the training batches.
    """
    set_seed(recipes.SEED)
    tokenizer = tokenizer or dssm_tokenizer(rows)
    train_pairs, eval_pairs = train_eval_pairs(rows)
    train_data = QuestionDuplicatesDataset(train_pairs, tokenizer)
    loaders = {"train": DataLoader(train_data, batch_size=training.batch_size, shuffle=True,
                                   collate_fn=pairs_collate_fn),
               "eval": DataLoader(QuestionDuplicatesDataset(eval_pairs, tokenizer),
                                  batch_size=training.batch_size, collate_fn=pairs_collate_fn)}
    model = DssmLikeModel(tokenizer.vocab_size, dim)
    optimizer = torch.optim.Adam(model.parameters(), lr=training.lr, fused=True)  # as the notebook
    trainer = DssmTrainer(model, optimizer,
                          NTExentLoss(alpha=recipes.PART3_ALPHA), logdir=logdir, device=device)
    loaders["train"] = with_progress(loaders["train"], training.n_epochs, progress)
    history = trainer.train(loaders, training.n_epochs, verbose=verbose)
    trainer.writer.close()
    seen = {index for question, duplicate in train_data for index in [*question, *duplicate]}
    return tokenizer, model.cpu(), history, seen


def dssm_word_vectors(model: DssmLikeModel, tokenizer: TextTokenizer,
                      seen: set[int] | None = None) -> dict[str, np.ndarray]:
    """word -> the model's vector for it; words never trained on (not in ``seen``) left out,
    so the ``Embedder`` skips them as it skips unknown words."""
    weights = model.embeddings.weight.detach().cpu().numpy()
    return {word: weights[index] for word, index in tokenizer.word_to_index.items()
            if seen is None or index in seen}


class MeanVectorRanker:
    """A bonus-style ranker: ``embed(texts)`` = the mean of the word vectors of each text."""

    def __init__(self, vectors: Any, dim: int):
        self.vectors, self.dim = as_dict(vectors), dim

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        return embed_texts(self.vectors, texts, self.dim, normalize=True)


def baseline_ranker(part: str, words: Sequence[str], train_rows: Sequence[Sequence[str]],
                    vectors: Any) -> MeanVectorRanker:
    """What a bonus item extends, trained by the reference: ``part2`` (word2vec + trigram
    vectors for the unknown ones of ``words``) or ``part3`` (the DSSM on the raw ``train_rows``)."""
    if part == "part2":
        known, unknown = split_vocabulary(words, vectors)
        tokenizer, model, _ = train_trigram_model(known, vectors)
        return MeanVectorRanker(with_oov_vectors(known, unknown, vectors, model, tokenizer),
                                vectors.vector_size)
    tokenizer, model, _, seen = train_dssm(preprocess_rows(train_rows))
    return MeanVectorRanker(dssm_word_vectors(model, tokenizer, seen), recipes.PART3_DIM)
