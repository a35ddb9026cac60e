"""Taking submissions in: a ``hw_utils/`` folder, a folder holding one, or a zip; each copied
before any code runs, so nothing a submission holds can be turned against the grader or the batch.

- Only regular files are copied: a symbolic link anywhere is left out (and said so), never
  followed; the package found must lie inside the submission (no link leads elsewhere).
- Zips: no absolute or ``..`` paths, no links, at most ``MAX_MEMBERS`` members and
  ``MAX_ZIP_BYTES`` unpacked; folders deeper than ``MAX_DEPTH`` are left out; caches and files
  over ``MAX_FILE_BYTES`` are not copied.
- A submission that cannot be taken in is a row with the reason; the batch goes on.
- Names are kept as given for the report, made unique, and given a ``slug`` (letters, digits,
  ``._-``) for the paths that hold their reports.
"""
from __future__ import annotations

import os
import re
import shutil
import stat
import zipfile
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

MAX_ZIP_BYTES = 512 * 2**20
MAX_MEMBERS = 20_000
MAX_FILE_BYTES = 64 * 2**20
MAX_DEPTH = 32
SKIPPED_NAMES = ("__pycache__", ".ipynb_checkpoints")
SKIPPED_SUFFIXES = (".pyc", ".pyo")


class SubmissionError(Exception):
    """The submission cannot be graded at all (no ``hw_utils`` package, a bad zip)."""


@dataclass
class Submission:
    name: str  # as given (made unique)
    slug: str  # for paths
    origin: Path
    package: Path  # the copy's folder holding hw_utils/
    notes: list[str] = field(default_factory=list)


def slug_of(name: str, taken: set[str]) -> str:
    """A file-name-safe, unique form of ``name``."""
    base = re.sub(r"[^A-Za-z0-9._-]", "_", name).strip("._-")[:80] or "submission"
    slug, number = base, 1
    while slug.lower() in taken:
        number += 1
        slug = f"{base}-{number}"
    taken.add(slug.lower())
    return slug


def unique_names(names: list[str]) -> list[str]:
    """``names`` in order, a repeated one numbered: ``x``, ``x (2)``."""
    seen: set[str] = set()
    unique = []
    for name in names:
        candidate, number = name, 1
        while candidate in seen:
            number += 1
            candidate = f"{name} ({number})"
        seen.add(candidate)
        unique.append(candidate)
    return unique


def intake(submissions: list[tuple[str, Path]], into: Path, isolation: str = "bwrap"
           ) -> list[Submission | tuple[str, str]]:
    """Copy every submission under ``into``; a ``Submission`` each, or (name, reason)."""
    taken: list[Submission | tuple[str, str]] = []
    slugs: set[str] = set()
    names = unique_names([name for name, _ in submissions])
    for index, (unique, (_, path)) in enumerate(zip(names, submissions)):
        try:
            package, notes = snapshot(Path(path), into / str(index))
            if isolation == "user":
                _readable(into / str(index))
            taken.append(Submission(unique, slug_of(unique, slugs), Path(path), package, notes))
        except (SubmissionError, OSError, zipfile.BadZipFile, RecursionError, ValueError) as error:
            taken.append((unique, f"{type(error).__name__}: {error}"))
    return taken


def snapshot(submission: Path, into: Path) -> tuple[Path, list[str]]:
    """Copy the submission's ``hw_utils`` to ``into/package/hw_utils``; (the folder to mount,
    notes about what was left out)."""
    into.mkdir(mode=0o700, parents=True)
    notes: list[str] = []
    if submission.is_symlink():
        raise SubmissionError(f"{submission} is a symbolic link: a submission is a folder or a "
                              f"zip of regular files")
    if submission.suffix == ".zip" and submission.is_file():
        folder = extract_zip(submission, into / "unzipped")
    elif submission.is_dir():
        folder = submission
    else:
        raise SubmissionError(f"{submission}: not a folder or a zip")
    package = find_package(folder)
    copy_regular_files(package, into / "package" / "hw_utils", notes)
    shutil.rmtree(into / "unzipped", ignore_errors=True)
    return into / "package", notes


def extract_zip(path: Path, into: Path) -> Path:
    """Unpack a submission zip safely (no absolute or ``..`` paths, no links, capped)."""
    try:
        with zipfile.ZipFile(path) as archive:
            members = archive.infolist()
            if len(members) > MAX_MEMBERS:
                raise SubmissionError(f"{path.name}: {len(members)} members (at most "
                                      f"{MAX_MEMBERS})")
            if sum(member.file_size for member in members) > MAX_ZIP_BYTES:
                raise SubmissionError(f"{path.name}: unpacks to more than {MAX_ZIP_BYTES >> 20} MB")
            for member in members:
                parts = PurePosixPath(member.filename.replace("\\", "/")).parts
                if member.filename.startswith(("/", "\\")) or ".." in parts or (
                        parts and ":" in parts[0]):
                    raise SubmissionError(f"{path.name}: unsafe path {member.filename!r}")
                if stat.S_ISLNK(member.external_attr >> 16):
                    raise SubmissionError(f"{path.name}: holds a symbolic link "
                                          f"{member.filename!r}")
                if len(parts) > MAX_DEPTH:
                    raise SubmissionError(f"{path.name}: {member.filename!r} is nested deeper "
                                          f"than {MAX_DEPTH} folders")
            archive.extractall(into)
    except zipfile.BadZipFile as error:
        raise SubmissionError(f"{path.name}: not a zip file ({error})") from None
    return into


def find_package(folder: Path) -> Path:
    """The ``hw_utils`` package of a submission folder (itself, a child, or one level down),
    reached through real folders only."""
    candidates = [folder] if folder.name == "hw_utils" else []
    candidates.append(folder / "hw_utils")
    try:
        children = sorted(p for p in folder.iterdir() if p.is_dir() and not p.is_symlink())
    except OSError as error:
        raise SubmissionError(f"{folder}: cannot be read ({error})") from None
    candidates += [child / "hw_utils" for child in children]
    root = folder.resolve()
    for candidate in candidates:
        through_links = any(p.is_symlink() for p in (candidate, candidate.parent))
        if through_links or not (candidate / "__init__.py").is_file() or \
                (candidate / "__init__.py").is_symlink():
            continue
        if candidate.resolve() == root or root in candidate.resolve().parents:
            return candidate
    raise SubmissionError(f"no hw_utils package (hw_utils/__init__.py, a regular file in a real "
                          f"folder) in {folder}")


def copy_regular_files(source: Path, target: Path, notes: list[str]) -> None:
    """Copy the regular files under ``source`` (no links followed, no caches, nothing past
    ``MAX_DEPTH`` or ``MAX_FILE_BYTES``), saying in ``notes`` what was left out."""
    todo = [(source, target, 0)]
    while todo:
        folder, out, depth = todo.pop()
        out.mkdir(parents=True, exist_ok=True)
        for entry in sorted(os.scandir(folder), key=lambda e: e.name):
            shown = repr(os.path.relpath(entry.path, source))
            if entry.name in SKIPPED_NAMES or entry.name.endswith(SKIPPED_SUFFIXES):
                continue
            if entry.is_symlink():
                notes.append(f"left out {shown}: a symbolic link (submissions are regular files)")
            elif entry.is_dir(follow_symlinks=False):
                if depth + 1 >= MAX_DEPTH:
                    notes.append(f"left out {shown}: nested deeper than {MAX_DEPTH} folders")
                else:
                    todo.append((Path(entry.path), out / entry.name, depth + 1))
            elif entry.is_file(follow_symlinks=False):
                if entry.stat(follow_symlinks=False).st_size > MAX_FILE_BYTES:
                    notes.append(f"left out {shown}: over {MAX_FILE_BYTES >> 20} MB")
                else:
                    shutil.copyfile(entry.path, out / entry.name, follow_symlinks=False)
            else:
                notes.append(f"left out {shown}: not a regular file")


def _readable(folder: Path) -> None:
    """Let another user read (not write) ``folder``: the student's side as ``user``."""
    for path in [folder, *folder.rglob("*")]:
        path.chmod(0o755 if path.is_dir() else 0o644)


def batch_entries(folder: Path) -> list[tuple[str, Path]]:
    """(name, path) of each submission of a batch folder, in ``list_batch``'s order: a zip's name
    without ``.zip``, names made unique over the whole batch (a shard of it names them alike)."""
    paths = list_batch(folder)
    names = unique_names([path.stem if path.suffix == ".zip" else path.name for path in paths])
    return list(zip(names, paths))


def list_batch(folder: Path) -> list[Path]:
    """The submissions of a batch folder: its sub-folders and zips (not hidden ones, not links)."""
    if not folder.is_dir():
        raise SubmissionError(f"{folder}: not a folder of submissions")
    return sorted(p for p in folder.iterdir() if not p.name.startswith((".", "_"))
                  and not p.is_symlink() and (p.is_dir() or p.suffix == ".zip"))
