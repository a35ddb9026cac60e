"""What a graded stage is: a driver that calls the student's code and a judge of what came back.

    drive(host, inputs) -> outputs     calls the student's classes through ``host`` (hw_checks/
                                       host.py) with the check's inputs and returns what they
                                       returned: plain data, never a verdict. In the grader it
                                       runs in the grader's process, the student's objects in a
                                       sandbox; in a notebook both are here (``LocalHost``).
    judge(outputs, expected, inputs)   raises ``CheckFailure`` saying what was expected, what came
                                       and, where the output fits a usual mistake, which one.

``inputs`` and ``expected`` come from elsewhere: in the grader from ``grader/stages/``, computed
on data generated with a seed the student never had, with the reference (never shipped); in a
notebook from ``test_gt.json``. An input whose name starts with ``secret_`` is the judge's
alone: drivers never send it to the student's side (held-out data, hidden targets).
Nothing here computes a template's answer: judges compare with ``expected``.
"""
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from hw_checks.host import Host

Inputs = dict[str, Any]


class CheckFailure(AssertionError):
    """A check's verdict: the message says what was expected, what came, and why it matters."""


class NotAttempted(CheckFailure):
    """An optional stage (a bonus item) the submission does not attempt: no points, no fault."""


def fail(message: str) -> None:
    raise CheckFailure(message)


@dataclass(frozen=True)
class Stage:
    """One graded stage of the homework.

    Args:
        name: unique, ``"part1.embedder"``.
        part: ``"part1"``, ``"part2"``, ``"part3"`` or ``"bonus"``.
        weight: the stage's share of its part's points, relative to the part's other stages.
        course: the sentence of the course's assignment the stage enforces (quoted in failures).
        modules: the ``hw_utils`` modules the driver uses (imported first, apart from the work).
        drive: ``(host, inputs) -> outputs``.
        judge: ``(outputs, expected, inputs) -> None``, raises ``CheckFailure``.
        max_output_mb: the most the student's side may send back in one message.
    """

    name: str
    part: str
    weight: float
    course: str
    modules: tuple[str, ...]
    drive: Callable[[Host, Inputs], Any]
    judge: Callable[[Any, Any, Inputs], None]
    max_output_mb: int = 8

    def verdict(self, outputs: Any, expected: Any, inputs: Inputs) -> None:
        """``judge``, with the course's sentence appended to a failure."""
        try:
            self.judge(outputs, expected, inputs)
        except CheckFailure as failure:
            raise type(failure)(f"{failure}\n(The course: {self.course})") from None
