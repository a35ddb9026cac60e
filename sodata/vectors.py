"""Word vectors in word2vec's binary format (GoogleNews and the stand-in), gzipped or not.

The format: a header line ``"N D\\n"``, then for each of the N words its UTF-8 bytes, a space and
D little-endian float32 numbers (some writers add a newline after each vector).

``load_vectors(path, limit)`` gives what gensim's ``KeyedVectors.load_word2vec_format(binary=True)``
gives: the first ``limit`` words (the most frequent ones in GoogleNews), in the file's order. With
``keep_words`` only the vectors of those words are kept: the full 3M-word GoogleNews file then
needs memory for the kept words only (100,000 words x 300 floats = 120 MB) instead of 3.6 GB.

One reader serves both (gensim's own loader would accept a repeated word, leaving ``None`` keys
and zero vectors, and NaN values), so both refuse the same files, raising an error that names
the file and the word or line and says what to do: ``EOFError`` when the file is truncated,
``VectorFileError`` (a ``ValueError``) for a bad header, word2vec's text format, a word that is
not text (a header whose dimension does not match the vectors), a word seen twice, a vector
holding NaN or infinite values, more words than the header announces (when the file is read to
its end: ``limit`` at least the announced count, and not stopped early by ``keep_words``), or a
damaged gzip.
"""
import gzip
import re
import zlib
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import BinaryIO

import numpy as np
from gensim.models import KeyedVectors

GZIP_MAGIC = b"\x1f\x8b"
CHUNK_BYTES = 1 << 20
CONTROL_BYTES = re.compile(rb"[\x00-\x1f]")
FIX = ("If it came from `make data`, run `make data` again: it checks the file and fetches it "
       "anew when it fails; a stand-in file is checked and generated again by get_dataset().")


class VectorFileError(ValueError):
    """A word-vector file is not sound word2vec binary; the message names it and what to do."""


def load_vectors(path: str | Path, limit: int | None = None,
                 keep_words: Iterable[str] | None = None) -> KeyedVectors:
    """Load word2vec binary vectors from ``path`` (``.gz`` or not: told by its first bytes).

    ``limit``: read only the first ``limit`` words of the file (None: all).
    ``keep_words``: keep only these words (among the first ``limit``), in the file's order; the
    reading stops once all are found, and words the file lacks are simply absent.
    """
    wanted = None if keep_words is None else {word.encode("utf-8") for word in keep_words}
    with _open_maybe_gzip(path) as stream:
        try:
            vectors, numbers = _read_word2vec(stream, path, limit, wanted)
        except (EOFError, gzip.BadGzipFile, zlib.error) as error:
            raise _damaged(path, error) from None
    finite = np.isfinite(vectors.vectors).all(axis=1)
    if not finite.all():
        position = int(np.flatnonzero(~finite)[0])
        raise VectorFileError(
            f"{path}: the vector of {vectors.index_to_key[position]!r} (word "
            f"{numbers[position]:,}) holds NaN or infinite values: the file is damaged. {FIX}")
    return vectors


def _read_word2vec(stream: BinaryIO, path: str | Path, limit: int | None,
                   wanted: set[bytes] | None) -> tuple[KeyedVectors, list[int]]:
    """The vectors of the first ``limit`` words (those in ``wanted`` when given) and each kept
    word's 1-based number in the file. Memory: one chunk plus the kept vectors, written straight
    into preallocated rows."""
    announced, dim, chunk = _check_start(stream, path)
    count = announced if limit is None else min(announced, limit)
    room = count if wanted is None else min(count, len(wanted))
    vectors = KeyedVectors(dim, count=room, dtype=np.float32)
    numbers: list[int] = []
    entries = _entries(stream, path, chunk, count, dim, check_end=count == announced)
    for number, word, row in entries:
        if wanted is None or word in wanted:
            vectors.add_vector(word.decode("utf-8"), np.frombuffer(row, dtype="<f4"))
            numbers.append(number)
            if wanted is not None and len(numbers) == len(wanted):
                break  # every wanted word found: the rest of the file is not read
    if len(numbers) < room:  # keep_words the file lacks: drop their empty rows
        vectors.vectors = vectors.vectors[:len(numbers)]
        vectors.index_to_key = vectors.index_to_key[:len(numbers)]
    return vectors, numbers


def _entries(stream: BinaryIO, path: str | Path, buffer: bytes, count: int, dim: int,
             check_end: bool) -> Iterator[tuple[int, bytes, bytes]]:
    """The first ``count`` words of the file after the header: each word's 1-based number, its
    UTF-8 bytes and its vector's ``4 * dim`` bytes; ``buffer`` holds what was read already.

    Every word must be text and new. With ``check_end``, nothing but white space may follow the
    last word (checked when the caller reads on to the end).
    """
    row_bytes = 4 * dim
    seen: dict[bytes, int] = {}
    start = 0
    for number in range(1, count + 1):
        while (space := buffer.find(b" ", start)) < 0 or len(buffer) - space - 1 < row_bytes:
            chunk = stream.read(CHUNK_BYTES)
            if not chunk:
                raise EOFError(f"{path} ends after {number - 1:,} of the {count:,} words its "
                               f"header announces: the file is truncated (an interrupted "
                               f"download?). {FIX}")
            buffer, start = buffer[start:] + chunk, 0
        word = buffer[start:space].lstrip(b"\n")
        _check_word(word, number, dim, path)
        if (first := seen.setdefault(word, number)) != number:
            raise VectorFileError(
                f"{path}: word {number:,} ({word.decode('utf-8')!r}) is word {first:,} again: a "
                f"word2vec file holds each word once (a damaged or concatenated file). {FIX}")
        yield number, word, buffer[space + 1:space + 1 + row_bytes]
        start = space + 1 + row_bytes
    if check_end and (buffer[start:] + stream.read(CHUNK_BYTES)).strip():
        raise VectorFileError(f"{path} holds more after its {count:,} announced words: the "
                              f"header's word count or dimension ({dim}) does not match the "
                              f"vectors. {FIX}")


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


def _check_word(word: bytes, number: int, dim: int, path: str | Path) -> None:
    """A word must be UTF-8 text without control characters; else the file is misread."""
    try:
        word.decode("utf-8")
        text = bool(word) and not CONTROL_BYTES.search(word)
    except UnicodeDecodeError:
        text = False
    if not text:
        raise VectorFileError(
            f"{path}: word {number:,} is not text ({word[:24]!r}): the header's dimension "
            f"({dim}) does not match the vectors, or the file is not word2vec binary. {FIX}")
