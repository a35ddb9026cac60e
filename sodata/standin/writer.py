"""Writing a data set atomically, describing it in a manifest, and reusing it when it matches.

A data set is written into a temporary folder beside its destination and renamed into place only
when every file is complete, so an interrupted or failed run leaves nothing half-written behind.
A lock file serialises concurrent runs on the same destination (where the OS offers ``fcntl``).
"""
import contextlib
import errno
import hashlib
import json
import os
import shutil
import tempfile
from collections.abc import Iterable, Iterator
from pathlib import Path

MANIFEST = "manifest.json"
CHUNK_ROWS = 2_000


def write_rows(path: Path, rows: Iterable[list[str]]) -> dict:
    """Write tab-separated ``rows`` to ``path``; returns ``rows``, ``questions``, ``sha256``, ``bytes``."""
    digest = hashlib.sha256()
    count = questions = size = 0
    with open(path, "wb") as handle:
        chunk: list[str] = []
        for row in rows:
            chunk.append("\t".join(row))
            count += 1
            questions += len(row)
            if len(chunk) == CHUNK_ROWS:
                size += _write_chunk(handle, chunk, digest)
                chunk = []
        if chunk:
            size += _write_chunk(handle, chunk, digest)
    return {"rows": count, "questions": questions, "sha256": digest.hexdigest(), "bytes": size}


def _write_chunk(handle, lines: list[str], digest) -> int:
    """Write ``lines`` (newline-terminated, UTF-8), feeding ``digest``; returns the bytes written."""
    data = ("\n".join(lines) + "\n").encode("utf-8")
    digest.update(data)
    handle.write(data)
    return len(data)


def read_manifest(folder: Path) -> dict | None:
    """The folder's manifest, or ``None`` when it has none or it is unreadable."""
    try:
        return json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def is_complete(folder: Path, identity: dict) -> bool:
    """``folder`` holds a data set made with ``identity`` whose files are all present and sized right."""
    manifest = read_manifest(folder)
    if manifest is None or any(manifest.get(key) != value for key, value in identity.items()):
        return False
    sizes = manifest.get("sizes", {})
    return bool(sizes) and all(
        (folder / name).is_file() and (folder / name).stat().st_size == size
        for name, size in sizes.items())


def write_manifest(folder: Path, manifest: dict) -> None:
    text = json.dumps(manifest, indent=2, sort_keys=True) + "\n"
    (folder / MANIFEST).write_text(text, encoding="utf-8")


@contextlib.contextmanager
def locked(out: Path) -> Iterator[None]:
    """Hold an exclusive lock beside ``out`` (no-op where ``fcntl`` is missing, e.g. Windows)."""
    try:
        import fcntl
    except ImportError:
        yield
        return
    lock_path = out.parent / f".{out.name}.lock"
    with open(lock_path, "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def check_destination(out: Path) -> None:
    """A clear error when ``out`` cannot hold a data set (a file, or a foreign non-empty folder)."""
    if out.exists() and not out.is_dir():
        raise NotADirectoryError(f"stand-in output path {out} is a file, not a folder: "
                                 "pass a folder path (it is created if missing)")
    for parent in out.parents:
        if parent.exists():
            if not parent.is_dir():
                raise NotADirectoryError(f"stand-in output path {out}: {parent} is a file")
            break
    if out.is_dir() and any(out.iterdir()) and read_manifest(out) is None:
        raise FileExistsError(f"stand-in output folder {out} is not empty and holds no stand-in "
                              f"manifest: refusing to replace it; pass a new or empty folder")


def atomic_folder(out: Path, fill) -> None:
    """Call ``fill(tmp)`` on a fresh temporary folder beside ``out``, then move it to ``out``.

    On any error the temporary folder is removed; a full disk becomes an ``OSError`` that says so.
    """
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.tmp-", dir=out.parent))
    try:
        umask = os.umask(0)
        os.umask(umask)
        tmp.chmod(0o777 & ~umask)  # mkdtemp makes it private; the data set is not
        fill(tmp)
        old = None
        if out.exists():
            old = Path(tempfile.mkdtemp(prefix=f".{out.name}.old-", dir=out.parent))
            os.replace(out, old / out.name)
        os.replace(tmp, out)
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)
    except OSError as error:
        shutil.rmtree(tmp, ignore_errors=True)
        if error.errno == errno.ENOSPC:
            raise OSError(errno.ENOSPC, f"no space left on the device while writing the stand-in "
                                        f"into {out}: free some space or pass another --out; "
                                        f"nothing was left behind") from error
        raise
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
