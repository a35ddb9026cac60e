"""The course's quality bars as the grader applies them (``grader/stages/quality.py``): the
course's Hits@500, or the reference's less ``QUALITY_TOLERANCE`` where the data set puts the
reference itself below the bar; every validation sample ranked, each distinct text once; the
student's side gets the texts shuffled and unlabelled."""
import random

import pytest

from grader.stages import quality
from grader.stages.data import validation_of
from hw_checks.host import LocalHost
from hw_checks.stage import CheckFailure
from hw_utils import recipes
from sodata import get_dataset


@pytest.mark.parametrize("hits, reference, passes", [
    (0.90, 0.95, True),    # above the course's bar
    (0.885, 0.95, False),  # below it, the reference well above it
    (0.875, 0.88, True),   # the reference below the bar: within the tolerance of it
    (0.865, 0.88, False),  # ... and short of it
])
def test_bar_is_the_courses_unless_the_reference_is_below_it(hits, reference, passes):
    assert recipes.QUALITY_BARS["part2"] == 0.89 and recipes.QUALITY_TOLERANCE == 0.01
    if passes:
        quality.judge_bar("part2", hits, reference, "Part 2")
    else:
        with pytest.raises(CheckFailure, match="Hits@500 >= 0.8"):
            quality.judge_bar("part2", hits, reference, "Part 2")


def test_message_says_when_the_bar_follows_the_reference():
    with pytest.raises(CheckFailure, match="the reference's 0.8800 less 0.01"):
        quality.judge_bar("part2", 0.80, 0.88, "Part 2")


def test_inputs_hold_every_sample_once_per_distinct_text_shuffled():
    data = get_dataset("tiny")
    inputs = quality.quality_inputs(data, random.Random(0))
    rows = validation_of(data)
    assert len(inputs["secret_rows"]) == len(rows)
    assert quality.samples_of(inputs, inputs["texts"]) == [list(row) for row in rows]
    assert len(inputs["texts"]) == len(set(inputs["texts"])) < sum(map(len, rows))
    questions = {row[0] for row in rows}
    first = inputs["texts"][:len(questions)]
    assert set(first) != questions  # not the questions first: the order says nothing
    assert not {"validation", "test"} & set(inputs)  # no labelled file is named


def test_reference_preprocessing_passes_part1_on_every_sample():
    data = get_dataset("tiny")
    inputs = quality.quality_inputs(data, random.Random(0))
    reference = quality.PART1.stage.drive(LocalHost(), inputs)
    assert reference == inputs["secret_preprocessed"]
    expected = quality.PART1.expect(inputs, reference)
    quality.PART1.stage.verdict(reference, expected, inputs)


@pytest.mark.parametrize("part", ["part2", "part3"])
def test_the_reference_runs_each_trained_bar_on_the_grading_path(part):
    """The flows the sandbox runs for Parts 2 and 3 (``hw_checks/quality.py``), with the grader's
    settings, give what the judge ranks. On ``tiny`` and one short epoch: this is about the
    path, not the figure (``python -m benchmarks quality_grading`` measures that)."""
    check = {"part2": quality.PART2, "part3": quality.PART3}[part]
    inputs = check.make_inputs(get_dataset("tiny"), random.Random(0))
    inputs["settings"].update(n_epochs=1, **({"rows": 2000} if part == "part3" else {}))
    outputs = check.stage.drive(LocalHost(), inputs)
    expected = check.expect(inputs, outputs)
    assert 0.0 < expected["hits"] <= 1.0
    check.stage.verdict(outputs, expected, inputs)
