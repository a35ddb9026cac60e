r"""Readers for the corpus files (UTF-8, tab-separated, one row a line).

``read_corpus`` reads any such file as it is; ``read_validation`` also checks the shape of the
validation and test files (question, duplicate, then negatives: at least 3 fields a row).
Windows line endings, a byte-order mark and a final newline are accepted. A file with no ``\n`` in
its first megabyte but a ``\r`` (old Mac line endings, Excel's "CSV for Mac") is read as one row
per ``\r``-ended line; in any other file a lone ``\r`` is data inside a field, never a row break, as
``\n`` is the format's line ending. A malformed file raises ``CorpusFormatError`` naming the file and
the 1-based line: bytes that are not UTF-8, a NUL byte, a title longer than ``MAX_TITLE_CHARS``
(a file whose line breaks are missing, or not a corpus), and for validation and test files a row
of fewer than 3 fields or with an empty one. ``iter_rows`` applies the same rules row by row
without keeping the rows (``make data`` checks the real files with it, ``sodata.shapes``).
"""
import codecs
import contextlib
import gc
from collections.abc import Iterator
from pathlib import Path

PROBE_BYTES = 1 << 20
# StackOverflow's titles have at most 150 characters; a field far longer is not a title.
MAX_TITLE_CHARS = 2_000
RANKING_FIELDS = 3  # a question, its duplicate, then negatives


class CorpusFormatError(ValueError):
    """A corpus file is malformed; the message names the file and the 1-based line."""

    def __init__(self, path: str | Path, line: int, reason: str) -> None:
        super().__init__(str(path), line, reason)
        self.path, self.line, self.reason = str(path), line, reason

    def __str__(self) -> str:
        return f"{self.path}, line {self.line}: {self.reason}"


def read_corpus(path: str | Path) -> list[list[str]]:
    """Read a tab-separated corpus: one list of fields per line (1M lines take 1-2 seconds).
    Empty fields are kept; a NUL byte or an over-long title raises ``CorpusFormatError``."""
    with _gc_paused():
        return list(iter_rows(path))


def iter_rows(path: str | Path, min_fields: int = 1, empty_fields: bool = True) -> Iterator[list[str]]:
    """The rows of a tab-separated file one by one, each checked: UTF-8, no NUL byte, no field
    over ``MAX_TITLE_CHARS`` characters, at least ``min_fields`` fields, and (``empty_fields``
    False) none of them empty; else ``CorpusFormatError`` naming the line."""
    ending = _line_ending(path)
    try:
        with open(path, encoding="utf-8-sig", newline=ending) as handle:
            for number, line in enumerate(handle, start=1):
                row = line.rstrip("\r\n").split("\t")
                # One cheap test per line (C speed); the field-by-field search only on failure.
                if ("\0" in line or len(line) > MAX_TITLE_CHARS or len(row) < min_fields
                        or not empty_fields and "" in row):
                    _check_row(path, number, row, min_fields, empty_fields)
                yield row
    except UnicodeDecodeError:
        raise _not_utf8_error(path, ending) from None


def _check_row(path: str | Path, number: int, row: list[str], min_fields: int,
               empty_fields: bool) -> None:
    """``CorpusFormatError`` for the first defect of ``row`` (line ``number``), if any."""
    if len(row) < min_fields:
        what = ("a question, its duplicate, then negatives" if min_fields == RANKING_FIELDS
                else "duplicate questions")
        raise CorpusFormatError(path, number, f"{len(row)} tab-separated field(s), expected at "
                                              f"least {min_fields} ({what})")
    for index, field in enumerate(row, start=1):
        if "\0" in field:
            raise CorpusFormatError(path, number, f"a NUL byte in field {index}: not text (a "
                                                  "binary or damaged file)")
        if len(field) > MAX_TITLE_CHARS:
            raise CorpusFormatError(
                path, number, f"field {index} holds {len(field):,} characters, more than the "
                              f"{MAX_TITLE_CHARS:,} a title can have: the file's line breaks or "
                              "tabs are missing, or it is not a corpus of titles")
        if not field and not empty_fields:
            raise CorpusFormatError(path, number, f"field {index} is empty")


def _line_ending(path: str | Path) -> str:
    r"""``"\r"`` for a file whose first megabyte holds a ``\r`` and no ``\n``, else ``"\n"``."""
    with open(path, "rb") as handle:
        head = handle.read(PROBE_BYTES)
    return "\r" if b"\r" in head and b"\n" not in head else "\n"


@contextlib.contextmanager
def _gc_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector, which building millions of small lists triggers
    over and over for nothing (it halves the reading time)."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _not_utf8_error(path: str | Path, ending: str = "\n") -> CorpusFormatError:
    """The error for a file that is not UTF-8, naming the line of the first undecodable byte."""
    raw = Path(path).read_bytes()
    try:
        raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        start = error.start + (len(codecs.BOM_UTF8) if raw.startswith(codecs.BOM_UTF8) else 0)
        line = raw.count(ending.encode(), 0, start) + 1
        return CorpusFormatError(path, line, f"not UTF-8 text (byte {raw[start]:#04x}); save the "
                                             "file as UTF-8")
    return CorpusFormatError(path, 1, "not UTF-8 text; save the file as UTF-8")


def read_validation(path: str | Path) -> list[list[str]]:
    """Read a validation or test file: rows of a question, its duplicate, then negatives.

    Raises ``CorpusFormatError`` for an empty file, a file that is not UTF-8, or a row with
    fewer than 3 fields or an empty one (besides ``read_corpus``'s checks).
    """
    with _gc_paused():
        rows = list(iter_rows(path, RANKING_FIELDS, empty_fields=False))
    if not rows:
        raise CorpusFormatError(path, 1, "the file is empty; expected rows of a question, its "
                                         "duplicate and negatives, separated by tabs")
    return rows
