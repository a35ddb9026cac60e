"""For students and graders: the graded stages (shipped for self-checks, trusted by the grader).

``TaskTests`` holds the course's ``task_tests.test_*`` methods for the notebooks and
``test_stage(name)``, which runs a graded stage (``stages.STAGES``; each one's driver and judge
in ``part1.py`` ... ``bonus.py``, see ``stage.py``) on your ``hw_utils`` with the inputs and the
reference's answers stored in ``test_gt.json``.
"""
from hw_checks.base import GroundTruth, TaskTestsBase, skips_without_ground_truth
from hw_checks.part1 import Part1Tests
from hw_checks.part2 import Part2Tests


class TaskTests(Part1Tests, Part2Tests, TaskTestsBase):
    """All stages of the homework. ``TaskTests.from_json('test_gt.json')`` in a notebook."""

    @skips_without_ground_truth
    def test_stage(self, name: str) -> None:
        """Run the graded stage ``name`` (e.g. ``'part3.collate_fn'``) on your code, with the
        stored inputs, and judge it against the stored answers."""
        from hw_checks.host import LocalHost
        from hw_checks.stages import STAGES

        stages = {stage.name: stage for stage in STAGES}
        if name not in stages:
            raise KeyError(f"no stage {name!r}: the stages are {', '.join(stages)}")
        stored = self.gt["checks"][name]
        outputs = stages[name].drive(LocalHost(), stored["inputs"])
        stages[name].verdict(outputs, stored["expected"], stored["inputs"])


__all__ = ["GroundTruth", "TaskTests"]
