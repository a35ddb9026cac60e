"""The files of one stand-in data set: their names, the rows written, the manifest describing
them, and the check that they are what the generator wrote.

``manifest.json`` records the scale, seed, generator version and knobs (the data set's identity),
row counts and each file's size and sha256. ``check_dataset`` trusts the generator before the
manifest: for the default scales and seed the corpus files' sha256 are pinned in the code
(``pins.py``), so a file changed together with its manifest is caught; other data sets are
checked against their manifest. Hashing costs about 0.13 s for the sample scale's 99 MB and 0.65 s
for full's 484 MB (2 cores, load average 1), cheap enough to do on every reuse.
"""
import hashlib
import json
from collections.abc import Iterable
from pathlib import Path

from sodata.hashing import sha256sum
from sodata.standin.config import SCALES
from sodata.standin.pins import PINS

MANIFEST = "manifest.json"
VECTORS_FILE = "standin-vectors-negative300.bin.gz"
CORPUS_FILES = ("train.tsv", "validation.tsv", "test.tsv")
DATASET_FILES = (*CORPUS_FILES, VECTORS_FILE, MANIFEST)
IDENTITY_KEYS = ("scale", "seed", "generator_version", "knobs", "wordfreq")
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
        manifest = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return manifest if isinstance(manifest, dict) else None


def write_manifest(folder: Path, manifest: dict) -> None:
    text = json.dumps(manifest, indent=2, sort_keys=True) + "\n"
    (folder / MANIFEST).write_text(text, encoding="utf-8")


def identity_of(manifest: dict) -> dict:
    """What makes the data set ``manifest`` describes: its scale, seed, versions and knobs."""
    return {key: manifest.get(key) for key in IDENTITY_KEYS}


def pinned_digests(identity: dict) -> dict[str, str] | None:
    """The pinned sha256 of the corpus files of the data set ``identity`` describes, or None when
    it is not pinned (knobs other than its scale's, another seed, another generator version)."""
    scale = identity.get("scale")
    if scale not in SCALES or identity.get("knobs") != SCALES[scale].as_dict():
        return None
    return PINS.get(identity.get("generator_version"), {}).get(f"{scale}/{identity.get('seed')}")


def check_dataset(folder: Path) -> tuple[str | None, str]:
    """Whether ``folder`` holds the files its manifest lists, as the generator wrote them: what is
    wrong (None when nothing), and what the sha256 were compared with.

    The pinned sha256 are used when the data set is pinned, unless its manifest says this
    machine's generator wrote other bytes than the pinned ones (``"pinned": false``); the
    manifest's otherwise.
    """
    manifest = read_manifest(folder)
    if manifest is None:
        return f"{folder} holds no readable {MANIFEST}", "nothing"
    sizes, digests = manifest.get("sizes") or {}, manifest.get("files") or {}
    if not sizes or set(sizes) != set(digests):
        return f"{folder / MANIFEST} lists no files, or sizes and sha256 for different files", "nothing"
    pins = pinned_digests(identity_of(manifest)) if manifest.get("pinned", True) else None
    pinned = (f"the generator's pinned sha256 (generator v{manifest.get('generator_version')}, "
              f"{manifest.get('scale')}, seed {manifest.get('seed')})")
    recorded = "the sha256 its manifest records"
    basis = f"{pinned}, the vectors against their manifest's" if pins else recorded
    expected = {**digests, **(pins or {})}
    for name in sorted(expected):
        path = folder / name
        try:
            if not path.is_file():
                return f"{path} is missing", basis
            size = path.stat().st_size
            if name in sizes and size != sizes[name]:
                return f"{path} holds {size:,} bytes, its manifest says {sizes[name]:,}", basis
            if sha256sum(path) != expected[name]:
                source = pinned if pins and name in pins else recorded
                return f"{path} changed since it was generated (its sha256 differs from {source})", basis
        except OSError as error:
            return f"{path} cannot be read ({error.strerror})", basis
    return None, basis
