"""``from tests import TaskTests``: the course's grading harness (see ``tests/task_tests``)."""
from tests.task_tests import TaskTests

__all__ = ["TaskTests"]
