"""Which data set a notebook, a test or the grader works on, and where its files are."""
import os
from dataclasses import dataclass
from pathlib import Path

from sodata.assets import ASSETS, DataMissingError
from sodata.paths import DATASET_ENV, data_dir
from sodata.standin import SCALES, VECTORS_FILE, generation_of
from sodata.standin import generate as generate_standin
from sodata.standin.config import folder_name
from sodata.verified import require_real_data

DATASET_NAMES = (*SCALES, "real")


@dataclass(frozen=True)
class Dataset:
    """The files of one data set.

    ``vectors_limit`` is the ``limit`` to pass to ``KeyedVectors.load_word2vec_format``
    (the course loads the 500,000 most frequent GoogleNews words).
    """

    name: str
    root: Path
    train: Path
    validation: Path
    test: Path
    vectors: Path
    vectors_limit: int | None
    is_standin: bool

    def describe(self) -> str:
        """One line for notebooks and reports: which data this is."""
        if self.is_standin:
            return (f"stand-in data, scale '{self.name}' ({self.root}): generated, NOT the real "
                    "StackOverflow data; its numbers are not comparable with the course's")
        return f"real StackOverflow data ({self.root}) with GoogleNews vectors ({self.vectors.name})"


def standin_root(scale: str, seed: int = 0, knobs: dict | None = None) -> Path:
    """The default folder of a stand-in, named after its scale, seed and the knobs that differ
    from the scale's (``knobs``: a ``Knobs.as_dict()``)."""
    return data_dir() / folder_name(scale, seed, knobs)


def real_data_present() -> bool:
    """Whether every file of the real data set is in the cache folder as `make data` verified it
    (a ``stat`` per file against the marker; a truncated or changed file does not count)."""
    try:
        require_real_data()
    except DataMissingError:
        return False
    return True


def resolve_dataset_name(name: str | None = None) -> str:
    """``name``, else ``$HW_DATASET``, else ``auto``; ``auto`` is ``real`` when downloaded and
    verified by ``make data``, else ``sample``."""
    name = (name or os.environ.get(DATASET_ENV) or "auto").strip().lower()
    if name == "auto":
        return "real" if real_data_present() else "sample"
    if name not in DATASET_NAMES:
        raise ValueError(f"unknown data set {name!r} (from the argument or $HW_DATASET): "
                         f"use one of {', '.join(DATASET_NAMES)} or 'auto'")
    return name


def get_dataset(name: str | None = None, seed: int = 0, generate: bool = True) -> Dataset:
    """The data set called ``name`` (see ``resolve_dataset_name``).

    A stand-in scale that is not on disk yet is generated (``generate=True``), which takes
    seconds for ``tiny`` and about a minute for ``sample``; one on disk is reused when its files
    are sound (the generator's pinned sha256, else its manifest's). Its paths are those of one
    generation of the data set: a regeneration by another process never mixes files under the
    caller. The real data must have been downloaded and verified (``make data``); otherwise the
    error says how.
    """
    name = resolve_dataset_name(name)
    if name == "real":
        root = data_dir() / ASSETS["stackoverflow"].extract_dir
        [vectors] = ASSETS["googlenews"].used_files(data_dir())
        require_real_data()
        return Dataset(name, root, root / "train.tsv", root / "validation.tsv", root / "test.tsv",
                       vectors, 500_000, is_standin=False)
    named = standin_root(name, seed)
    if generate:
        generate_standin(scale=name, seed=seed, out=named)
    root = generation_of(named)  # every file from one generation, whatever is swapped in later
    return Dataset(name, root, root / "train.tsv", root / "validation.tsv", root / "test.tsv",
                   root / VECTORS_FILE, None, is_standin=True)
