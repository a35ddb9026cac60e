"""What a check is: declared as data, run on the submission, judged by whoever holds the answers.

A check has three halves that run in three places:

    make_inputs(data, rng) -> inputs     the grader (trusted): chooses the inputs from the data it
                                          grades on (a stand-in made with a seed the student never
                                          had) and a random generator; JSON-able
    observe(inputs) -> outputs           the submission's process (in the grader: a sandbox).
                                          Imports ``hw_utils`` (the submission's there, the
                                          reference in the grader's trusted run), builds the
                                          objects the way the notebook does, runs them on
                                          ``inputs`` and returns *raw* outputs only: strings,
                                          numbers, lists of them. No verdicts, no expected values.
    judge(outputs, expected, inputs)     the grader (trusted) or ``TaskTests`` (a notebook):
                                          raises ``CheckFailure`` saying what was expected, what
                                          came and the course's sentence it enforces.

``expected`` is ``expect(inputs)`` run where the reference ``hw_utils`` is importable: by default
the same ``observe`` (the reference's raw outputs on the same inputs); a check whose verdict
needs no reference (a loss fell, a formula holds) sets ``expect=None`` and gets ``None``.

Every check fails only for its own stage: the objects it does not test come from the reference
(``reference()`` below gives them in the child), and where the course leaves a convention open
the judge accepts every reasonable one.
"""
import importlib
import random
from collections.abc import Callable
from dataclasses import dataclass
from types import ModuleType
from typing import Any

Inputs = dict[str, Any]
Outputs = Any


class CheckFailure(AssertionError):
    """A check's verdict: the message says what was expected, what came, and why it matters."""


@dataclass(frozen=True)
class Check:
    """One graded stage of the homework.

    Args:
        name: unique, ``"part1.embedder"``.
        part: ``"part1"``, ``"part2"``, ``"part3"`` or ``"bonus"``.
        weight: the check's share of its part's points, relative to the part's other checks
            (0: run and reported, worth nothing).
        course: the sentence of the course's assignment the check enforces.
        make_inputs: ``(data, rng) -> inputs``; ``data`` is a ``sodata.Dataset``.
        observe: ``inputs -> outputs``, runs the submission's code.
        judge: ``(outputs, expected, inputs) -> None``, raises ``CheckFailure``.
        expect: ``inputs -> expected``, run with the reference; ``"observe"`` (the default)
            means ``observe`` itself; ``"module:function"`` names instructor-only code that
            students do not have; ``None``: the judge needs no reference.
        reference_seconds: about how long ``observe`` takes with the reference on the grader's
            inputs on one core; the grader allows a hundred times as much (slow but correct
            passes).
        wants_expected: ``outputs -> bool``; the grader computes ``expected`` only when it is
            true (a bonus item not attempted needs no baseline trained).
        applies: ``data -> bool``; where false (a quality bar on data it was not calibrated
            for) the check is not run and counts as "n/a".
        scale: the stand-in scale the grader draws this check's inputs from (the stages need
            little data: ``tiny``; the quality bars need the calibrated ``sample``).
        quality_bar: the course's quality bar it grades (a key of ``recipes.QUALITY_BARS``);
            the grader runs these only when asked (``make check QUALITY=1``): they train
            whole parts on a larger stand-in.
    """

    name: str
    part: str
    weight: float
    course: str
    make_inputs: Callable[[Any, random.Random], Inputs]
    observe: Callable[[Inputs], Outputs]
    judge: Callable[[Outputs, Any, Inputs], None]
    expect: Callable[[Inputs], Any] | str | None = "observe"
    reference_seconds: float = 1.0
    wants_expected: Callable[[Outputs], bool] = lambda outputs: True
    applies: Callable[[Any], bool] = lambda data: True
    scale: str = "tiny"
    quality_bar: str | None = None

    def expected(self, inputs: Inputs) -> Any:
        """The reference's side of the verdict (call it where the reference is importable)."""
        if self.expect is None:
            return None
        expect = self.expect
        if expect == "observe":
            expect = self.observe
        elif isinstance(expect, str):  # "module:function", the grader's code (not shipped)
            module, _, name = expect.partition(":")
            expect = getattr(importlib.import_module(module), name)
        return expect(inputs)

    def verdict(self, outputs: Outputs, expected: Any, inputs: Inputs) -> None:
        """``judge``, with the course's sentence appended to a failure."""
        try:
            self.judge(outputs, expected, inputs)
        except CheckFailure as failure:
            raise CheckFailure(f"{failure}\n(The course: {self.course})") from None


def submission(module: str) -> ModuleType:
    """``hw_utils.<module>`` as the process sees it: the submission's in the sandbox."""
    return importlib.import_module(f"hw_utils.{module}")


def fail(message: str) -> None:
    raise CheckFailure(message)
