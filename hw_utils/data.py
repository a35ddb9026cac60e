"""The data the parts read: ``read_corpus(path)``, the data sets and the real assets.

The downloads and the stand-in generator live in the package ``sodata``; this module is the
name the course's notebooks use for them.
"""
import contextlib
import io
import sys

import sodata
from sodata import (ASSETS, Dataset, english_stopwords, read_corpus, read_validation,
                    resolve_dataset_name)
from sodata.paths import REPO_ROOT

__all__ = ["ASSETS", "Dataset", "english_stopwords", "get_dataset", "load_vectors", "read_corpus",
           "read_validation", "resolve_dataset_name"]


class _Notes(io.TextIOBase):
    """What the data layer says on stderr, written to stdout as it comes, with the repository's
    path left out: in a notebook, a stand-in generated on first use is news, not an error."""

    def write(self, text: str) -> int:
        sys.stdout.write(text.replace(f"{REPO_ROOT}/", ""))
        return len(text)


def get_dataset(name: str | None = None) -> Dataset:
    """``sodata.get_dataset(name)``: the data set the notebooks use (a stand-in is generated on
    first use: about a minute for ``sample``, saying so on stdout)."""
    with contextlib.redirect_stderr(_Notes()):
        return sodata.get_dataset(name)


def __getattr__(name: str):
    return getattr(sodata, name)  # load_vectors: imported on first use (gensim is slow to import)
