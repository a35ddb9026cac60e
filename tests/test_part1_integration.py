"""Part 1 end to end on the tiny stand-in (the notebook's flow through ``instructor.pipeline``), and
over real StackOverflow titles when present."""
import csv
import string

import numpy as np
import pytest

from hw_utils import recipes
from hw_utils.embedding import Embedder
from instructor.ranking import FastScorer
from hw_utils.scoring import Scorer
from sodata import get_dataset, load_vectors, read_corpus
from sodata.paths import REPO_ROOT
from instructor.pipeline import course_preprocessor, preprocess_rows

REAL_TITLES = REPO_ROOT.parent / "shared" / "realtext" / "stackoverflow_titles.tsv"
KS = list(recipes.KS)


@pytest.fixture(scope="module")
def tiny():
    dataset = get_dataset("tiny")
    return load_vectors(dataset.vectors, limit=dataset.vectors_limit), \
        read_corpus(dataset.validation)


def test_course_scorer_and_fast_scorer_agree_on_raw_and_preprocessed_text(tiny):
    vectors, validation = tiny
    preprocessed = preprocess_rows(validation)
    scorer = Scorer(KS, Embedder(vectors, recipes.DIM))
    fast = FastScorer(KS, vectors, recipes.DIM)
    raw_hits = scorer(validation)
    assert fast(validation) == raw_hits
    hits = scorer(preprocessed)
    assert fast(preprocessed) == hits
    assert all(hits[a] <= hits[b] for a, b in zip(KS, KS[1:])) and hits[1000] == 1.0
    assert hits[10] > raw_hits[10]  # preprocessing helps, as on the real data


def test_validation_samples_are_question_duplicate_negatives(tiny):
    _, validation = tiny
    assert all(len(sample) >= 3 and all(isinstance(text, str) for text in sample)
               for sample in validation)


def test_preprocess_rows_keeps_the_shape_and_takes_any_preprocessor(tiny):
    _, validation = tiny
    rows = validation[:3]
    upper = preprocess_rows(rows, str.upper)
    assert upper == [[text.upper() for text in row] for row in rows]
    assert [len(row) for row in preprocess_rows(rows)] == [len(row) for row in rows]


@pytest.mark.realtext
@pytest.mark.skipif(not REAL_TITLES.is_file(), reason=f"{REAL_TITLES} is absent")
def test_real_titles_preprocess_and_embed(tiny):
    with open(REAL_TITLES, encoding="utf-8", newline="") as handle:
        titles = [row["title"] for row in csv.DictReader(handle, delimiter="\t")]
    assert titles
    preprocess = course_preprocessor()
    embedder = Embedder(tiny[0], recipes.DIM)
    for title in titles:
        processed = preprocess(title)
        assert processed == processed.lower()
        assert not set(processed) & set(string.punctuation), (title, processed)
        assert "  " not in processed and processed == processed.strip()
        assert all(word not in preprocess.stopwords and len(word) >= 3
                   for word in processed.split())
        for text in (title, processed):
            vector = embedder(text, normalize=True)
            assert vector.shape == (recipes.DIM,) and np.isfinite(vector).all()
            norm = np.linalg.norm(vector)
            assert norm == 0 or abs(norm - 1) < 1e-5


def test_bench_runner_finds_the_benchmarks():
    from benchmarks import __main__ as bench

    assert {"part1_scorer", "part2_trigram", "part3_dssm", "bonus"} <= set(
        bench.benchmark_names())
