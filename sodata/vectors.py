"""Word vectors in word2vec's binary format (GoogleNews and the stand-in), gzipped or not.

The format: a header line ``"N D\\n"``, then for each of the N words its UTF-8 bytes, a space and
D little-endian float32 numbers (some writers add a newline after each vector).

``load_vectors(path, limit)`` is gensim's ``KeyedVectors.load_word2vec_format(binary=True)``:
the first ``limit`` words (the most frequent ones in GoogleNews). With ``keep_words`` the file is
streamed and only the vectors of those words are kept: the full 3M-word GoogleNews file then
needs memory for the kept words only (100,000 words x 300 floats = 120 MB) instead of 3.6 GB.

A file that is not sound raises an error naming it and what to do: ``EOFError`` when it is
truncated, ``VectorFileError`` (a ``ValueError``) for a bad header, word2vec's text format, a
header whose dimension does not match the vectors, a damaged gzip, or non-finite values.
"""
import gzip
import zlib
from collections.abc import Iterable
from pathlib import Path
from typing import BinaryIO

import numpy as np
from gensim.models import KeyedVectors

GZIP_MAGIC = b"\x1f\x8b"
CHUNK_BYTES = 1 << 20
CHECKED_WORDS = 100  # the first words are checked to be text: a wrong dimension shows at once
FIX = ("If it came from `make data`, run `make data` again: it checks the file and fetches it "
       "anew when it fails; a stand-in file is checked and generated again by get_dataset().")


class VectorFileError(ValueError):
    """A word-vector file is not sound word2vec binary; the message names it and what to do."""


def load_vectors(path: str | Path, limit: int | None = None,
                 keep_words: Iterable[str] | None = None) -> KeyedVectors:
    """Load word2vec binary vectors from ``path`` (``.gz`` or not).

    ``limit``: read only the first ``limit`` words of the file (None: all).
    ``keep_words``: keep only these words (among the first ``limit``), in the file's order;
    their vectors equal gensim's, and words the file lacks are simply absent.
    """
    if keep_words is None:
        return _load_with_gensim(path, limit)
    wanted = {word.encode("utf-8") for word in keep_words}
    with _open_maybe_gzip(path) as stream:
        try:
            words, raw, dim = _scan_word2vec(stream, path, limit, wanted)
        except (EOFError, gzip.BadGzipFile, zlib.error) as error:
            raise _damaged(path, error) from None
    matrix = np.frombuffer(raw, dtype="<f4").reshape(len(words), dim)
    if not np.isfinite(matrix).all():
        bad = words[int(np.flatnonzero(~np.isfinite(matrix).all(axis=1))[0])]
        raise VectorFileError(f"{path}: the vector of {bad!r} holds NaN or infinite values: the "
                              f"header's dimension ({dim}) does not match the vectors, or the file "
                              f"is damaged. {FIX}")
    vectors = KeyedVectors(dim, count=len(words), dtype=np.float32)
    for word, row in zip(words, matrix):  # fills the preallocated rows: no extra copy
        vectors.add_vector(word, row)
    return vectors


def _load_with_gensim(path: str | Path, limit: int | None) -> KeyedVectors:
    """gensim's loader, after a look at the start of the file; its errors name the file."""
    with _open_maybe_gzip(path) as stream:
        try:
            _check_start(stream, path)
        except (EOFError, gzip.BadGzipFile, zlib.error) as error:
            raise _damaged(path, error) from None
    try:
        return KeyedVectors.load_word2vec_format(str(path), binary=True, limit=limit)
    except (EOFError, gzip.BadGzipFile, zlib.error) as error:
        raise _damaged(path, error) from error
    except UnicodeDecodeError as error:
        raise VectorFileError(
            f"{path}: a word is not UTF-8 text ({error.reason}): the header's dimension does not "
            f"match the vectors, or the file is not word2vec binary. {FIX}") from error
    except ValueError as error:
        raise VectorFileError(f"{path}: not a word2vec binary file ({error}). {FIX}") from error


def _damaged(path: str | Path, error: Exception) -> Exception:
    """The error for a file that ends early or does not decompress."""
    if isinstance(error, EOFError) and str(error).startswith(str(path)):
        return error  # the scan's own message
    if isinstance(error, EOFError):
        return EOFError(f"{path} ends before the words its header announces ({error}): the file "
                        f"is truncated (an interrupted download?). {FIX}")
    return VectorFileError(f"{path} does not decompress ({error}): a damaged file, or one named "
                           f".gz that is not gzip-compressed. {FIX}")


def _open_maybe_gzip(path: str | Path) -> BinaryIO:
    """Open ``path`` for reading bytes, decompressing it when it starts like a gzip file."""
    with open(path, "rb") as probe:
        compressed = probe.read(2) == GZIP_MAGIC
    return gzip.open(path, "rb") if compressed else open(path, "rb")


def _read_header(stream: BinaryIO, path: str | Path) -> tuple[int, int]:
    """The word count and dimension from the first line."""
    header = stream.readline()
    try:
        count, dim = (int(field) for field in header.split())
    except ValueError:
        count = dim = 0
    if count <= 0 or dim <= 0:
        raise VectorFileError(f"{path}: the first line should be 'WORDS DIMENSIONS' (two positive "
                              f"numbers), got {header[:80]!r}; is this a word2vec binary file?")
    return count, dim


def _check_start(stream: BinaryIO, path: str | Path) -> tuple[int, int, bytes]:
    """Read the header and the first chunk; refuse word2vec's text format. Returns the count,
    the dimension and the chunk."""
    count, dim = _read_header(stream, path)
    chunk = stream.read(CHUNK_BYTES)
    first = chunk.split(b"\n", 1)[0].split()
    if len(first) >= 2 and all(_is_number(field) for field in first[1:]):
        raise VectorFileError(
            f"{path} is in word2vec's text format (numbers written out: {b' '.join(first[:3])!r} "
            f"...), not the binary format load_vectors reads: load it with "
            f"KeyedVectors.load_word2vec_format(path, binary=False), or save it as binary.")
    return count, dim, chunk


def _is_number(field: bytes) -> bool:
    try:
        float(field)
    except ValueError:
        return False
    return True


def _scan_word2vec(stream: BinaryIO, path: str | Path, limit: int | None,
                   wanted: set[bytes]) -> tuple[list[str], bytearray, int]:
    """Stream a word2vec binary file; the wanted words, their vectors' bytes back to back
    (``len(words) * D`` float32) and D.

    Reads chunk by chunk, so memory holds one chunk plus the kept vectors. Stops early once
    every wanted word is found. The first occurrence of a repeated word wins, as in gensim.
    The first ``CHECKED_WORDS`` words and every kept one must be text, and a file read to the
    end must hold nothing after its last vector.
    """
    announced, dim, buffer = _check_start(stream, path)
    count = announced if limit is None else min(announced, limit)
    row_bytes = 4 * dim
    words: list[str] = []
    rows = bytearray()
    seen: set[bytes] = set()
    start = 0
    for index in range(count):
        if len(seen) == len(wanted):
            break
        while (space := buffer.find(b" ", start)) < 0 or len(buffer) - space - 1 < row_bytes:
            chunk = stream.read(CHUNK_BYTES)
            if not chunk:
                raise EOFError(f"{path} ends after {index:,} of the {count:,} words its header "
                               f"announces: the file is truncated (an interrupted download?). {FIX}")
            buffer, start = buffer[start:] + chunk, 0
        word = buffer[start:space].lstrip(b"\n")
        kept = word in wanted and word not in seen
        if index < CHECKED_WORDS or kept:
            _check_word(word, index, dim, path)
        if kept:
            seen.add(word)
            words.append(word.decode("utf-8"))
            rows += buffer[space + 1:space + 1 + row_bytes]
        start = space + 1 + row_bytes
    else:
        if count == announced and (buffer[start:] + stream.read(CHUNK_BYTES)).strip():
            raise VectorFileError(f"{path} holds more after its {count:,} announced words: the "
                                  f"header's dimension ({dim}) or word count does not match the "
                                  f"vectors. {FIX}")
    return words, rows, dim


def _check_word(word: bytes, index: int, dim: int, path: str | Path) -> None:
    """A word must be UTF-8 text without control characters; else the file is misread."""
    try:
        text = word.decode("utf-8")
    except UnicodeDecodeError:
        text = None
    if not word or text is None or any(ord(char) < 32 for char in text):
        raise VectorFileError(
            f"{path}: word {index + 1:,} is not text ({word[:24]!r}): the header's dimension "
            f"({dim}) does not match the vectors, or the file is not word2vec binary. {FIX}")
