"""What a graded check is, for the grader (``tools/grader.py``)."""
from dataclasses import dataclass
from typing import Callable

from sodata import Dataset


@dataclass(frozen=True)
class GradedCheck:
    """One graded stage.

    ``observe(dataset)`` runs in the submission's own process: it imports ``hw_utils`` (the
    submission's), builds the objects the way the notebook does, and returns
    ``TaskTests.observe_<stage>(...)``: a JSON-serialisable dict. ``check`` names the TaskTests
    method the grader then calls in its own process with that dict.
    """

    name: str  # unique, "part1.embedder"
    part: str  # "part1" | "part2" | "part3" | "bonus"
    observe: Callable[[Dataset], dict]
    check: str  # "check_embedder"
    timeout_s: float = 120.0
