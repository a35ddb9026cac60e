"""The bonus: open, as in the course. Any model plugs in; the grader measures its gain.

How to plug a bonus item in: write ``hw_utils/bonus.py`` (it is yours; the release has none)
with a dict ``BONUS_ITEMS`` from the item's number (1-5, the course's list) to a function::

    def fit(data: BonusData) -> ranker

that trains your model on ``data`` and returns a *ranker*: an object with either

- ``embed(texts: list[str]) -> array [len(texts), dim]``: candidates are ranked by the cosine
  similarity of their embedding to the question's (items 1-4), or
- ``score(question: str, candidates: list[str]) -> array [len(candidates)]``: higher is more
  similar (item 5, early fusion, or any re-ranker).

``BonusData`` gives ``train_rows`` (rows of duplicate questions, preprocessed the course's way),
``vectors`` (the pretrained word vectors, gensim ``KeyedVectors``), ``dim``, ``preprocess`` (your
``TextPreprocessor`` with the course's settings), ``known_words`` and ``unknown_words`` (the
validation words with and without a pretrained vector). The texts a ranker gets are preprocessed
the same way.

The grader trains it on its own data and compares with what the item extends, on the same data:
items 1 and 2 with Part 2 (trigram vectors for unknown words, MSE), items 3-5 with Part 3 (the
DSSM); an item scores when its MRR is higher by ``MIN_GAIN`` at least.
"""
import random
from dataclasses import dataclass
from typing import Any

import numpy as np

from hw_checks.framework import Check, fail, submission
from hw_checks.inputs import sample_rows, train_of, validation_of
from hw_checks.values import as_array, plain

ITEMS = {1: ("trigram vectors trained on cosine similarity instead of MSE", "part2"),
         2: ("a char-biLSTM instead of the bag of trigram vectors", "part2"),
         3: ("a fuller Part 3 model: word unigrams + bigrams + letter trigrams", "part3"),
         4: ("a modified Part 3 model (MLP, normalisation, dropout, biLSTM, ...)", "part3"),
         5: ("early fusion: the two questions' vectors through an MLP", "part3")}
MIN_GAIN = 0.005  # of MRR
VALIDATION_SAMPLES, CANDIDATES = 200, 100


@dataclass
class BonusData:
    """What a bonus item trains on (see the module's docstring)."""

    train_rows: list[list[str]]
    vectors: Any
    dim: int
    preprocess: Any
    known_words: list[str]
    unknown_words: list[str]


def bonus_inputs(data, rng: random.Random, item: int) -> dict:
    validation = sample_rows(validation_of(data), rng, VALIDATION_SAMPLES, CANDIDATES + 1)
    return {"item": item, "validation": validation, "train": str(data.train),
            "vectors": str(data.vectors), "vectors_limit": data.vectors_limit,
            "train_rows": min(len(train_of(data)), 100_000)}


def bonus_data(inputs: dict, preprocess) -> BonusData:
    from sodata import load_vectors, read_corpus

    vectors = load_vectors(inputs["vectors"], limit=inputs["vectors_limit"])
    rows = read_corpus(inputs["train"])[:inputs["train_rows"]]
    words = sorted({word for sample in inputs["validation"] for text in sample
                    for word in preprocess(text).split()})
    return BonusData(train_rows=[[preprocess(text) for text in row] for row in rows],
                     vectors=vectors, dim=vectors.vector_size, preprocess=preprocess,
                     known_words=[w for w in words if w in vectors],
                     unknown_words=[w for w in words if w not in vectors])


def similarities(ranker, samples: list[list[str]]) -> list[list[float]]:
    """Each sample's candidates' similarity to its question, by ``ranker``."""
    if hasattr(ranker, "score"):
        return [plain(ranker.score(q, candidates)) for q, *candidates in samples]
    texts = sorted({text for sample in samples for text in sample})
    vectors = np.asarray(ranker.embed(texts), dtype=np.float64)
    vectors /= np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-12)
    row = {text: i for i, text in enumerate(texts)}
    return [(vectors[[row[t] for t in candidates]] @ vectors[row[q]]).tolist()
            for q, *candidates in samples]


def observe_bonus(inputs: dict) -> dict:
    import importlib.util

    from hw_utils import recipes
    from sodata import english_stopwords

    if importlib.util.find_spec("hw_utils.bonus") is None:
        return {"attempted": False, "why": "there is no hw_utils/bonus.py"}
    items = getattr(submission("bonus"), "BONUS_ITEMS", {})
    if inputs["item"] not in items:
        return {"attempted": False, "why": f"hw_utils/bonus.py's BONUS_ITEMS has no item "
                                           f"{inputs['item']} (it has {sorted(items)})"}
    preprocess = submission("text").TextPreprocessor(
        recipes.PREPROCESSING["characters"], recipes.PREPROCESSING["min_word_length"],
        english_stopwords())
    ranker = items[inputs["item"]](bonus_data(inputs, preprocess))
    samples = [[preprocess(text) for text in sample] for sample in inputs["validation"]]
    return {"attempted": True, "similarities": similarities(ranker, samples)}


def mrr(similarities_per_sample: list, what: str) -> float:
    ranks = []
    for scores in similarities_per_sample:
        scores = as_array(scores, what)
        ranks.append(1 + int(np.sum(scores[1:] > scores[0])))
    return float(np.mean(1.0 / np.asarray(ranks)))


def judge_bonus(outputs: dict, expected: dict, inputs: dict) -> None:
    item = inputs["item"]
    if not outputs.get("attempted"):
        fail(f"bonus item {item} ({ITEMS[item][0]}): not attempted: {outputs.get('why')}")
    got = mrr(outputs["similarities"], f"bonus item {item}'s similarities")
    base = mrr(expected["similarities"], "the baseline's similarities")
    if not got >= base + MIN_GAIN:
        fail(f"bonus item {item} ({ITEMS[item][0]}): expected an MRR above {base:.4f} (what it "
             f"extends, {ITEMS[item][1]}) by {MIN_GAIN} at least, got {got:.4f} on "
             f"{len(inputs['validation'])} validation samples of {CANDIDATES} candidates")


def bonus_check(item: int) -> Check:
    return Check(f"bonus.item{item}", "bonus", 1.0,
                 f"bonus item {item}: {ITEMS[item][0]}, with a quality gain over "
                 f"{'the MSE trigram model' if ITEMS[item][1] == 'part2' else 'Part 3'}.",
                 lambda data, rng: bonus_inputs(data, rng, item), observe_bonus, judge_bonus,
                 expect="instructor.pipeline:bonus_baseline", reference_seconds=60.0,
                 wants_expected=lambda outputs: bool(outputs.get("attempted")))


CHECKS = [bonus_check(item) for item in ITEMS]
