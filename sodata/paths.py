"""Where the data lives: the cache folder and the environment variables that choose it.

``data_dir()`` is ``$HW_DATA_DIR``, else ``data/`` at the repository root. ``$HW_DATA_MIRROR``
names a folder holding the real data's files (a course mirror), ``$HW_DATASET`` the data set the
notebooks, tests and grader use (see ``sodata.datasets``). ``writable_folder`` makes a folder to
write in, or says plainly why it cannot (a file in the way, a read-only folder).
"""
import os
import tempfile
from pathlib import Path

DATA_DIR_ENV = "HW_DATA_DIR"
MIRROR_ENV = "HW_DATA_MIRROR"
DATASET_ENV = "HW_DATASET"
REPO_ROOT = Path(__file__).resolve().parents[1]


class DataFolderError(OSError):
    """A folder the data must go to cannot be used; the message says why and what to do."""


def data_dir() -> Path:
    """The cache folder for all data: ``$HW_DATA_DIR``, else ``data/`` at the repository root."""
    return Path(os.environ.get(DATA_DIR_ENV) or REPO_ROOT / "data").resolve()


def file_in_the_way(folder: Path) -> str | None:
    """Why ``folder`` cannot be a folder (it, or a folder above it, is a file), or None."""
    for path in (folder, *folder.parents):
        if path.exists():
            if path.is_dir():
                return None
            if os.environ.get(DATA_DIR_ENV) and path == data_dir():
                return (f"{DATA_DIR_ENV}={path} is a file, not a folder: point {DATA_DIR_ENV} at "
                        f"a folder (it is created if missing), or unset it to use "
                        f"{REPO_ROOT / 'data'}")
            return f"{path} is a file, not a folder: move it away, or use another folder"
    return None


def writable_folder(folder: Path, instead: str) -> Path:
    """Create ``folder`` (and the folders above it) and check that files can be made in it;
    ``DataFolderError`` saying why not, ending with ``instead`` (what else the user can do)."""
    if problem := file_in_the_way(folder):
        raise DataFolderError(problem)
    try:
        folder.mkdir(parents=True, exist_ok=True)
        tempfile.TemporaryFile(dir=folder).close()
    except OSError as error:
        existing = next(path for path in (folder, *folder.parents) if path.exists())
        raise DataFolderError(f"cannot write in {existing} ({error.strerror}): make it writable, "
                              f"or {instead}") from None
    return folder
