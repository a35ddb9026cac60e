"""The ``user`` isolation's file system: what the student's side may read when it runs as an
unprivileged user instead of in a sandbox (a container without user namespaces, as
Gradescope's may be; the grader is root there).

Everything then hangs on permissions, so:

- the grader's private folder (and a ``--cache``) is ``0711``: other users can pass through it to
  a path they are given, not list it; inside it, everything is ``0700``/``0600`` except
- the trusted code snapshot (``0755``/``0644``: the same code a sandbox mounts), and the data
  files the checks read (the training file and the vectors, ``0644``); the hidden data's other
  files (the labelled ``validation.tsv``, ``test.tsv``, ``manifest.json`` with the seed) stay
  ``0600``, and so do the reference's inputs and answers;
- each submission runs as a user and group of its own (``FIRST_ID`` + its number): its copy is
  ``root:<its group>`` ``0750`` (readable, not writable, by it alone) and its working folder is
  its user's, so two submissions graded side by side cannot read or signal each other;
- ``check_reference_hidden`` refuses to grade where the student's user can read the reference
  ``hw_utils`` (a world-readable checkout): its code could import the answers.

The student's side still shares the machine's process table and network: it can read other
processes' command lines (``/proc/<pid>/cmdline``), so the grader refuses ``--seed`` on its own
command line under this isolation (``GRADER_SEED`` in the environment, which only its owner
reads, is taken instead).
"""
from __future__ import annotations

import os
import subprocess
import threading
from pathlib import Path

FIRST_ID = 61000  # uids and gids FIRST_ID .. FIRST_ID + COUNT - 1: not used on a usual system
COUNT = 4000


class ReferenceReadable(RuntimeError):
    """The student's user could read the reference's solution."""


def _open_path(path: Path, top: Path) -> None:
    """Let other users pass through (not list) every folder from ``path``'s parent up to
    ``top``."""
    for folder in [path.parent, *path.parent.parents]:
        folder.chmod(0o711)
        if folder == top:
            return
    raise ValueError(f"{path} is not under {top}")


def expose_data(root: Path, readable: set[Path], top: Path) -> None:
    """In the data set folder ``root`` (under ``top``), only the files of ``readable`` can be
    read by other users; ``root`` can be passed through, not listed."""
    for path in root.iterdir():
        path.chmod((0o644 if path in readable else 0o600) if path.is_file() else 0o700)
    root.chmod(0o711)
    _open_path(root, top)


def share_tree(folder: Path, top: Path) -> None:
    """``folder`` (under ``top``) readable by every user (the trusted code)."""
    for path in [folder, *folder.rglob("*")]:
        path.chmod(0o755 if path.is_dir() else 0o644)
    _open_path(folder, top)


class UserSpace:
    """Assigns each submission's package a user of its own and opens what it must read."""

    def __init__(self, private: Path):
        self.private = private
        self.ids: dict[Path, int] = {}
        self.lock = threading.Lock()
        private.chmod(0o711)

    def enter(self, package: Path) -> tuple[int, Path]:
        """(the user id, a fresh working folder) for grading ``package`` (a copy under the
        private folder: ``<copies>/<number>/package``)."""
        with self.lock:
            ident = self.ids.setdefault(package, FIRST_ID + len(self.ids) % COUNT)
        own = package.parent
        os.chown(own, 0, ident)
        own.chmod(0o750)
        _open_path(own, self.private)
        for path in [package, *package.rglob("*")]:
            path.chmod(0o755 if path.is_dir() else 0o644)
        workdirs = own / f"work-{len(list(own.glob('work-*')))}"
        workdirs.mkdir(mode=0o700)
        os.chown(workdirs, ident, ident)
        return ident, workdirs


def check_reference_hidden(reference: Path, ident: int = FIRST_ID) -> None:
    """Raise ``ReferenceReadable`` if user ``ident`` can read ``reference`` (a file)."""
    done = subprocess.run(["setpriv", f"--reuid={ident}", f"--regid={ident}", "--clear-groups",
                           "cat", str(reference)], capture_output=True, timeout=60)
    if done.returncode == 0:
        raise ReferenceReadable(
            f"{reference} can be read by other users: under --isolation user the student's code "
            f"could read the reference's answers. Make the repository (or a folder above it) "
            f"readable by its owner only (chmod 700), with the Python environment outside it "
            f"(as the Gradescope autograder's setup.sh does)")
