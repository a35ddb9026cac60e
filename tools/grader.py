"""Grade submissions: ``python -m tools.grader [--submission P | --batch DIR] [--seed N] [--unsafe]``.

The grader lives in ``tools/grading/``: ``core`` (hidden data, inputs, the reference's side,
grading), ``sandbox`` (bubblewrap and the limits), ``child`` (the sandbox's entry point),
``reference`` (the trusted reference process), ``judging``, ``points``, ``report``,
``submissions`` and ``cli``. The README's grader section says what it promises and how.
"""
import sys

from tools.grading.cli import main, run
from tools.grading.core import Grader, GraderConfig, grade, grade_batch
from tools.grading.report import CheckResult, Report, format_markdown, format_table

__all__ = ["CheckResult", "Grader", "GraderConfig", "Report", "format_markdown", "format_table",
           "grade", "grade_batch", "main"]

if __name__ == "__main__":
    sys.exit(run())
