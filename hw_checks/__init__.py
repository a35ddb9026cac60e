"""For students and graders: the graded checks (shipped for self-checks, trusted by the grader).

TaskTests: the course's ``task_tests.test_*`` methods for the notebooks, and the graded checks
(``checks.CHECKS``, declared as data in the part modules; see framework.py)."""
from hw_checks.base import GroundTruth, TaskTestsBase, skips_without_ground_truth
from hw_checks.part1 import Part1Tests
from hw_checks.part2 import Part2Tests


class TaskTests(Part1Tests, Part2Tests, TaskTestsBase):
    """All stages of the homework. ``TaskTests.from_json('test_gt.json')`` in a notebook.

    Besides the course's ``test_*`` methods, ``test_stage(name)`` runs any graded check (e.g.
    ``'part3.collate_fn'``) on your ``hw_utils`` with the inputs and the reference's answers
    stored in the ground truth.
    """

    @skips_without_ground_truth
    def test_stage(self, name: str) -> None:
        from hw_checks.checks import CHECKS

        names = [check.name for check in CHECKS]
        if name not in names:
            raise KeyError(f"no check {name!r}: the checks are {', '.join(names)}")
        check = CHECKS[names.index(name)]
        stored = self.gt["checks"][name]
        check.verdict(check.observe(stored["inputs"]), stored["expected"], stored["inputs"])


__all__ = ["GroundTruth", "TaskTests"]
