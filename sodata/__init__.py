"""For everyone: the data layer (real assets and their download, the stand-in generator, readers).

Data for the homework: the real assets, the stand-in, readers, stopwords and word vectors.

- ``get_dataset(name)``: paths of one data set (``tiny``, ``sample``, ``full`` stand-in scales, or
  ``real``), generating the stand-in on first use. ``name=None`` reads ``$HW_DATASET`` and falls
  back to ``auto``: the real data when ``make data`` downloaded and verified it, else the
  ``sample`` stand-in (a stand-in on disk is reused when its files are what the generator wrote:
  the pinned sha256 of the default scales' corpus files, else its manifest's).
- ``read_corpus(path)``: a TSV as a list of rows (lists of strings); ``read_validation(path)``
  also checks the validation/test shape (question, duplicate, negatives).
- ``load_vectors(path, limit, keep_words)``: word2vec binary vectors as gensim ``KeyedVectors``.
- ``english_stopwords()``: NLTK's English stopword list (a shipped copy when NLTK's is missing).
- ``ASSETS``, ``download(name)``, ``download_all()``, ``require_real_data()``: the real data
  (``make data``; ``$HW_DATA_DIR`` is the cache folder, ``$HW_DATA_MIRROR`` a local mirror);
  ``python -m sodata verify`` hashes the downloaded and generated files again.

One module per job: ``paths`` (the cache folder, the environment variables), ``hashing``
(sha256 of a file), ``assets`` (the table of real files and the errors getting them),
``downloader`` (HTTP, Google Drive, the mirror, locks, progress, resume), ``archive`` (safe
unzip), ``verified`` (what ``make data`` checked), ``datasets`` (which data set, where),
``readers``, ``vectors``, ``stopwords``, and the generator in ``standin/``.
"""
from sodata.assets import ASSETS, Asset, AssetError, DataMissingError
from sodata.datasets import Dataset, get_dataset, resolve_dataset_name
from sodata.downloader import download, download_all
from sodata.paths import data_dir
from sodata.readers import CorpusFormatError, read_corpus, read_validation
from sodata.stopwords import english_stopwords
from sodata.verified import require_real_data

__all__ = [
    "ASSETS",
    "Asset",
    "AssetError",
    "CorpusFormatError",
    "DataMissingError",
    "Dataset",
    "data_dir",
    "download",
    "download_all",
    "english_stopwords",
    "get_dataset",
    "load_vectors",
    "read_corpus",
    "read_validation",
    "require_real_data",
    "resolve_dataset_name",
]


def __getattr__(name: str):
    """``load_vectors`` is imported on first use: gensim takes a second or two to import."""
    if name == "load_vectors":
        from sodata.vectors import load_vectors

        return load_vectors
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
