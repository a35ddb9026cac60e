"""The stand-in: a deterministic StackOverflow-like data set in the real data's formats.

The real data (StackOverflow duplicate questions, GoogleNews vectors) is large and must be
downloaded; the stand-in is generated in seconds and is what the tests, CI, nbval and ``make demo``
run on. ``generate(scale, seed, out)`` writes, in the folder ``out`` names (see ``folders``):

- ``train.tsv``: rows of tab-separated duplicate questions (mostly 2 per row, up to 6);
- ``validation.tsv``, ``test.tsv``: rows of question, duplicate, then negatives;
- ``standin-vectors-negative300.bin.gz``: 300-d word2vec binary vectors (gensim ``Word2Vec``
  trained on a separate generated background text), loadable with
  ``KeyedVectors.load_word2vec_format(path, binary=True)``;
- ``manifest.json``: scale, seed, generator version, knobs, row counts, each file's sha256.

Same scale, seed and knobs give byte-identical files: the corpus files on any machine (their sha256
for the default scales are pinned in ``pins.py``), the vectors with the same gensim and numpy (other
versions train slightly other vectors). The numbers measured on the stand-in are not the real
data's. Knobs: see ``sodata.standin.config.Knobs``.
"""
import sys
import time
from pathlib import Path

from sodata.hashing import sha256sum
from sodata.paths import DATA_DIR_ENV, data_dir, writable_folder
from sodata.standin.config import GENERATOR_VERSION, SCALES, VECTOR_SIZE, Knobs, make_knobs
from sodata.standin.corpus import NegativePool, ranking_rows, train_rows
from sodata.standin.folders import (adopt, check_destination, generation_of, locked, replace,
                                    replaceable, reusable, sweep_stale)
from sodata.standin.rand import Rand, make_rng
from sodata.standin.titles import World
from sodata.standin.vectors import background_corpus, train_vectors, write_vectors
from sodata.standin.vocabulary import wordfreq_version
from sodata.standin.writer import (CORPUS_FILES, VECTORS_FILE, pinned_digests, write_manifest,
                                   write_rows)

# Independent random streams, so that changing one part's size leaves the others' draws alone.
STREAM_BACKGROUND, STREAM_TRAIN, STREAM_POOL, STREAM_VALIDATION, STREAM_TEST, STREAM_WORLD = range(1, 7)

__all__ = ["CORPUS_FILES", "GENERATOR_VERSION", "Knobs", "SCALES", "VECTORS_FILE", "generate",
           "generation_of"]


def _check_seed(seed) -> int:
    if isinstance(seed, bool) or not isinstance(seed, int):
        raise ValueError(f"stand-in seed must be a non-negative integer, got {seed!r}")
    if seed < 0:
        raise ValueError(f"stand-in seed must be a non-negative integer, got {seed}")
    return seed


def dataset_identity(scale: str, seed: int, knobs: Knobs) -> dict:
    """What makes a data set: a data set on disk is reused only when all of it matches."""
    return {"generator_version": GENERATOR_VERSION, "scale": scale, "seed": seed,
            "knobs": knobs.as_dict(), "wordfreq": wordfreq_version()}


def generate(scale: str = "sample", seed: int = 0, out: Path | str = "data/standin-sample",
             **knobs) -> Path:
    """Write the stand-in data set of ``scale`` (tiny, sample, full) as ``out``; return ``out``.

    ``out`` is a link to the folder holding the files (``sodata.standin.folders``): read them
    through ``generation_of(out)``, which a regeneration never changes under a reader. A data set
    there made with the same scale, seed, generator version and knobs whose files are sound
    (``check_dataset``) is reused as it is. A broken or obsolete one is regenerated (saying why);
    a sound one made with other settings, or a folder holding other files, is never replaced
    (``FileExistsError``). ``knobs`` override ``Knobs`` fields by name. Raises ``ValueError`` for
    an unknown scale or knob or a negative seed, ``NotADirectoryError`` when ``out`` is a file,
    ``OSError`` for a folder that cannot be written or a full disk, each saying what to do.
    """
    config = make_knobs(scale, knobs)
    seed = _check_seed(seed)
    out = Path(out).expanduser().absolute()
    check_destination(out)
    identity = dataset_identity(scale, seed, config)
    if reusable(out, identity) is not None:
        sweep_stale(out)
        if not out.is_symlink():
            adopt(out)
        return out
    writable_folder(out.parent, instead=f"set {DATA_DIR_ENV} to a folder you can write in"
                    if out.parent == data_dir() else "pass another output folder")
    with locked(out):
        if reusable(out, identity) is not None:  # another process made it while we waited
            return out
        replaceable(out, identity)
        started = time.perf_counter()
        print(f"generating the '{scale}' stand-in data set (seed {seed}) into {out} ...",
              file=sys.stderr, flush=True)
        replace(out, lambda tmp: write_dataset(tmp, config, seed, identity))
        print(f"stand-in ready in {time.perf_counter() - started:.1f} s", file=sys.stderr,
              flush=True)
    return out


def write_dataset(folder: Path, knobs: Knobs, seed: int, identity: dict) -> None:
    """Generate every file of the data set into ``folder``, the manifest last."""
    world = World(Rand(make_rng(seed, STREAM_WORLD)))
    files: dict[str, dict] = {}
    files["train.tsv"] = write_rows(folder / "train.tsv",
                                    train_rows(knobs, world, Rand(make_rng(seed, STREAM_TRAIN))))
    pool = NegativePool(knobs, world, Rand(make_rng(seed, STREAM_POOL)))
    for name, stream in (("validation.tsv", STREAM_VALIDATION), ("test.tsv", STREAM_TEST)):
        files[name] = write_rows(folder / name,
                                 ranking_rows(knobs, world, Rand(make_rng(seed, stream)), pool))
    del pool
    sentences = background_corpus(knobs, world, Rand(make_rng(seed, STREAM_BACKGROUND)))
    wv = train_vectors(sentences, knobs, seed, world.unknown_words)
    del sentences
    write_vectors(wv, folder / VECTORS_FILE)
    vectors_path = folder / VECTORS_FILE
    manifest = {
        **identity,
        "description": "generated stand-in for the StackOverflow duplicate questions and the "
                       "GoogleNews vectors; NOT the real data, its numbers are not the real data's",
        "rows": {name.removesuffix(".tsv"): files[name]["rows"] for name in CORPUS_FILES},
        "questions": {name.removesuffix(".tsv"): files[name]["questions"] for name in CORPUS_FILES},
        "negatives_mean": {
            name.removesuffix(".tsv"): round(files[name]["questions"] / files[name]["rows"] - 2, 4)
            for name in ("validation.tsv", "test.tsv")},
        "vectors": {"words": len(wv.index_to_key), "dim": VECTOR_SIZE},
        "files": {**{name: files[name]["sha256"] for name in CORPUS_FILES},
                  VECTORS_FILE: sha256sum(vectors_path)},
        "sizes": {**{name: files[name]["bytes"] for name in CORPUS_FILES},
                  VECTORS_FILE: vectors_path.stat().st_size},
    }
    pins = pinned_digests(identity)
    if pins is not None:
        manifest["pinned"] = _matches_pins(manifest["files"], pins, identity)
    write_manifest(folder, manifest)


def _matches_pins(digests: dict[str, str], pins: dict[str, str], identity: dict) -> bool:
    """Whether the corpus files just written are the pinned ones; a warning when not (this
    machine's libraries draw other text: the data set is then checked against its manifest)."""
    differing = sorted(name for name, digest in pins.items() if digests.get(name) != digest)
    if differing:
        print(f"warning: the '{identity['scale']}' stand-in generated here differs from the "
              f"pinned output of generator v{identity['generator_version']} "
              f"({', '.join(differing)}): this machine's libraries (wordfreq "
              f"{identity['wordfreq']}, numpy) draw other text. It is used and checked against its "
              f"manifest; its numbers may differ from the README's. If you changed the generator, "
              f"see README.md, \"Changing the stand-in\".", file=sys.stderr, flush=True)
    return not differing
