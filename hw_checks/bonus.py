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
the same way, and come in an order of the grader's choosing: a ranker learns nothing from where
a candidate stands.

The grader trains it on its own data and compares with what the item extends, on the same data:
items 1 and 2 with Part 2 (trigram vectors for unknown words, MSE), items 3-5 with Part 3 (the
DSSM); an item scores when its MRR is higher by ``MIN_GAIN`` at least.
"""
import importlib.util
from dataclasses import dataclass
from typing import Any

import numpy as np

from hw_checks.host import Host
from hw_checks.stage import NotAttempted, Stage, fail
from hw_checks.values import as_array, expect_list, short

ITEMS = {1: ("trigram vectors trained on cosine similarity instead of MSE", "part2"),
         2: ("a char-biLSTM instead of the bag of trigram vectors", "part2"),
         3: ("a fuller Part 3 model: word unigrams + bigrams + letter trigrams", "part3"),
         4: ("a modified Part 3 model (MLP, normalisation, dropout, biLSTM, ...)", "part3"),
         5: ("early fusion: the two questions' vectors through an MLP", "part3")}
MIN_GAIN = 0.005  # of MRR


@dataclass
class BonusData:
    """What a bonus item trains on (see the module's docstring)."""

    train_rows: list[list[str]]
    vectors: Any
    dim: int
    preprocess: Any
    known_words: list[str]
    unknown_words: list[str]


def similarities(ranker: Any, samples: list[list[str]]) -> list[np.ndarray]:
    """Each sample's candidates' similarity to its question by ``ranker`` (in this process: the
    Part 4 notebook). ``samples``: ``[question, candidate, ...]``, preprocessed."""
    if hasattr(ranker, "score"):
        return [np.asarray(ranker.score(q, candidates), dtype=np.float64)
                for q, *candidates in samples]
    texts = sorted({text for sample in samples for text in sample})
    vectors = normalised_rows(ranker.embed(texts))
    row = {text: i for i, text in enumerate(texts)}
    return [vectors[[row[t] for t in candidates]] @ vectors[row[q]] for q, *candidates in samples]


def normalised_rows(vectors: Any) -> np.ndarray:
    vectors = np.asarray(vectors, dtype=np.float64)
    return vectors / np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-12)


def mrr(scores_per_sample: list, what: str) -> float:
    """The mean of 1 / the duplicate's rank; each sample's scores: the duplicate's first."""
    ranks = []
    for scores in scores_per_sample:
        scores = as_array(scores, what)
        ranks.append(1 + int(np.sum(scores[1:] > scores[0])))
    return float(np.mean(1.0 / np.asarray(ranks)))


# --- on the student's side ---------------------------------------------------------------------
def attempted(item: int) -> str:
    """Why ``item`` is not attempted, or ``""`` when ``hw_utils/bonus.py`` has it."""
    if importlib.util.find_spec("hw_utils.bonus") is None:
        return "there is no hw_utils/bonus.py"
    items = getattr(importlib.import_module("hw_utils.bonus"), "BONUS_ITEMS", {})
    if item not in items:
        return f"hw_utils/bonus.py's BONUS_ITEMS has no item {item} (it has {sorted(items)})"
    return ""


def fit(item: int, train_path: str, train_rows: int, vectors_path: str, limit: int | None,
        words: list[str], settings: dict) -> Any:
    """The student's ``BONUS_ITEMS[item]`` trained on the grader's data: its ranker."""
    from sodata import load_vectors, read_corpus

    preprocess = importlib.import_module("hw_utils.text").TextPreprocessor(
        list(settings["characters"]), settings["min_word_length"], set(settings["stopwords"]))
    vectors = load_vectors(vectors_path, limit=limit)
    rows = read_corpus(train_path)[:train_rows]
    data = BonusData(train_rows=[[preprocess(text) for text in row] for row in rows],
                     vectors=vectors, dim=vectors.vector_size, preprocess=preprocess,
                     known_words=[w for w in words if w in vectors],
                     unknown_words=[w for w in words if w not in vectors])
    return importlib.import_module("hw_utils.bonus").BONUS_ITEMS[item](data)


def kind_of(ranker: Any) -> str:
    return "score" if hasattr(ranker, "score") else "embed" if hasattr(ranker, "embed") else ""


# --- the stage ---------------------------------------------------------------------------------
def drive_bonus(host: Host, inputs: dict) -> dict:
    """Train the item; the driver asks the ranker about texts in the grader's order."""
    why = host.call(host.glue("bonus.attempted"), inputs["item"])
    if why:
        return {"attempted": False, "why": why}
    ranker = host.call(host.glue("bonus.fit"), inputs["item"], inputs["train"],
                       inputs["train_rows"], inputs["vectors"], inputs["vectors_limit"],
                       inputs["words"], inputs["settings"])
    kind = host.call(host.glue("bonus.kind_of"), ranker)
    if kind == "embed":
        return {"attempted": True, "kind": kind,
                "vectors": host.call(ranker.attr("embed"), inputs["texts"])}
    if kind == "score":
        return {"attempted": True, "kind": kind,
                "scores": host.map(ranker.attr("score"), inputs["questions"])}
    return {"attempted": True, "kind": "", "why": "the ranker has neither embed nor score"}


def scores_of(outputs: dict, inputs: dict) -> list[np.ndarray]:
    """Each validation sample's scores, the duplicate's first, from the ranker's answers about
    texts the grader ordered (``secret_samples``: each sample as rows of ``texts``; for
    ``score``, the order each sample's candidates were asked in)."""
    if outputs["kind"] == "embed":
        vectors = as_array(outputs["vectors"], "ranker.embed(texts)")
        if vectors.ndim != 2 or len(vectors) != len(inputs["texts"]):
            fail(f"ranker.embed(texts): expected one row per text ({len(inputs['texts'])}), got "
                 f"an array of shape {vectors.shape}")
        vectors = normalised_rows(vectors)
        return [vectors[rows[1:]] @ vectors[rows[0]] for rows in inputs["secret_samples"]]
    answers = expect_list(outputs["scores"], len(inputs["questions"]), "ranker.score per sample")
    scores = []
    for answer, order, (question, candidates) in zip(answers, inputs["secret_orders"],
                                                     inputs["questions"]):
        answer = as_array(answer, f"ranker.score({question!r}, candidates)")
        if answer.shape != (len(candidates),):
            fail(f"ranker.score(question, candidates): expected {len(candidates)} scores, got "
                 f"shape {answer.shape}")
        scores.append(answer[np.argsort(order)])  # back to: duplicate first
    return scores


def judge_bonus(outputs: dict, expected: dict, inputs: dict) -> None:
    item = inputs["item"]
    if isinstance(outputs, dict) and outputs.get("attempted") is False:
        raise NotAttempted(f"bonus item {item} ({ITEMS[item][0]}): not attempted: "
                           f"{short(outputs.get('why'))}")
    if not isinstance(outputs, dict) or not outputs.get("attempted"):
        fail(f"bonus item {item}: expected the ranker's answers, got {short(outputs)}")
    if outputs.get("kind") not in ("embed", "score"):
        fail(f"bonus item {item}: the ranker has neither embed(texts) nor score(question, "
             f"candidates)")
    got = mrr(scores_of(outputs, inputs), f"bonus item {item}'s scores")
    base = expected["mrr"]
    if not got >= base + MIN_GAIN:
        fail(f"bonus item {item} ({ITEMS[item][0]}): expected an MRR above {base:.4f} (what it "
             f"extends, {ITEMS[item][1]}) by {MIN_GAIN} at least, got {got:.4f} on "
             f"{len(inputs['secret_samples'])} validation samples")


def bonus_stage(item: int) -> Stage:
    return Stage(f"bonus.item{item}", "bonus", 1.0,
                 f"bonus item {item}: {ITEMS[item][0]}, with a quality gain over "
                 f"{'the MSE trigram model' if ITEMS[item][1] == 'part2' else 'Part 3'}.",
                 ("hw_utils.text",), drive_bonus, judge_bonus, max_output_mb=64)


STAGES = [bonus_stage(item) for item in ITEMS]
