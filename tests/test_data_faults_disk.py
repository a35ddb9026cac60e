"""The data folder under faults (issue 24): a disk that fills up during a copy or an unzip, what a
failed run leaves (it must not block the next one), a read-only folder (as an ordinary user), a
file where the folder should be, and `verify` with nothing to verify."""
import builtins
import errno
import hashlib
import io
import os
import shutil
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path
from types import SimpleNamespace

import pytest

from sodata import archive, downloader
from sodata.__main__ import main as data_cli
from sodata.assets import Asset, AssetError
from sodata.downloader import download
from sodata.paths import DATA_DIR_ENV, MIRROR_ENV
from sodata.shapes import TableShape

REPO_ROOT = Path(__file__).resolve().parents[1]
PAYLOAD = bytes(range(256)) * 1200  # 300 KiB
SPARE = 10_000  # what the disk holds beyond one payload, in the tests that fill it


class FullDisk:
    """A module's ``open`` whose files for writing fail with ENOSPC once ``room`` bytes were
    written in all: the disk filling up under the writer (another process took the space)."""

    def __init__(self, room: int) -> None:
        self.room = room

    def __call__(self, file, mode: str = "r", *args, **kwargs):
        handle = builtins.open(file, mode, *args, **kwargs)
        return handle if not set(mode) & set("wax+") else _Filling(handle, self)


class _Filling(io.RawIOBase):
    def __init__(self, handle, disk: FullDisk) -> None:
        super().__init__()
        self.handle, self.disk = handle, disk

    def write(self, data) -> int:
        if len(data) > self.disk.room:
            self.handle.write(bytes(data[:self.disk.room]))
            self.handle.flush()
            self.disk.room = 0
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        self.disk.room -= len(data)
        return self.handle.write(data)

    def writable(self) -> bool:
        return True

    def close(self) -> None:
        self.handle.close()
        super().close()

    def __getattr__(self, name):
        return getattr(self.handle, name)


def _small_disk(monkeypatch, cache: Path, capacity: int) -> None:
    """``shutil.disk_usage`` of a disk of ``capacity`` bytes holding only the files under ``cache``."""
    def usage(path):
        used = sum(p.stat().st_size for p in cache.rglob("*") if p.is_file()) if cache.exists() else 0
        return SimpleNamespace(total=capacity, used=used, free=capacity - used)

    monkeypatch.setattr(downloader.shutil, "disk_usage", usage)


def _asset(**fields) -> Asset:
    return Asset(**{"name": "payload", "url": "http://127.0.0.1:9/unused", "filename": "payload.bin",
                    "size": len(PAYLOAD), "sha256": hashlib.sha256(PAYLOAD).hexdigest(), **fields})


@pytest.fixture
def mirror(tmp_path, monkeypatch) -> Path:
    folder = tmp_path / "mirror"
    folder.mkdir()
    monkeypatch.setenv(MIRROR_ENV, str(folder))
    monkeypatch.setenv(DATA_DIR_ENV, str(tmp_path / "cache"))
    return folder


def _files(folder: Path) -> list[str]:
    return sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*")
                  if p.is_file() and not p.name.endswith(".lock"))


# A disk filling up ----------------------------------------------------------------------------------

def test_a_disk_filling_up_during_a_mirror_copy_names_the_step_and_blocks_nothing(
        mirror, tmp_path, monkeypatch, capsys, use_assets):
    cache = tmp_path / "cache"
    (mirror / "payload.bin").write_bytes(PAYLOAD)
    use_assets({"payload": _asset()})
    _small_disk(monkeypatch, cache, capacity=len(PAYLOAD) + SPARE)
    monkeypatch.setattr(downloader, "open", FullDisk(room=100_000), raising=False)
    assert data_cli(["download"]) == 1
    err = capsys.readouterr().err
    assert "payload: FAILED\n[Errno" not in err  # not a bare OSError
    assert f"copying payload.bin from the mirror {mirror}" in err and "disk" in err
    assert "free some space" in err and "make data" in err
    monkeypatch.undo()  # the other writer is gone; the disk is as small as before
    monkeypatch.setenv(MIRROR_ENV, str(mirror))
    monkeypatch.setenv(DATA_DIR_ENV, str(cache))
    use_assets({"payload": _asset()})
    _small_disk(monkeypatch, cache, capacity=len(PAYLOAD) + SPARE)
    assert data_cli(["download"]) == 0, capsys.readouterr().err
    assert (cache / "payload.bin").read_bytes() == PAYLOAD


def test_a_file_set_aside_earlier_does_not_fill_the_disk_for_the_rerun(
        mirror, tmp_path, monkeypatch, capsys):
    cache = tmp_path / "cache"
    (mirror / "payload.bin").write_bytes(PAYLOAD[:-1] + b"!")  # a bad copy on the mirror
    with pytest.raises(AssetError, match="sha256"):
        download(_asset(), root=cache, progress=False)
    assert _files(cache) == ["payload.bin.corrupt"]
    (mirror / "payload.bin").write_bytes(PAYLOAD)  # fixed
    _small_disk(monkeypatch, cache, capacity=len(PAYLOAD) + SPARE)
    assert download(_asset(), root=cache, progress=False).read_bytes() == PAYLOAD
    assert f"removing {cache / 'payload.bin.corrupt'}" in capsys.readouterr().err
    assert _files(cache) == [".payload.verified.json", "payload.bin"]


CORPUS = {"train.tsv": b"how to sort\tsorting\n" * 50, "validation.tsv": b"q\td\tn\n" * 4,
          "test.tsv": b"q\td\tn\n" * 4}


def _corpus_asset() -> Asset:
    return Asset(name="corpus", url="http://127.0.0.1:9/unused", filename="corpus.zip",
                 extract=tuple(CORPUS), extract_dir="corpus",
                 shapes={"train.tsv": TableShape(rows=50, min_fields=2)})


def test_a_disk_filling_up_during_the_unzip_names_the_member_and_leaves_nothing(
        mirror, tmp_path, monkeypatch):
    cache = tmp_path / "cache"
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zipped:
        for name, data in CORPUS.items():
            zipped.writestr(name, data)
    (mirror / "corpus.zip").write_bytes(buffer.getvalue())
    monkeypatch.setattr(archive, "open", FullDisk(room=500), raising=False)
    with pytest.raises(AssetError) as caught:
        download(_corpus_asset(), root=cache, progress=False)
    message = str(caught.value)
    assert "from corpus.zip" in message and "failed while writing train.tsv" in message
    assert "disk is full" in message
    assert "free some space" in message and "make data" in message
    assert _files(cache) == ["corpus.zip"]  # the sound zip is kept; nothing half-unpacked
    monkeypatch.setattr(archive, "open", builtins.open, raising=False)
    assert (download(_corpus_asset(), root=cache, progress=False) / "train.tsv").read_bytes() \
        == CORPUS["train.tsv"]


# A file where the folder should be, a read-only folder, verify with nothing there ----------------

def _run(args: list[str], env: dict, user: list[str] = ()) -> subprocess.CompletedProcess:
    return subprocess.run([*user, sys.executable, *args], capture_output=True, text=True,
                          env={**os.environ, "PYTHONPATH": str(REPO_ROOT), "TQDM_DISABLE": "1",
                               **env}, cwd=tempfile.gettempdir(), timeout=120)


def test_hw_data_dir_naming_a_file_is_said_plainly(tmp_path):
    notes = tmp_path / "notes.txt"
    notes.write_text("mine")
    env = {DATA_DIR_ENV: str(notes), MIRROR_ENV: str(tmp_path)}
    for args in (["-m", "sodata", "download"], ["-m", "sodata", "standin", "--scale", "tiny"],
                 ["-m", "sodata", "verify"],
                 ["-c", "import sodata; sodata.get_dataset('tiny')"]):
        done = _run(args, env)
        assert done.returncode != 0, args
        last = done.stderr.strip().splitlines()[-1]
        assert f"{DATA_DIR_ENV}={notes} is a file, not a folder" in last, (args, done.stderr)
        assert "File exists" not in done.stderr
    assert notes.read_text() == "mine"


@pytest.fixture
def read_only_folder():
    """A folder an ordinary user cannot write in (root's, mode 755), and the user to run as."""
    if os.geteuid() == 0:
        if not shutil.which("setpriv"):
            pytest.skip("setpriv is needed to run a child as an ordinary user")
        user = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"]
    else:
        user = []
    folder = Path(tempfile.mkdtemp(prefix="read-only-data-"))
    folder.chmod(0o755 if user else 0o555)
    yield folder, user
    folder.chmod(0o755)
    shutil.rmtree(folder)


def test_a_read_only_data_folder_is_said_plainly(read_only_folder, tmp_path):
    folder, user = read_only_folder
    (tmp_path / "payload.bin").write_bytes(PAYLOAD)
    tmp_path.chmod(0o755)
    env = {DATA_DIR_ENV: str(folder), MIRROR_ENV: str(tmp_path), "HOME": str(folder)}
    for args in (["-m", "sodata", "download", "stopwords"],
                 ["-m", "sodata", "standin", "--scale", "tiny"],
                 ["-c", "import sodata; sodata.get_dataset('tiny')"]):
        done = _run(args, env, user)
        assert done.returncode != 0, args
        assert f"cannot write in {folder}" in done.stderr, (args, done.stderr)
        assert f"set {DATA_DIR_ENV} to a folder you can write in" in done.stderr
        assert "filelock" not in done.stderr, done.stderr
    assert list(folder.iterdir()) == []


@pytest.mark.parametrize("state", ["missing", "empty"])
def test_verify_with_nothing_to_verify_fails_and_says_so(tmp_path, monkeypatch, capsys, state):
    folder = tmp_path / "data"
    if state == "empty":
        folder.mkdir()
    monkeypatch.setenv(DATA_DIR_ENV, str(folder))
    assert data_cli(["verify"]) == 1
    err = capsys.readouterr().err
    assert str(folder) in err and ("does not exist" if state == "missing" else "nothing to verify") in err
    assert "make data" in err and "make standin" in err
