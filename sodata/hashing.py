"""The sha256 of a file: what the real data is pinned by and a stand-in's manifest records."""
import hashlib
from pathlib import Path

CHUNK_BYTES = 1 << 20


def sha256sum(path: Path) -> str:
    """The sha256 of a file, read in chunks (about 1.3 s per GB)."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while chunk := handle.read(CHUNK_BYTES):
            digest.update(chunk)
    return digest.hexdigest()
