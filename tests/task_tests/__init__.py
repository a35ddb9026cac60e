"""TaskTests: one ``test_*`` method per homework stage, checked against ``test_gt.json``."""
from tests.task_tests.base import GroundTruth, TaskTestsBase
from tests.task_tests.bonus import BonusTests
from tests.task_tests.part1 import Part1Tests
from tests.task_tests.part2 import Part2Tests
from tests.task_tests.part3 import Part3Tests


class TaskTests(Part1Tests, Part2Tests, Part3Tests, BonusTests, TaskTestsBase):
    """All stages of the homework. ``TaskTests.from_json('test_gt.json')`` in a notebook."""


__all__ = ["GroundTruth", "TaskTests"]
