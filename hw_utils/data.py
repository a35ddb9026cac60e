"""The data the parts read: ``read_corpus(path)``, the data sets and the real assets.

The downloads and the stand-in generator live in the package ``sodata``; this module is the
name the course's notebooks use for them.
"""
import sodata
from sodata import (ASSETS, Dataset, english_stopwords, get_dataset, read_corpus,
                    read_validation, resolve_dataset_name)

__all__ = ["ASSETS", "Dataset", "english_stopwords", "get_dataset", "load_vectors", "read_corpus",
           "read_validation", "resolve_dataset_name"]


def __getattr__(name: str):
    return getattr(sodata, name)  # load_vectors: imported on first use (gensim is slow to import)
