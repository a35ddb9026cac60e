"""What a grade depends on besides the submission: the code that grades (the checks, the
reference, the data generator), the libraries it runs on, and the hidden data. The reference's
cache (``grader.cache``) and the shards of a batch (``grader.shards``) compare these: a grade is
only put beside another made with the same."""
from __future__ import annotations

import hashlib
import importlib
import platform
import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
# The packages a grade depends on: the grader, the checks, the data layer (the stand-in's
# generator), the instructor's reference flows, and the reference hw_utils.
GRADING_CODE = ("grader", "hw_checks", "sodata", "instructor", "hw_utils")
LIBRARIES = ("numpy", "scipy", "sklearn", "torch", "gensim")
CACHES = ("__pycache__", ".ipynb_checkpoints")  # what running the code writes beside it


def fingerprint(folder: Path, hash_limit: int = 64 * 2**20, skip: tuple[str, ...] = ()) -> str:
    """sha256 over the relative paths, modes and contents of every file under ``folder`` (size
    and modification time only for files over ``hash_limit``: the real data), leaving out the
    folders named in ``skip``."""
    digest = hashlib.sha256()
    for path in sorted(folder.rglob("*")):
        if path.is_file() and not path.is_symlink() and not set(skip) & set(path.parts):
            stat = path.stat()
            digest.update(f"{path.relative_to(folder)}\0{stat.st_mode:o}\0".encode(
                "utf-8", "surrogateescape"))
            if stat.st_size > hash_limit:
                digest.update(f"{stat.st_size}\0{stat.st_mtime_ns}".encode())
                continue
            with path.open("rb") as stream:
                while chunk := stream.read(2**20):
                    digest.update(chunk)
    return digest.hexdigest()


def code_fingerprint(root: Path, registry: str) -> str:
    """The grading code: ``GRADING_CODE`` of this repository, the reference ``hw_utils`` of
    ``root`` and the file of the registry (imported already: a test's lives in its ``root``)."""
    digest = hashlib.sha256()
    for name, folder in [*((n, REPO_ROOT / n) for n in GRADING_CODE), ("root", root / "hw_utils")]:
        digest.update(f"{name}\0{fingerprint(folder, skip=CACHES)}\0".encode())
    module = sys.modules[registry.partition(":")[0]]
    digest.update(Path(module.__file__).read_bytes())
    return digest.hexdigest()


def environment() -> dict[str, str]:
    """Python's and the numerical libraries' versions (a training's figures follow them)."""
    versions = {"python": platform.python_version()}
    for name in LIBRARIES:
        try:
            versions[name] = importlib.import_module(name).__version__
        except ImportError:
            versions[name] = "absent"
    return versions
