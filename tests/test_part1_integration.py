"""Part 1 end to end on the tiny stand-in, and over real StackOverflow titles when present."""
import csv

import numpy as np
import pytest

from sodata import get_dataset, load_vectors, read_corpus
from sodata.datasets import REPO_ROOT
from hw_utils.embedding import Embedder
from hw_utils.scoring import Scorer
from hw_utils.text import DEFAULT_CHARACTERS, TextPreprocessor, default_preprocessor
from tests import TaskTests
from tools.grading.part1 import CHECKS

REAL_TITLES = REPO_ROOT.parent / "shared" / "realtext" / "stackoverflow_titles.tsv"
KS = [1, 5, 10, 100, 500, 1000]


@pytest.fixture(scope="module")
def tiny():
    dataset = get_dataset("tiny")
    return dataset, load_vectors(dataset.vectors, limit=dataset.vectors_limit), \
        read_corpus(dataset.validation)


def test_part1_passes_task_tests_on_tiny(tiny):
    dataset, vectors, validation = tiny
    tests = TaskTests.from_json("test_gt.json", dataset="tiny")
    embedder = Embedder(vectors, 300)
    tests.test_validation_corpus(len(validation), np.mean([len(s) - 2 for s in validation]))
    tests.test_embedder(embedder)
    scorer = Scorer(KS, embedder)
    hits = scorer(validation)
    tests.test_scorer(hits)
    assert all(hits[a] <= hits[b] for a, b in zip(KS, KS[1:]))
    preprocess = default_preprocessor()
    preprocessed = [[preprocess(text) for text in sample] for sample in validation]
    assert scorer(preprocessed)[10] >= hits[10]


def test_fast_path_equals_definition_on_tiny(tiny):
    _, vectors, validation = tiny
    scorer = Scorer(KS, Embedder(vectors, 300))
    expected = [scorer._get_hard_negatives(s[0], s[1], s[2:]) for s in validation[:15]]
    assert scorer.hard_negative_counts(validation[:15]).tolist() == expected


def test_graded_checks_pass_on_tiny(tiny):
    dataset = tiny[0]
    tests = TaskTests.from_json("test_gt.json", dataset="tiny")
    for check in CHECKS:
        if check.check.startswith("check_"):
            getattr(tests, check.check)(check.observe(dataset))


def test_wrong_dimension_embeddings(tiny):
    with pytest.raises(ValueError, match="300-dimensional vectors but dim=100"):
        Embedder(tiny[1], 100)


@pytest.mark.realtext
@pytest.mark.skipif(not REAL_TITLES.is_file(), reason=f"{REAL_TITLES} is absent")
def test_real_titles_preprocess_and_embed(tiny):
    with open(REAL_TITLES, encoding="utf-8", newline="") as handle:
        titles = [row["title"] for row in csv.DictReader(handle, delimiter="\t")]
    assert titles
    preprocess = default_preprocessor()
    embedder = Embedder(tiny[1], 300)
    for title in titles:
        processed = preprocess(title)
        assert processed == processed.lower()
        assert not set(processed) & set(DEFAULT_CHARACTERS), (title, processed)
        assert "  " not in processed and processed == processed.strip()
        assert all(word not in preprocess.stopwords for word in processed.split())
        for text in (title, processed):
            vector = embedder(text, normalize=True)
            assert vector.shape == (300,) and np.isfinite(vector).all()
            norm = np.linalg.norm(vector)
            assert norm == 0 or abs(norm - 1) < 1e-5


def test_make_gt_writes_a_section_with_its_fingerprint(tmp_path):
    from tools import make_gt

    out = tmp_path / "gt.json"
    out.write_text('{"datasets": {"other": {"kept": 1}}}')
    assert make_gt.main(["--datasets", "tiny", "--modules", "part1", "--out", str(out)]) == 0
    tests = TaskTests.from_json(out, dataset="tiny")
    assert tests.gt.sections["other"] == {"kept": 1}
    files = tests.gt.section["made_on"]["files"]
    assert set(files) >= {"validation.tsv", "standin-vectors-negative300.bin.gz"}
    tests.test_text_preprocessor(TextPreprocessor)
    assert "part1" in make_gt.module_names()


def test_bench_runner_finds_part1():
    from tools import bench

    assert "part1_scorer" in bench.benchmark_names()
