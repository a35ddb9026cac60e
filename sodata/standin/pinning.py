"""For maintainers: the table of the stand-in's expected hashes (``sodata/standin/pins.py``).

``python -m sodata pin`` regenerates the default scales (their own knobs, seed 0) into temporary
folders and writes their corpus files' sha256 into the table under the current
``GENERATOR_VERSION``; ``--check`` compares instead of writing (``full`` takes about two minutes and
600 MB, ``sample`` a minute, ``tiny`` seconds). The vectors file is not pinned: its bytes depend on
the installed gensim and numpy. See README.md, "Changing the stand-in".
"""
import json
import tempfile
from pathlib import Path

from sodata.hashing import sha256sum
from sodata.standin import CORPUS_FILES, GENERATOR_VERSION, SCALES, dataset_identity, write_dataset
from sodata.standin import pins

PINNED_SCALES = ("tiny", "sample", "full")
PINNED_SEED = 0
TABLE = Path(pins.__file__)
HEADER = '''"""The stand-in generator's expected output: the sha256 of the corpus files it writes for the
default scales (their own knobs) and seed 0, by generator version ("scale/seed" -> file -> sha256).

Reusing such a data set and ``python -m sodata verify`` check its files against these, not
against its own manifest, so a file changed together with its manifest is caught. The vectors
file is not pinned: its bytes depend on the installed gensim and numpy (its manifest's sha256 is
checked). Written by ``python -m sodata pin`` (sodata/standin/pinning.py); do not edit by hand.
"""
'''


def generated_digests(scale: str, seed: int = PINNED_SEED) -> dict[str, str]:
    """The sha256 of the corpus files the generator writes now for ``scale`` and ``seed``."""
    knobs = SCALES[scale]
    with tempfile.TemporaryDirectory(prefix=f"pin-{scale}-") as folder:
        write_dataset(Path(folder), knobs, seed, dataset_identity(scale, seed, knobs))
        return {name: sha256sum(Path(folder) / name) for name in CORPUS_FILES}


def differences(scale: str, seed: int = PINNED_SEED) -> list[str]:
    """What differs between the table and what the generator writes now, one line per file."""
    pinned = pins.PINS.get(GENERATOR_VERSION, {}).get(f"{scale}/{seed}")
    if pinned is None:
        return [f"no pins for generator v{GENERATOR_VERSION}, {scale}, seed {seed}: run "
                f"`python -m sodata pin`"]
    made = generated_digests(scale, seed)
    return [f"{scale}/{seed} {name}: pinned {pinned.get(name)}, generated {digest}"
            for name, digest in made.items() if pinned.get(name) != digest]


def render(table: dict) -> str:
    """The source of ``pins.py`` holding ``table``."""
    literal = json.dumps(table, indent=4, sort_keys=True)  # a dict of strings: valid Python too
    return f"{HEADER}\nPINS: dict[str, dict[str, dict[str, str]]] = {literal}\n"


def repin(scales: tuple[str, ...] = PINNED_SCALES) -> dict:
    """Regenerate ``scales`` and write their hashes into the table under the current generator
    version (other versions' entries are dropped: that generator is gone); the new table."""
    current = dict(pins.PINS.get(GENERATOR_VERSION, {}))
    for scale in scales:
        current[f"{scale}/{PINNED_SEED}"] = generated_digests(scale)
    table = {GENERATOR_VERSION: current}
    TABLE.write_text(render(table), encoding="utf-8")
    return table
