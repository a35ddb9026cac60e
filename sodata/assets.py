"""The real data's table: every file the homework can download, and what can go wrong getting it.

``ASSETS`` lists them (d2l's ``DATA_HUB`` idea): where each comes from, its file name in the
cache folder, and its size and sha256 where they are known. ``sodata.download`` fetches them,
``sodata.archive`` unpacks a zip safely, ``sodata.verified`` records what was checked.
"""
from dataclasses import dataclass, field
from pathlib import Path

from sodata.paths import MIRROR_ENV
from sodata.shapes import TableShape

GiB = 1 << 30
GOOGLE_DRIVE_URL = "https://drive.google.com/uc?export=download&id={id}"
STACKOVERFLOW_DRIVE_ID = "1QqT4D0EoqJTy7v9VrNCYD-m964XZFR7_"
STANDIN_WAY_OUT = ("Without the real data everything runs on the stand-in, which needs no network: "
                   "HW_DATASET=auto (the default) picks it, `make standin` generates it now.")


@dataclass(frozen=True)
class Asset:
    """One downloadable file.

    ``filename`` is its path relative to the cache folder. ``size`` (bytes) and ``sha256`` are
    checked when known. A zip with ``extract`` set has those members (matched by base name, in
    whatever folder of the archive they sit) extracted flat into ``extract_dir``, each member
    named in ``shapes`` only once its content has that shape. Assets with ``required=False`` are
    downloaded only when asked for by name. ``max_size`` caps a download whose size is not
    pinned; ``max_unpacked`` caps the total uncompressed size of a zip.
    """

    name: str
    url: str
    filename: str
    size: int | None = None
    sha256: str | None = None
    extract: tuple[str, ...] = ()
    extract_dir: str | None = None
    shapes: dict[str, TableShape] = field(default_factory=dict, hash=False)
    required: bool = True
    description: str = ""
    max_size: int = 4 * GiB
    max_unpacked: int = 4 * GiB

    @property
    def size_cap(self) -> int:
        """The most bytes a download of this asset may hold: its pinned size, else ``max_size``."""
        return self.size if self.size is not None else self.max_size

    def extracted_files(self, root: Path) -> list[Path]:
        """The paths the extracted members end up at under the cache folder ``root``."""
        return [root / self.extract_dir / member for member in self.extract] if self.extract else []

    def used_files(self, root: Path) -> list[Path]:
        """The files the homework reads: the extracted members, else the file itself."""
        return self.extracted_files(root) or [root / self.filename]


ASSETS: dict[str, Asset] = {
    asset.name: asset for asset in (
        Asset(
            name="stackoverflow",
            url=GOOGLE_DRIVE_URL.format(id=STACKOVERFLOW_DRIVE_ID),
            filename="StackOverflowData.zip",
            # The course never published the zip's size or checksum: the zip's own CRCs and its
            # files' shapes, as the course describes them, are checked.
            extract=("train.tsv", "validation.tsv", "test.tsv"),
            extract_dir="stackoverflow",
            shapes={"train.tsv": TableShape(rows=1_000_000, min_fields=2),
                    # a question, its duplicate, then 998.81 negatives on average
                    "validation.tsv": TableShape(rows=3_760, min_fields=3, mean_fields=1_000.81),
                    # the course gives no figures for test.tsv
                    "test.tsv": TableShape(rows=None, min_fields=3)},
            # Not pinned, so capped generously: the three files hold about 0.5 GB of text.
            max_size=1 * GiB,
            max_unpacked=2 * GiB,
            description="StackOverflow duplicate questions (Google Drive)",
        ),
        Asset(
            name="googlenews",
            url="https://s3.amazonaws.com/dl4j-distribution/GoogleNews-vectors-negative300.bin.gz",
            filename="GoogleNews-vectors-negative300.bin.gz",
            size=1_647_046_227,
            sha256="21c05ae916a67a4da59b1d006903355cced7de7da1e42bff9f0504198c748da8",
            description="word2vec GoogleNews vectors, 3M words x 300 (public S3 mirror)",
        ),
        Asset(
            name="stopwords",
            url="https://raw.githubusercontent.com/nltk/nltk_data/gh-pages/packages/corpora/stopwords.zip",
            filename="nltk_data/corpora/stopwords.zip",
            required=False,
            max_size=16 << 20,  # the zip is about 30 kB
            max_unpacked=64 << 20,
            description="NLTK's stopword lists (optional: the English list ships with hw_utils)",
        ),
    )
}


class AssetError(RuntimeError):
    """Getting a data file failed; the message says which file and what to do."""


class DownloadError(AssetError):
    """The file could not be fetched (network, HTTP status, web page, size cap, disk, mirror)."""


class VerificationError(AssetError):
    """A fetched or cached file is not the expected one; it was moved to ``<file>.corrupt``."""


class UnsafeArchiveError(AssetError):
    """An archive member would be written outside the target folder, is a link, is encrypted, is
    compressed in a way Python cannot read, or unpacks past the cap; nothing was extracted."""


class DownloadInterrupted(KeyboardInterrupt):
    """Ctrl-C during a download; the message says what was kept for the next run to resume."""


class DataMissingError(FileNotFoundError):
    """A data file is not where it must be, or not verified; the message says how to fix it."""


def how_to_get(asset: Asset, target: Path) -> str:
    """The two ways to get ``asset`` to ``target``, as lines for an error message."""
    return (f"Two ways to get it there:\n"
            f"  1. with network access: `make data` (or `python -m sodata download "
            f"{asset.name}`) downloads {asset.filename} from {asset.url};\n"
            f"  2. without: copy {target.name} to {target} yourself, or put it in a folder "
            f"(a course mirror) and set {MIRROR_ENV}=/that/folder; then run `make data`: it "
            f"checks the file and uses it, downloading nothing.")
