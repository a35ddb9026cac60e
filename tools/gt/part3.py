"""Ground truth for Part 3: only values that do not depend on training (``python -m tools.make_gt``).

The NT-Xent loss on the fixed input of ``tests/task_tests/part3.py``, computed in float64 NumPy
from the formula, not with ``hw_utils``: an independent value to hold the student's loss against.
Part 3's Hits@K depend on training; they are graded by the quality bar on the real data instead.
"""
from sodata import Dataset
from tests.task_tests.part3 import (NT_XENT_ALPHAS, NT_XENT_DUPLICATES, NT_XENT_QUESTIONS,
                                    nt_xent_reference)


def common() -> dict:
    """``nt_xent_loss``: one value per temperature in ``NT_XENT_ALPHAS``."""
    return {"nt_xent_loss": [nt_xent_reference(NT_XENT_QUESTIONS, NT_XENT_DUPLICATES, alpha)
                             for alpha in NT_XENT_ALPHAS]}


def ground_truth(dataset: Dataset) -> dict:
    """Nothing data-dependent: Part 3's checks use fixed inputs."""
    return {}
