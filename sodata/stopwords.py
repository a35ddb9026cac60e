"""English stopwords: NLTK's list when its corpus is installed, else the copy shipped here.

``english_stopwords.txt`` next to this module is NLTK's classic English list (179 words, the one
``nltk.corpus.stopwords.words('english')`` gave when the course was written), so preprocessing
gives the course's results offline and without ``nltk.download('stopwords')``.

``english_stopwords()`` (``source='auto'``) reads NLTK's corpus when NLTK finds it (its usual
places, ``$NLTK_DATA``, or ``data/nltk_data`` after ``python -m sodata download stopwords``)
and the shipped copy otherwise. Newer ``nltk_data`` releases extend the English list (contractions
such as "he'd", "they're"); when the installed list differs from the shipped one, a warning says
so, and ``source='shipped'`` gives the course's list everywhere. ``stopwords_source()`` tells
which file was used.
"""
import functools
import warnings
import zipfile
from pathlib import Path

from sodata.paths import data_dir

SHIPPED_LIST = Path(__file__).with_name("english_stopwords.txt")
SOURCES = ("auto", "nltk", "shipped")


def english_stopwords(source: str = "auto") -> frozenset[str]:
    """The English stopwords from ``source``: ``auto`` (NLTK's if installed, else shipped),
    ``nltk`` (NLTK's corpus; ``LookupError`` if it is not installed) or ``shipped``."""
    return _load(source)[0]


def stopwords_source(source: str = "auto") -> str:
    """Which file ``english_stopwords(source)`` reads (NLTK's corpus or the shipped copy)."""
    return _load(source)[1]


@functools.cache
def _load(source: str) -> tuple[frozenset[str], str]:
    """The words of ``source`` and the file they come from (read once per process)."""
    if source not in SOURCES:
        raise ValueError(f"unknown stopword source {source!r}: use one of {', '.join(SOURCES)}")
    shipped = _parse(SHIPPED_LIST.read_text(encoding="utf-8"))
    if source == "shipped":
        return shipped, str(SHIPPED_LIST)
    found = _read_nltk_english(_nltk_search_paths())
    if found is None:
        if source == "nltk":
            raise LookupError(
                "NLTK's stopwords corpus is not installed: run `python -m nltk.downloader "
                "stopwords` or `python -m sodata download stopwords` (both need the "
                "network), or use english_stopwords(source='shipped')")
        return shipped, str(SHIPPED_LIST)
    words, location = found
    if words != shipped:
        warnings.warn(
            f"NLTK's English stopword list ({location}, {len(words)} words) differs from the "
            f"course's ({len(shipped)} words): added {sorted(words - shipped)[:5]}..., removed "
            f"{sorted(shipped - words)[:5]}...; preprocessing results can differ slightly from "
            f"the course's. english_stopwords(source='shipped') gives the course's list.",
            stacklevel=3)
    return words, location


def _nltk_search_paths() -> list[str]:
    """The folders NLTK looks for data in (``nltk.data.path``) plus ``data/nltk_data``; [] without NLTK."""
    try:
        import nltk.data
    except ImportError:
        return []
    return [*nltk.data.path, str(data_dir() / "nltk_data")]


def _read_nltk_english(paths: list[str]) -> tuple[frozenset[str], str] | None:
    """NLTK's English list and where it was found: the first of ``PATH/corpora/stopwords/english``
    and ``english`` inside ``PATH/corpora/stopwords.zip`` over ``paths``, NLTK's own order; None if absent."""
    for folder in map(Path, paths):
        plain = folder / "corpora" / "stopwords" / "english"
        archive = folder / "corpora" / "stopwords.zip"
        try:
            if plain.is_file():
                return _parse(plain.read_text(encoding="utf-8")), str(plain)
            if archive.is_file():
                with zipfile.ZipFile(archive) as opened:
                    text = opened.read("stopwords/english").decode("utf-8")
                return _parse(text), f"{archive}/stopwords/english"
        except (OSError, KeyError, zipfile.BadZipFile, UnicodeDecodeError):
            continue  # unreadable: NLTK could not use it either
    return None


def _parse(text: str) -> frozenset[str]:
    """One word a line; blank lines ignored."""
    return frozenset(line.strip() for line in text.splitlines() if line.strip())
