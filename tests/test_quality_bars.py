"""The course's quality bars as the grader applies them (``hw_checks/quality.py``): the
course's Hits@500, or the reference's less ``QUALITY_TOLERANCE`` where the data set puts the
reference itself below the bar; every validation sample ranked, each distinct text once."""
import random

import pytest

from hw_utils import recipes
from sodata import get_dataset
from hw_checks import quality
from hw_checks.framework import CheckFailure


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


def test_inputs_hold_every_sample_once_per_distinct_text():
    data = get_dataset("tiny")
    inputs = quality.quality_inputs(data, random.Random(0))
    from hw_checks.inputs import validation_of

    rows = validation_of(data)
    assert len(inputs["rows"]) == len(rows)
    assert quality.samples_of(inputs, inputs["texts"]) == [list(row) for row in rows]
    assert len(inputs["texts"]) == len(set(inputs["texts"])) < sum(map(len, rows))


def test_reference_preprocessing_passes_part1_on_every_sample():
    data = get_dataset("tiny")
    inputs = quality.quality_inputs(data, random.Random(0))
    reference = quality.observe_part1(inputs)
    assert reference["texts"] == inputs["preprocessed"]
    quality.judge_part1(reference, reference, inputs)
