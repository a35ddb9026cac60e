"""The data layer under faults (issue 12) with crafted files and killed child processes: zip bombs,
refused zip members, data used only once verified, stand-in folders left by killed runs, changed
stand-in files, broken word-vector files and CR-only line endings."""
import gzip
import hashlib
import io
import os
import signal
import stat
import struct
import subprocess
import sys
import textwrap
import time
import zipfile
from pathlib import Path

import numpy as np
import pytest

from sodata import assets, load_vectors, read_corpus, resolve_dataset_name
from sodata.__main__ import main as data_cli
from sodata.archive import safe_extract
from sodata.assets import Asset, DataMissingError, UnsafeArchiveError, VerificationError
from sodata.downloader import download, download_all
from sodata.paths import MIRROR_ENV
from sodata.verified import check_verified, is_verified, require_real_data
from sodata.standin import generate, generation_of
from sodata.standin.writer import check_dataset
from sodata.vectors import VectorFileError

REPO_ROOT = Path(__file__).resolve().parents[1]
VECTORS = b"vectors: not really, but pinned" * 100
SMALL = {"train_rows": 50, "validation_rows": 5, "negatives": 10, "background_sentences": 2_000,
         "pool_size": 100}  # a stand-in generated in about a second
WAIT_S = 30


def _zip(members: dict[str, bytes], method: int = zipfile.ZIP_DEFLATED) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", method) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def _patch_headers(data: bytes, offset_local: int, offset_central: int, value: int,
                   combine=lambda old, new: new) -> bytes:
    """Set a 2-byte field in every local and central-directory header of a zip."""
    data = bytearray(data)
    for signature, offset in ((b"PK\x03\x04", offset_local), (b"PK\x01\x02", offset_central)):
        at = data.find(signature)
        while at >= 0:
            old = struct.unpack_from("<H", data, at + offset)[0]
            struct.pack_into("<H", data, at + offset, combine(old, value))
            at = data.find(signature, at + 4)
    return bytes(data)


def _symlink_zip() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        info = zipfile.ZipInfo("train.tsv")
        info.create_system = 3  # Unix, where the mode bits mean something
        info.external_attr = (stat.S_IFLNK | 0o777) << 16
        archive.writestr(info, "/etc/passwd")
    return buffer.getvalue()


CORPUS = _zip({"data/train.tsv": b"a\tb\n", "data/validation.tsv": b"q\td\tn\n",
               "data/test.tsv": b"q\td\tn\n"})
REFUSED = {
    "encrypted": (_patch_headers(CORPUS, 6, 8, 0x1, lambda old, new: old | new),
                  "is encrypted"),
    "deflate64": (_patch_headers(CORPUS, 8, 10, 9), r"compression method 9 \(deflate64\)"),
    "symlink": (_symlink_zip(), "'train.tsv' is a symbolic link"),
}


def _corpus_asset(**fields) -> Asset:
    return Asset(**{"name": "stackoverflow", "url": "http://127.0.0.1:9/unused",
                    "filename": "corpus.zip", "extract": ("train.tsv", "validation.tsv", "test.tsv"),
                    "extract_dir": "stackoverflow", **fields})


def _vectors_asset() -> Asset:
    return Asset(name="googlenews", url="http://127.0.0.1:9/unused", filename="vectors.bin.gz",
                 size=len(VECTORS), sha256=hashlib.sha256(VECTORS).hexdigest())


@pytest.fixture
def mirror(tmp_path, monkeypatch) -> Path:
    """A mirror folder ($HW_DATA_MIRROR) and a cache folder ($HW_DATA_DIR = tmp_path/cache)."""
    folder = tmp_path / "mirror"
    folder.mkdir()
    monkeypatch.setenv(MIRROR_ENV, str(folder))
    monkeypatch.setenv("HW_DATA_DIR", str(tmp_path / "cache"))
    return folder


def _disk_bytes(folder: Path) -> int:
    return sum(path.stat().st_size for path in folder.rglob("*") if path.is_file())


# Zip bombs and refused members ---------------------------------------------------------------------

def test_a_zip_bomb_is_set_aside_before_anything_is_unpacked(mirror, tmp_path):
    bomb = _zip({"train.tsv": bytes(64 << 20), "validation.tsv": b"", "test.tsv": b""})
    assert len(bomb) < 200_000  # 64 MiB of zeros in about 65 kB
    (mirror / "corpus.zip").write_bytes(bomb)
    started = time.monotonic()
    with pytest.raises(VerificationError, match=r"unpack to 67,108,864 bytes, more than the "
                                                r"8,388,608 allowed \(a zip bomb"):
        download(_corpus_asset(max_unpacked=8 << 20), root=tmp_path / "cache", progress=False)
    assert time.monotonic() - started < 5  # not even decompressed to check the CRCs
    cache = tmp_path / "cache"
    assert (cache / "corpus.zip.corrupt").exists() and not (cache / "stackoverflow").exists()
    assert _disk_bytes(cache) < 1 << 20  # the set-aside zip; nothing unpacked


def test_safe_extract_refuses_a_bomb_and_writes_nothing(tmp_path):
    archive = tmp_path / "bomb.zip"
    archive.write_bytes(_zip({"a.tsv": bytes(32 << 20)}))
    with pytest.raises(UnsafeArchiveError, match="more than the 1,048,576 allowed"):
        safe_extract(archive, tmp_path / "out", max_unpacked=1 << 20)
    assert not (tmp_path / "out").exists()


def test_a_member_lying_about_its_size_is_caught_and_never_unpacked_past_it(mirror, tmp_path):
    honest = _zip({"train.tsv": bytes(16 << 20), "validation.tsv": b"", "test.tsv": b""})
    # The headers now say train.tsv unpacks to 1 kB; zipfile stops there and the CRC fails.
    lying = bytearray(honest)
    for signature, offset in ((b"PK\x03\x04", 22), (b"PK\x01\x02", 24)):
        struct.pack_into("<I", lying, lying.find(signature) + offset, 1024)
    (mirror / "corpus.zip").write_bytes(bytes(lying))
    with pytest.raises(VerificationError, match="'train.tsv' fails its CRC check"):
        download(_corpus_asset(max_unpacked=8 << 20), root=tmp_path / "cache", progress=False)
    assert (tmp_path / "cache" / "corpus.zip.corrupt").exists()
    assert not (tmp_path / "cache" / "stackoverflow").exists()


@pytest.mark.parametrize("kind", sorted(REFUSED))
def test_refused_members_set_the_archive_aside_every_time(mirror, tmp_path, kind):
    data, reason = REFUSED[kind]
    (mirror / "corpus.zip").write_bytes(data)
    cache = tmp_path / "cache"
    for _ in range(2):  # a rerun fails the same clear way, not with a raw error
        with pytest.raises(VerificationError, match=reason) as caught:
            download(_corpus_asset(), root=cache, progress=False)
        assert "corpus.zip failed verification" in str(caught.value)
        assert "corpus.zip.corrupt" in str(caught.value)
        assert not (cache / "corpus.zip").exists() and not (cache / "stackoverflow").exists()


def test_safe_extract_never_writes_a_symlink_member(tmp_path):
    archive = tmp_path / "link.zip"
    archive.write_bytes(_symlink_zip())
    with pytest.raises(UnsafeArchiveError, match="symbolic link"):
        safe_extract(archive, tmp_path / "out")
    assert not (tmp_path / "out").exists()


def test_a_zip_slip_archive_is_set_aside_too(mirror, tmp_path):
    (mirror / "corpus.zip").write_bytes(_zip({"../train.tsv": b"a\tb\n", "validation.tsv": b"",
                                              "test.tsv": b""}))
    with pytest.raises(VerificationError, match="'../train.tsv' would be written outside"):
        download(_corpus_asset(), root=tmp_path / "cache", progress=False)
    assert (tmp_path / "cache" / "corpus.zip.corrupt").exists()
    assert not (tmp_path / "train.tsv").exists()


# Data used because it was verified ----------------------------------------------------------------

@pytest.fixture
def real_tables(mirror, use_assets) -> Path:
    """Small stand-ins for the two real assets, served from the mirror; the cache folder."""
    (mirror / "corpus.zip").write_bytes(CORPUS)
    (mirror / "vectors.bin.gz").write_bytes(VECTORS)
    use_assets({"stackoverflow": _corpus_asset(), "googlenews": _vectors_asset()})
    return mirror.parent / "cache"


def test_a_truncated_vectors_file_is_never_picked_as_real_data(real_tables):
    real_tables.mkdir()
    (real_tables / "vectors.bin.gz").write_bytes(VECTORS[:100])  # what a cut download leaves
    assert resolve_dataset_name("auto") == "sample"
    download_all(progress=False)
    assert resolve_dataset_name("auto") == "real"
    assert (real_tables / "vectors.bin.gz.corrupt").read_bytes() == VECTORS[:100]
    with open(real_tables / "vectors.bin.gz", "r+b") as handle:
        handle.truncate(1000)  # damaged after make data verified it
    assert resolve_dataset_name("auto") == "sample"
    with pytest.raises(DataMissingError, match=r"Not verified: .*vectors.bin.gz is there"):
        require_real_data()
    download_all(progress=False)  # sets it aside and copies it again
    assert resolve_dataset_name("auto") == "real"


def test_use_checks_size_and_time_verify_checks_sha256(real_tables, capsys):
    download_all(progress=False)
    assert data_cli(["verify"]) == 0
    assert "stackoverflow: verified (sha256)" in capsys.readouterr().out
    train = real_tables / "stackoverflow" / "train.tsv"
    before = train.stat()
    train.write_bytes(b"A\tb\n")  # same size, and the time put back: only a hash sees it
    os.utime(train, ns=(before.st_atime_ns, before.st_mtime_ns))
    asset = assets.ASSETS["stackoverflow"]
    assert is_verified(asset) and resolve_dataset_name("auto") == "real"
    assert "changed since `make data` verified it" in check_verified(asset)
    assert data_cli(["verify"]) == 1
    assert "stackoverflow: " + str(train) in capsys.readouterr().out
    train.write_bytes(b"A\tb\n")  # a write sets a new modification time: use notices
    assert not is_verified(asset)


def test_a_download_is_marked_only_once_complete(real_tables):
    (real_tables.parent / "mirror" / "vectors.bin.gz").write_bytes(VECTORS + b"!")
    with pytest.raises(DataMissingError):
        require_real_data()
    with pytest.raises(assets.AssetError, match="1 of 2 asset"):
        download_all(progress=False)
    assert is_verified(assets.ASSETS["stackoverflow"])
    assert not (real_tables / ".googlenews.verified.json").exists()
    assert resolve_dataset_name("auto") == "sample"


# The stand-in: killed runs and changed files ------------------------------------------------------

# A child generating a small stand-in that stops, once its temporary folder is being filled, to be
# signalled.
STANDIN_CHILD = textwrap.dedent("""
    import sys, time
    import sodata.standin as standin

    def stopped(*args, **kwargs):
        print("filling", flush=True)
        time.sleep(60)

    standin.train_vectors = stopped
    standin.generate("tiny", out=sys.argv[1], train_rows=50, validation_rows=5, negatives=10,
                     background_sentences=2_000, pool_size=100)
""")


def _generating_child(out: Path) -> subprocess.Popen:
    child = subprocess.Popen([sys.executable, "-c", STANDIN_CHILD, str(out)],
                             env={**os.environ, "PYTHONPATH": str(REPO_ROOT)},
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert child.stdout.readline() == b"filling\n", child.stderr.read().decode()
    return child


def _leftovers(folder: Path) -> list[str]:
    """What is beside the data set ``d`` but its lock and its generations."""
    return sorted(path.name for path in folder.iterdir()
                  if path.name != ".d.lock" and not path.name.startswith(".d.gen-"))


@pytest.mark.parametrize("number", [signal.SIGTERM, signal.SIGINT, signal.SIGHUP],
                         ids=["SIGTERM", "SIGINT", "SIGHUP"])
def test_a_signalled_generation_removes_its_temporary_folder(tmp_path, number):
    child = _generating_child(tmp_path / "d")
    assert [name.startswith(".d.tmp-") for name in _leftovers(tmp_path)] == [True]
    child.send_signal(number)
    code = child.wait(WAIT_S)
    child.stdout.close()
    child.stderr.close()
    assert code == -number  # it ends as the signal would have ended it
    assert _leftovers(tmp_path) == []


def test_a_folder_left_by_sigkill_is_swept_by_the_next_run(tmp_path, capsys):
    child = _generating_child(tmp_path / "d")
    child.kill()
    child.wait(WAIT_S)
    child.stdout.close()
    child.stderr.close()
    [stale] = _leftovers(tmp_path)
    assert stale.startswith(".d.tmp-")
    generate("tiny", out=tmp_path / "d", **SMALL)
    assert _leftovers(tmp_path) == ["d"]
    assert f"removing {tmp_path / stale}, left by an interrupted run" in capsys.readouterr().err
    (tmp_path / ".d.tmp-left").mkdir()  # and a reused data set sweeps too
    generate("tiny", out=tmp_path / "d", **SMALL)
    assert _leftovers(tmp_path) == ["d"]


def test_a_changed_standin_file_of_the_same_size_is_generated_again(tmp_path, capsys):
    out = generate("tiny", out=tmp_path / "d", **SMALL)
    train = out / "train.tsv"
    original = train.read_bytes()
    train.write_bytes(original.swapcase())
    assert "changed since it was generated" in check_dataset(generation_of(out))[0]
    generate("tiny", out=out, **SMALL)
    assert "changed since it was generated" in capsys.readouterr().err
    assert train.read_bytes() == original and check_dataset(generation_of(out))[0] is None


# Word vectors -------------------------------------------------------------------------------------

WORDS = [f"w{i}" for i in range(40)]
MATRIX = np.random.default_rng(0).standard_normal((40, 4)).astype("<f4")


def _vectors_file(path: Path, header_dim: int = 4, text: bool = False) -> Path:
    with gzip.open(path, "wb") as handle:
        handle.write(f"{len(WORDS)} {header_dim}\n".encode())
        for word, row in zip(WORDS, MATRIX):
            values = (" ".join(map(str, row)).encode() if text else row.tobytes())
            handle.write(word.encode() + b" " + values + b"\n")
    return path


@pytest.mark.parametrize("header_dim", [3, 5, 8])
@pytest.mark.parametrize("keep", [True, False], ids=["keep_words", "gensim"])
def test_a_header_dimension_that_does_not_match_is_refused(tmp_path, header_dim, keep):
    path = _vectors_file(tmp_path / "v.bin.gz", header_dim=header_dim)
    with pytest.raises(VectorFileError, match=f"{path}.*dimension"):
        load_vectors(path, keep_words=WORDS[-2:] if keep else None)


@pytest.mark.parametrize("keep", [True, False], ids=["keep_words", "gensim"])
def test_a_text_format_file_is_refused_with_the_way_to_load_it(tmp_path, keep):
    path = _vectors_file(tmp_path / "v.bin.gz", text=True)
    with pytest.raises(VectorFileError, match=f"{path} is in word2vec's text format.*binary=False"):
        load_vectors(path, keep_words=["w1"] if keep else None)


@pytest.mark.parametrize("keep", [True, False], ids=["keep_words", "gensim"])
def test_a_truncated_gzip_names_the_file(tmp_path, keep):
    path = _vectors_file(tmp_path / "v.bin.gz")
    path.write_bytes(path.read_bytes()[:-200])
    with pytest.raises(EOFError, match=f"{path}.*truncated.*make data"):
        load_vectors(path, keep_words=["nowhere"] if keep else None)


def test_a_plain_file_named_gz_is_read_on_both_paths(tmp_path):
    path = tmp_path / "v.bin.gz"
    path.write_bytes(gzip.decompress(_vectors_file(tmp_path / "real.gz").read_bytes()))
    assert load_vectors(path).index_to_key == WORDS  # sniffed by its bytes, not its name
    assert load_vectors(path, keep_words=["w1"]).index_to_key == ["w1"]


@pytest.mark.parametrize("keep", [True, False], ids=["keep_words", "all words"])
def test_a_damaged_gzip_names_the_file(tmp_path, keep):
    path = _vectors_file(tmp_path / "v.bin.gz")
    data = bytearray(path.read_bytes())
    data[40:60] = bytes(20)  # inside the deflate stream
    path.write_bytes(bytes(data))
    with pytest.raises((VectorFileError, EOFError), match=f"{path}"):
        load_vectors(path, keep_words=["w39"] if keep else None)


# Line endings -------------------------------------------------------------------------------------

def test_cr_only_line_endings_are_rows(tmp_path):
    path = tmp_path / "old-mac.tsv"
    path.write_bytes(b"a\tb\rc\td\te\r")
    assert read_corpus(path) == [["a", "b"], ["c", "d", "e"]]


def test_a_lone_cr_inside_a_newline_file_stays_in_its_field(tmp_path):
    path = tmp_path / "unix.tsv"
    path.write_bytes(b"a\rb\tc\r\nd\te\n")
    assert read_corpus(path) == [["a\rb", "c"], ["d", "e"]]

