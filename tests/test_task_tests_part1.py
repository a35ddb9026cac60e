"""TaskTests for Part 1: both ground-truth formats, quiet success, readable failures."""
import json

import numpy as np
import pytest

from hw_utils.text import TextPreprocessor
from tests import TaskTests
from hw_checks.part1 import EMBEDDER_TEXT, KS as SCORER_KS

HITS = {1: 0.5, 5: 0.6, 10: 0.7, 100: 0.9, 500: 0.95, 1000: 1.0}
VECTOR = [0.25] * 300
MADE_ON = {"files": {"validation.tsv": "ab" * 32, "standin-vectors-negative300.bin.gz": "cd" * 32}}


def new_format(tmp_path):
    content = {
        "text_preprocessor": "jquery bind() and/or ready() working",
        "datasets": {"tiny": {"embedder": VECTOR, "scorer": {str(k): v for k, v in HITS.items()},
                              "validation_corpus": {"num_samples": 60, "negatives_mean": 49.85},
                              "made_on": MADE_ON}},
    }
    path = tmp_path / "test_gt.json"
    path.write_text(json.dumps(content))
    return path


def original_format(tmp_path):
    path = tmp_path / "original_gt.json"
    path.write_text(json.dumps({"embedder": VECTOR, "scorer": {str(k): v for k, v in HITS.items()},
                                "text_preprocessor": "jquery bind() and/or ready() working"}))
    return path


class FixedEmbedder:
    def __init__(self, vector):
        self.vector = np.asarray(vector)

    def __call__(self, text, normalize=False):
        assert text == EMBEDDER_TEXT
        return self.vector


def test_new_format_passes_quietly(tmp_path):
    tests = TaskTests.from_json(new_format(tmp_path), dataset="tiny")
    assert tests.test_validation_corpus(60, 49.85) is None
    assert tests.test_embedder(FixedEmbedder(VECTOR)) is None
    assert tests.test_scorer(HITS) is None
    assert tests.test_scorer({str(k): v + 0.004 for k, v in HITS.items()}) is None
    assert tests.test_text_preprocessor(TextPreprocessor) is None


def test_original_three_key_format_is_the_real_data(tmp_path):
    tests = TaskTests.from_json(original_format(tmp_path), dataset="real")
    tests.test_embedder(FixedEmbedder(VECTOR))
    tests.test_scorer(HITS)
    tests.test_text_preprocessor(TextPreprocessor)
    tests.test_validation_corpus(3760, 998.81)
    tests.test_validation_corpus(3760, 995.0)  # rtol 0.01
    with pytest.raises(AssertionError, match=r"mean number of negatives.*expected 998.81.*got 900"):
        tests.test_validation_corpus(3760, 900)


def test_original_format_has_no_stand_in_section_so_data_checks_skip(tmp_path, capsys):
    tests = TaskTests.from_json(original_format(tmp_path), dataset="tiny")
    tests.test_text_preprocessor(TextPreprocessor)  # data-independent: still checked
    assert tests.test_scorer(HITS) is None
    assert "SKIPPED test_scorer" in capsys.readouterr().out


def test_scorer_failure_says_expected_got_and_the_data(tmp_path):
    tests = TaskTests.from_json(new_format(tmp_path), dataset="tiny")
    wrong = {**HITS, 500: 0.5}
    with pytest.raises(AssertionError) as error:
        tests.test_scorer(wrong)
    message = str(error.value)
    assert "Hits@500: expected 0.95" in message and "got 0.5" in message
    assert "data set 'tiny'" in message and "validation.tsv sha256 abababababab" in message


def test_scorer_missing_k(tmp_path):
    tests = TaskTests.from_json(new_format(tmp_path), dataset="tiny")
    with pytest.raises(AssertionError, match=r"keys \['1', '5', '10', '100', '500', '1000'\], got \['1', "
                                             r"'10', '100', '5', '500'\]"):
        tests.test_scorer({k: v for k, v in HITS.items() if k != 1000})
    with pytest.raises(AssertionError, match=r"hits\[1\]: expected a finite number"):
        tests.test_scorer({**HITS, 1: None})


def test_embedder_failure_says_expected_got_and_the_data(tmp_path):
    tests = TaskTests.from_json(new_format(tmp_path), dataset="tiny")
    with pytest.raises(AssertionError, match=r"(?s)data set 'tiny'.*300 of 300 values differ.*expected "
                                             r"\[0.25, 0.25.*got \[0.5, 0.5.*Hint: it is 2 x the "
                                             r"expected vector"):
        tests.test_embedder(FixedEmbedder([0.5] * 300))
    with pytest.raises(AssertionError, match=r"expected shape \(300,\), got \(2,\)"):
        tests.test_embedder(FixedEmbedder([0.25, 0.25]))


def test_validation_corpus_uses_the_section_for_stand_ins(tmp_path):
    tests = TaskTests.from_json(new_format(tmp_path), dataset="tiny")
    with pytest.raises(AssertionError, match=r"number of validation samples: expected 60.*got 3760.0"
                                             r".*data set 'tiny'"):
        tests.test_validation_corpus(3760, 998.81)


def test_text_preprocessor_failure(tmp_path):
    class Broken(TextPreprocessor):
        def __call__(self, text):
            return text

    tests = TaskTests.from_json(new_format(tmp_path), dataset="tiny")
    with pytest.raises(AssertionError, match=r"expected 'jquery bind\(\) and/or ready\(\) working', "
                                             r"got 'jquery .bind\(\) and/or .ready\(\) not working'"):
        tests.test_text_preprocessor(Broken)


def test_repository_ground_truth_has_the_stand_ins():
    tests = TaskTests.from_json("test_gt.json", dataset="tiny")
    assert set(SCORER_KS) <= {int(k) for k in tests.gt["scorer"]}
    assert len(tests.gt["embedder"]) == 300
    assert "standin-vectors-negative300.bin.gz" in tests.gt.section["made_on"]["files"]
