"""Where the data lives: the cache folder and the environment variables that choose it.

``data_dir()`` is ``$HW_DATA_DIR``, else ``data/`` at the repository root. ``$HW_DATA_MIRROR``
names a folder holding the real data's files (a course mirror), ``$HW_DATASET`` the data set the
notebooks, tests and grader use (see ``sodata.datasets``).
"""
import os
from pathlib import Path

DATA_DIR_ENV = "HW_DATA_DIR"
MIRROR_ENV = "HW_DATA_MIRROR"
DATASET_ENV = "HW_DATASET"
REPO_ROOT = Path(__file__).resolve().parents[1]


def data_dir() -> Path:
    """The cache folder for all data: ``$HW_DATA_DIR``, else ``data/`` at the repository root."""
    return Path(os.environ.get(DATA_DIR_ENV) or REPO_ROOT / "data").resolve()
