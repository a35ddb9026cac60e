"""Word vectors in word2vec's binary format (GoogleNews and the stand-in), gzipped or not.

The format: a header line ``"N D\\n"``, then for each of the N words its UTF-8 bytes, a space and
D little-endian float32 numbers (some writers add a newline after each vector).

``load_vectors(path, limit)`` is gensim's ``KeyedVectors.load_word2vec_format(binary=True)``:
the first ``limit`` words (the most frequent ones in GoogleNews). With ``keep_words`` the file is
streamed and only the vectors of those words are kept: the full 3M-word GoogleNews file then
needs memory for the kept words only (100,000 words x 300 floats = 120 MB) instead of 3.6 GB.
"""
import gzip
from collections.abc import Iterable
from pathlib import Path
from typing import BinaryIO

import numpy as np
from gensim.models import KeyedVectors

GZIP_MAGIC = b"\x1f\x8b"
CHUNK_BYTES = 1 << 20


def load_vectors(path: str | Path, limit: int | None = None,
                 keep_words: Iterable[str] | None = None) -> KeyedVectors:
    """Load word2vec binary vectors from ``path`` (``.gz`` or not).

    ``limit``: read only the first ``limit`` words of the file (None: all).
    ``keep_words``: keep only these words (among the first ``limit``), in the file's order;
    their vectors equal gensim's, and words the file lacks are simply absent.
    """
    if keep_words is None:
        return KeyedVectors.load_word2vec_format(str(path), binary=True, limit=limit)
    wanted = {word.encode("utf-8") for word in keep_words}
    with _open_maybe_gzip(path) as stream:
        words, raw, dim = _scan_word2vec(stream, path, limit, wanted)
    matrix = np.frombuffer(raw, dtype="<f4").reshape(len(words), dim)
    vectors = KeyedVectors(dim, count=len(words), dtype=np.float32)
    for word, row in zip(words, matrix):  # fills the preallocated rows: no extra copy
        vectors.add_vector(word, row)
    return vectors


def _open_maybe_gzip(path: str | Path) -> BinaryIO:
    """Open ``path`` for reading bytes, decompressing it when it starts like a gzip file."""
    with open(path, "rb") as probe:
        compressed = probe.read(2) == GZIP_MAGIC
    return gzip.open(path, "rb") if compressed else open(path, "rb")


def _scan_word2vec(stream: BinaryIO, path: str | Path, limit: int | None,
                   wanted: set[bytes]) -> tuple[list[str], bytearray, int]:
    """Stream a word2vec binary file; the wanted words, their vectors' bytes back to back
    (``len(words) * D`` float32) and D.

    Reads chunk by chunk, so memory holds one chunk plus the kept vectors. Stops early once
    every wanted word is found. The first occurrence of a repeated word wins, as in gensim.
    """
    header = stream.readline()
    try:
        count, dim = (int(field) for field in header.split())
    except ValueError:
        raise ValueError(f"{path}: the first line should be 'WORDS DIMENSIONS', got {header[:80]!r}; "
                         "is this a word2vec binary file?") from None
    count = count if limit is None else min(count, limit)
    row_bytes = 4 * dim
    words: list[str] = []
    rows = bytearray()
    seen: set[bytes] = set()
    buffer, start = b"", 0
    for index in range(count):
        if len(seen) == len(wanted):
            break
        while (space := buffer.find(b" ", start)) < 0 or len(buffer) - space - 1 < row_bytes:
            chunk = stream.read(CHUNK_BYTES)
            if not chunk:
                raise EOFError(f"{path} ends after {index:,} of the {count:,} words its header "
                               "announces: the file is truncated (an interrupted download?)")
            buffer, start = buffer[start:] + chunk, 0
        word = buffer[start:space].lstrip(b"\n")
        if word in wanted and word not in seen:
            seen.add(word)
            words.append(word.decode("utf-8"))
            rows += buffer[space + 1:space + 1 + row_bytes]
        start = space + 1 + row_bytes
    return words, rows, dim
