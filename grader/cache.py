"""The reference's side and the hidden data, computed once per seed and kept in a folder that
every grader of a batch shares (the jobs of a Slurm array, repeated runs).

``--cache DIR`` (``GraderConfig.cache``). The folder holds, for each seed, the hidden stand-in
(``data-seed<N>/``, generated once: ``sample`` takes a minute) and the trusted preparation's
results (``reference-<key>.bin``: each check's inputs, the reference's CPU seconds and expected
side), keyed by everything they follow from: the seed, the checks asked for, the data's
fingerprint, the grading code's and the libraries' versions. A grader that finds its key reads
the result; others wait on a lock while one computes it (a Slurm array's jobs start together).

The folder is the grader's alone, like its private folder: it holds the hidden data and the
reference's answers, and no sandbox mounts it. ``CACHE.json`` records the code that made it; a
grader running other code refuses the folder (its entries would be another grader's), and says
to start a new one.
"""
from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Callable
from pathlib import Path

from filelock import FileLock

STAMP = "CACHE.json"


class CacheRefused(RuntimeError):
    """The cache folder was made by other grading code, or is not a cache folder."""


class ReferenceCache:
    """A cache folder for grading code ``code`` (``provenance.code_fingerprint``) on libraries
    ``environment``; made if missing (mode 0700)."""

    def __init__(self, folder: Path, code: str, environment: dict[str, str]):
        self.folder = folder.resolve()
        if self.folder.exists() and not self.folder.is_dir():
            raise CacheRefused(f"--cache {folder}: not a folder")
        self.folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        made_by = {"code": code, "environment": environment}
        stamp = self.folder / STAMP
        with FileLock(self.folder / ".cache.lock"):
            if not stamp.exists():
                if any(path.name != ".cache.lock" for path in self.folder.iterdir()):
                    raise CacheRefused(f"--cache {folder} holds files but no {STAMP}: not a "
                                       f"grader's cache; name a new or empty folder")
                _write_atomic(stamp, json.dumps(made_by, indent=1).encode())
            recorded = json.loads(stamp.read_text(encoding="utf-8"))
        if recorded != made_by:
            differs = [key for key in made_by if recorded.get(key) != made_by[key]]
            raise CacheRefused(
                f"--cache {folder} was made by other grading code ({' and '.join(differs)} "
                f"differ: {STAMP} records code {str(recorded.get('code'))[:12]} on "
                f"{recorded.get('environment')}, this grader is {code[:12]} on {environment}); "
                f"its results would not be this grader's. Name a new folder (or remove it)")
        self.code, self.environment = code, environment

    def data_folder(self, seed: int) -> Path:
        """Where the hidden data of ``seed`` is generated (once: see ``lock``)."""
        return self.folder / f"data-seed{seed}"

    def lock(self, name: str) -> FileLock:
        """A lock of this folder's (shared by the graders on one file system)."""
        return FileLock(self.folder / f".{name}.lock")

    def reference(self, request: bytes, data: dict[str, str],
                  compute: Callable[[], bytes]) -> bytes:
        """The preparation's result for ``request`` (its job file's bytes) on data of the
        fingerprints ``data``: read from the cache, or ``compute()``d and kept."""
        key = hashlib.sha256(b"\0".join([
            request, self.code.encode(), json.dumps(self.environment, sort_keys=True).encode(),
            json.dumps(data, sort_keys=True).encode()])).hexdigest()
        path = self.folder / f"reference-{key[:32]}.bin"
        with self.lock(path.stem):
            if path.is_file():
                return path.read_bytes()
            result = compute()
            _write_atomic(path, result)
            return result


def _write_atomic(path: Path, content: bytes) -> None:
    """Whole or not at all, readable by the grader only."""
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "wb") as stream:
        stream.write(content)
    temporary.replace(path)
