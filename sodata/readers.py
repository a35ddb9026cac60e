r"""Readers for the corpus files (UTF-8, tab-separated, one row a line).

``read_corpus`` reads any such file as it is; ``read_validation`` also checks the shape of the
validation and test files (question, duplicate, then negatives: at least 3 fields a row).
Windows line endings, a byte-order mark and a final newline are accepted. A file with no ``\n`` in
its first megabyte but a ``\r`` (old Mac line endings, Excel's "CSV for Mac") is read as one row
per ``\r``-ended line; in any other file a lone ``\r`` is data inside a field, never a row break, as
``\n`` is the format's line ending. A malformed file raises ``CorpusFormatError`` naming the file and
the 1-based line.
"""
import codecs
import contextlib
import gc
from collections.abc import Iterator
from pathlib import Path

PROBE_BYTES = 1 << 20


class CorpusFormatError(ValueError):
    """A corpus file is malformed; the message names the file and the 1-based line."""

    def __init__(self, path: str | Path, line: int, reason: str) -> None:
        super().__init__(str(path), line, reason)
        self.path, self.line, self.reason = str(path), line, reason

    def __str__(self) -> str:
        return f"{self.path}, line {self.line}: {self.reason}"


def read_corpus(path: str | Path) -> list[list[str]]:
    """Read a tab-separated corpus: one list of fields per line (1M lines take 1-2 seconds)."""
    ending = _line_ending(path)
    try:
        with open(path, encoding="utf-8-sig", newline=ending) as handle, _gc_paused():
            return [line.rstrip("\r\n").split("\t") for line in handle]
    except UnicodeDecodeError:
        raise _not_utf8_error(path, ending) from None


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
    fewer than 3 fields.
    """
    rows = read_corpus(path)
    if not rows:
        raise CorpusFormatError(path, 1, "the file is empty; expected rows of a question, its "
                                         "duplicate and negatives, separated by tabs")
    for number, row in enumerate(rows, start=1):
        if len(row) < 3:
            raise CorpusFormatError(
                path, number, f"{len(row)} tab-separated field(s), expected at least 3 (a "
                              "question, its duplicate, then negatives)")
    return rows
