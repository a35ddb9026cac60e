"""Submissions: a ``hw_utils/`` folder, a folder holding one, or a zip; copied before grading.

The grader copies every submission's ``hw_utils`` into a folder of its own (mode 0700) before
any submission's code runs, and mounts that copy read-only in the sandbox: a submission never
sees its original, the others' or their copies. Caches, symlinks and files over
``MAX_FILE_BYTES`` are not copied.
"""
import os
import shutil
import zipfile
from pathlib import Path

MAX_ZIP_BYTES = 512 * 2**20
MAX_FILE_BYTES = 64 * 2**20


class SubmissionError(Exception):
    """The submission cannot be graded at all (no ``hw_utils`` package, a bad zip)."""


def _ignore(directory: str, names: list[str]) -> list[str]:
    def skipped(name: str) -> bool:
        path = os.path.join(directory, name)
        return (name in ("__pycache__", ".ipynb_checkpoints") or name.endswith((".pyc", ".pyo"))
                or os.path.islink(path) or not (os.path.isfile(path) or os.path.isdir(path))
                or (os.path.isfile(path) and os.path.getsize(path) > MAX_FILE_BYTES))
    return [name for name in names if skipped(name)]


def extract_zip(path: Path, into: Path) -> Path:
    """Unpack a submission zip safely (no absolute or ``..`` paths, no links, size capped)."""
    try:
        with zipfile.ZipFile(path) as archive:
            members = archive.infolist()
            if sum(member.file_size for member in members) > MAX_ZIP_BYTES:
                raise SubmissionError(f"{path.name}: unpacks to more than {MAX_ZIP_BYTES >> 20} MB")
            root = into.resolve()
            for member in members:
                target = (into / member.filename).resolve()
                if root not in target.parents and target != root:
                    raise SubmissionError(f"{path.name}: unsafe path {member.filename!r}")
                if (member.external_attr >> 16) & 0o170000 == 0o120000:
                    raise SubmissionError(f"{path.name}: holds a symbolic link {member.filename!r}")
            archive.extractall(into)
    except zipfile.BadZipFile as error:
        raise SubmissionError(f"{path.name}: not a zip file ({error})") from None
    return into


def find_package(path: Path) -> Path:
    """The ``hw_utils`` package in a submission folder (itself, a child, or one level down)."""
    if path.name == "hw_utils" and (path / "__init__.py").is_file():
        return path
    for candidate in [path / "hw_utils", *sorted(path.glob("*/hw_utils"))]:
        if (candidate / "__init__.py").is_file() and not candidate.is_symlink():
            return candidate
    raise SubmissionError(f"no hw_utils package (hw_utils/__init__.py) in {path}")


def snapshot(submission: Path, into: Path) -> Path:
    """Copy the submission's ``hw_utils`` to ``into/hw_utils`` (``into`` is created 0700);
    returns ``into``, the folder to mount."""
    into.mkdir(mode=0o700, parents=True)
    if submission.suffix == ".zip" and submission.is_file():
        folder = extract_zip(submission, into / "unzipped")
    else:
        folder = submission
    if not folder.is_dir():
        raise SubmissionError(f"{submission}: not a folder or a zip")
    shutil.copytree(find_package(folder), into / "package" / "hw_utils", ignore=_ignore,
                    symlinks=False)
    shutil.rmtree(into / "unzipped", ignore_errors=True)
    return into / "package"


def list_batch(folder: Path) -> list[Path]:
    """The submissions of a batch folder: its sub-folders and zips (not hidden ones)."""
    if not folder.is_dir():
        raise SubmissionError(f"{folder}: not a folder of submissions")
    return sorted(p for p in folder.iterdir() if not p.name.startswith((".", "_"))
                  and not p.is_symlink() and (p.is_dir() or p.suffix == ".zip"))
