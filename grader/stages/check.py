"""A graded check: a stage of ``hw_checks`` (driver, judge, points) and how the grader prepares it.

    make_inputs(data, rng) -> inputs   on data generated with the hidden seed (``secret_*`` inputs
                                       stay with the judge); in the trusted preparation process
    expect                             ``"reference"``: the reference's outputs of the same driver
                                       on the same inputs; a function ``(inputs, the reference's
                                       outputs) -> expected`` of the grader's (never shipped); or
                                       ``None``
"""
import random
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from hw_checks.stage import Stage


class RunAgain(Exception):
    """The verdict is within noise of its threshold: run the check once more on ``inputs``
    (another training seed, what was measured so far among its ``secret_`` inputs)."""

    def __init__(self, inputs: dict, why: str):
        super().__init__(why)
        self.inputs = inputs


@dataclass(frozen=True)
class Check:
    """Args:
        stage: what is run and judged (``hw_checks``).
        make_inputs: ``(data, rng) -> inputs``; ``data`` is a ``sodata.Dataset``.
        expect: see the module's docstring.
        scale: the stand-in scale the inputs are drawn from (``tiny`` for the stages, the
            calibrated ``sample`` for the quality bars).
        runs: how many times the driver runs the student's code (outputs compared).
        applies: ``data -> bool``; where false the check counts as "n/a".
        quality_bar: the course's bar it grades (a key of ``recipes.QUALITY_BARS``).
        files: the data set's files the student's side reads (``"train"``, ``"vectors"``),
            mounted read-only in the sandbox; nothing else of the data set is.
        wants_expected: when given, the expected side is computed only once a submission's outputs
            make it true: a bonus item's baseline is trained only when some
            submission attempts the item.

    A judge whose verdict falls within noise of its threshold (a quality bar) may raise
    ``RunAgain``: the check then runs once more on the inputs it gives, and that run's verdict
    counts.
    """

    stage: Stage
    make_inputs: Callable[[Any, random.Random], dict]
    expect: Callable[[dict, Any], Any] | str | None = "reference"
    scale: str = "tiny"
    runs: int = 2
    applies: Callable[[Any], bool] = lambda data: True
    quality_bar: str | None = None
    files: tuple[str, ...] = ()
    wants_expected: Callable[[Any], bool] | None = None

    @property
    def name(self) -> str:
        return self.stage.name

    @property
    def part(self) -> str:
        return self.stage.part

    @property
    def weight(self) -> float:
        return self.stage.weight
