"""Stand-in folders under faults (issue 24): a data set on disk is immutable while it has a name
(other knobs go to their own folder), a reader never sees two generations mixed, reuse trusts
the generator's pinned hashes rather than the manifest, a broken folder is regenerated rather
than a dead end, and a second generation says it waits."""
import hashlib
import json
import os
import shutil
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

import sodata.standin as standin
from sodata import get_dataset
from sodata.__main__ import main as data_main
from sodata.paths import DATA_DIR_ENV
from sodata.standin import VECTORS_FILE, generate

REPO_ROOT = Path(__file__).resolve().parents[1]
FILES = ("train.tsv", "validation.tsv", "test.tsv", VECTORS_FILE)
WAIT_S = 30
GENERATE_S = 180  # a small stand-in, generated on a machine that may be busy


def _digests(folder: Path) -> dict[str, str]:
    return {name: hashlib.sha256((folder / name).read_bytes()).hexdigest() for name in FILES}


@pytest.fixture(scope="module")
def template(tmp_path_factory) -> Path:
    """A data folder holding the default tiny stand-in, generated once for the module."""
    folder = tmp_path_factory.mktemp("template")
    generate("tiny", seed=0, out=folder / "standin-tiny")
    return folder


@pytest.fixture
def data(template, tmp_path, monkeypatch) -> Path:
    """A data folder ($HW_DATA_DIR) holding a copy of the template's tiny stand-in."""
    folder = tmp_path / "data"
    shutil.copytree(template, folder, symlinks=True)
    monkeypatch.setenv(DATA_DIR_ENV, str(folder))
    return folder


# Immutable while it has a name --------------------------------------------------------------------

def test_other_knobs_go_to_their_own_folder_never_over_the_default(data, capsys):
    before = _digests(data / "standin-tiny")
    assert data_main(["standin", "--scale", "tiny", "--knob", "oov_rate=0.2"]) == 0
    knobbed = data / "standin-tiny-oov_rate=0.2"
    assert f"ready in {knobbed}" in capsys.readouterr().out
    assert json.loads((knobbed / "manifest.json").read_text())["knobs"]["oov_rate"] == 0.2
    assert _digests(data / "standin-tiny") == before


def test_a_knob_at_its_default_is_the_default_data_set(data, capsys):
    assert data_main(["standin", "--scale", "tiny", "--knob", "oov_rate=0.08"]) == 0
    assert f"ready in {data / 'standin-tiny'}" in capsys.readouterr().out


def test_a_sound_data_set_is_not_replaced_by_another(data):
    before = _digests(data / "standin-tiny")
    with pytest.raises(FileExistsError) as caught:
        generate("tiny", seed=0, out=data / "standin-tiny", oov_rate=0.2)
    message = str(caught.value)
    assert "oov_rate" in message and "standin-tiny-oov_rate=0.2" in message
    assert _digests(data / "standin-tiny") == before


# A reader never sees two generations mixed --------------------------------------------------------

def test_a_reader_keeps_reading_the_generation_it_was_given(data, monkeypatch):
    reader = get_dataset("tiny")
    first = _digests(data / "standin-tiny")
    assert reader.train.read_bytes()  # the reader has started on this generation
    # A newer generator regenerates the folder while the reader still works.
    monkeypatch.setattr(standin, "GENERATOR_VERSION", standin.GENERATOR_VERSION + "-next")
    real_write_rows = standin.write_rows
    monkeypatch.setattr(standin, "write_rows",
                        lambda path, rows: real_write_rows(path, ([t.upper() for t in row]
                                                                   for row in rows)))
    newer = get_dataset("tiny")
    second = _digests(data / "standin-tiny")
    assert second["validation.tsv"] != first["validation.tsv"]
    paths = {"train.tsv": reader.train, "validation.tsv": reader.validation,
             "test.tsv": reader.test, VECTORS_FILE: reader.vectors}
    assert {name: hashlib.sha256(path.read_bytes()).hexdigest()
            for name, path in paths.items()} == first
    assert newer.validation.read_bytes() != reader.validation.read_bytes()


def test_a_regeneration_keeps_only_the_current_and_the_previous_generation(data, monkeypatch):
    for version in ("a", "b", "c"):
        monkeypatch.setattr(standin, "GENERATOR_VERSION", version)
        generate("tiny", seed=0, out=data / "standin-tiny")
    generations = [path.name for path in data.iterdir() if ".standin-tiny.gen-" in path.name]
    assert len(generations) == 2
    assert (data / "standin-tiny").resolve().name in generations


# Reuse trusts the generator, not the manifest --------------------------------------------------------

def test_a_file_changed_with_its_manifest_is_caught(data, capsys):
    folder = (data / "standin-tiny").resolve()
    original = (folder / "validation.tsv").read_bytes()
    changed = original.replace(b"How", b"Hoe", 1)
    assert changed != original
    (folder / "validation.tsv").write_bytes(changed)
    manifest = json.loads((folder / "manifest.json").read_text())
    manifest["files"]["validation.tsv"] = hashlib.sha256(changed).hexdigest()
    (folder / "manifest.json").write_text(json.dumps(manifest))
    assert data_main(["verify"]) == 1
    out = capsys.readouterr().out
    assert "standin-tiny: " in out and "validation.tsv" in out and "pinned" in out
    assert get_dataset("tiny").validation.read_bytes() == original
    assert "generating it again" in capsys.readouterr().err


# Never a dead end ----------------------------------------------------------------------------------

@pytest.mark.parametrize("damage", ["deleted", "truncated"])
def test_a_folder_with_a_broken_manifest_is_set_aside_and_regenerated(data, capsys, damage):
    folder = (data / "standin-tiny").resolve()
    manifest = folder / "manifest.json"
    if damage == "deleted":
        manifest.unlink()
    else:
        manifest.write_text(manifest.read_text()[:40])
    assert data_main(["verify"]) == 1
    assert "standin-tiny: " in capsys.readouterr().out
    dataset = get_dataset("tiny")
    err = capsys.readouterr().err
    assert "manifest.json" in err and "generating it again" in err and str(folder) in err
    assert (dataset.root / "manifest.json").is_file()
    assert data_main(["verify"]) == 0


def test_a_plain_folder_from_before_is_used_and_becomes_a_generation(data, capsys):
    """Older versions wrote the data set into the named folder itself."""
    link = data / "standin-tiny"
    generation = link.resolve()
    link.unlink()
    generation.rename(link)
    before = _digests(link)
    dataset = get_dataset("tiny")
    assert link.is_symlink() and _digests(link) == before
    assert dataset.root == link.resolve()
    assert "generating" not in capsys.readouterr().err


def test_a_foreign_file_in_the_default_folder_says_what_to_do(data):
    link = data / "standin-tiny"
    link.unlink()
    link.mkdir()
    (link / "notes.txt").write_text("mine")
    with pytest.raises(FileExistsError, match="notes.txt") as caught:
        get_dataset("tiny")
    assert "move those files elsewhere" in str(caught.value).lower()
    assert (link / "notes.txt").read_text() == "mine"


# Waiting for another generation -------------------------------------------------------------------

STOPPED_CHILD = textwrap.dedent("""
    import sys, time
    import sodata.standin as standin

    def stopped(*args, **kwargs):
        print("filling", flush=True)
        time.sleep(60)

    standin.train_vectors = stopped
    standin.generate("tiny", out=sys.argv[1], train_rows=50, validation_rows=5, negatives=10,
                     background_sentences=2_000, pool_size=100)
""")
SECOND_CHILD = textwrap.dedent("""
    import sys
    import sodata.standin as standin
    standin.generate("tiny", out=sys.argv[1], train_rows=50, validation_rows=5, negatives=10,
                     background_sentences=2_000, pool_size=100)
""")


def test_a_second_generation_says_it_waits_for_the_first(tmp_path):
    env = {**os.environ, "PYTHONPATH": str(REPO_ROOT)}
    out = tmp_path / "d"
    first = subprocess.Popen([sys.executable, "-c", STOPPED_CHILD, str(out)], env=env,
                             stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    try:
        assert first.stdout.readline() == b"filling\n"
        with open(tmp_path / "second.err", "wb") as err:
            second = subprocess.Popen([sys.executable, "-c", SECOND_CHILD, str(out)], env=env,
                                      stderr=err)
        deadline = time.monotonic() + WAIT_S
        while b"waiting" not in (tmp_path / "second.err").read_bytes():
            assert time.monotonic() < deadline, "the second generation never said it waits"
            time.sleep(0.05)
        said = (tmp_path / "second.err").read_text()
        assert "another process is generating" in said and str(out) in said
        assert second.poll() is None
    finally:
        first.kill()
        first.wait(WAIT_S)
        first.stdout.close()
    assert second.wait(GENERATE_S) == 0
    assert (out / "manifest.json").is_file()


def _no_links(monkeypatch) -> None:
    def refuse(*args, **kwargs):
        raise PermissionError(1, "Operation not permitted")  # as FAT or some network shares do

    monkeypatch.setattr(os, "symlink", refuse)


def test_a_file_system_without_links_is_said_before_any_work(tmp_path, monkeypatch):
    _no_links(monkeypatch)
    with pytest.raises(OSError, match="has no symbolic links; use a folder on a local disk"):
        generate("tiny", out=tmp_path / "d", train_rows=50, validation_rows=5, negatives=10,
                 background_sentences=2_000, pool_size=100)
    assert [path.name for path in tmp_path.iterdir()] == [".d.lock"]


def test_a_plain_folder_on_a_file_system_without_links_is_used_as_it_is(data, monkeypatch):
    link = data / "standin-tiny"
    generation = link.resolve()
    link.unlink()
    generation.rename(link)
    _no_links(monkeypatch)
    assert get_dataset("tiny").root == link and link.is_dir() and not link.is_symlink()
