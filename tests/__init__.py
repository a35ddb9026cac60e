"""For maintainers: the project's pytest suite (``tests/test_*.py``, ``make test``).

This file alone ships to students: the course's ``from tests import TaskTests`` (see ``hw_checks``).
"""
from hw_checks import TaskTests

__all__ = ["TaskTests"]
