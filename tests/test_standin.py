"""The stand-in generator: formats, determinism, reuse, atomic writing and bad input."""
import errno
import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from sodata import read_corpus
from sodata.__main__ import main as data_main
from sodata.standin import GENERATOR_VERSION, SCALES, VECTORS_FILE, generate
from sodata.standin import writer as standin_writer

REPO_ROOT = Path(__file__).resolve().parents[1]
FILES = ("train.tsv", "validation.tsv", "test.tsv", VECTORS_FILE, "manifest.json")
CHECK_SENTENCE = "What is life? Baby dont hurt me, dont hurt me, no more."


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture(scope="module")
def tiny(tmp_path_factory) -> Path:
    return generate("tiny", seed=0, out=tmp_path_factory.mktemp("standin") / "tiny")


def test_writes_every_file_and_a_manifest(tiny):
    assert sorted(p.name for p in tiny.iterdir()) == sorted(FILES)
    manifest = json.loads((tiny / "manifest.json").read_text())
    assert manifest["scale"] == "tiny" and manifest["seed"] == 0
    assert manifest["generator_version"] == GENERATOR_VERSION
    for name in FILES[:-1]:
        assert manifest["files"][name] == sha256(tiny / name), name
    assert manifest["rows"]["train"] == SCALES["tiny"].train_rows
    assert manifest["rows"]["validation"] == SCALES["tiny"].validation_rows


def test_train_rows_hold_two_to_six_duplicates(tiny):
    rows = read_corpus(tiny / "train.tsv")
    sizes = [len(row) for row in rows]
    assert len(rows) == SCALES["tiny"].train_rows
    assert min(sizes) >= 2 and max(sizes) <= 6
    assert sizes.count(2) / len(sizes) > 0.6  # mostly pairs, like the real file
    assert all(title and title == title.strip() for row in rows for title in row)


@pytest.mark.parametrize("name", ["validation.tsv", "test.tsv"])
def test_ranking_rows_hold_question_duplicate_and_negatives(tiny, name):
    rows = read_corpus(tiny / name)
    knobs = SCALES["tiny"]
    assert len(rows) == knobs.validation_rows
    negatives = [len(row) - 2 for row in rows]
    assert max(negatives) == knobs.negatives
    assert knobs.negatives * 0.95 < sum(negatives) / len(negatives) <= knobs.negatives
    for question, duplicate, *others in rows:
        assert question != duplicate
        assert question not in others and duplicate not in others


def test_vectors_load_with_gensim_and_the_project_reader(tiny):
    from gensim.models import KeyedVectors

    from sodata.vectors import load_vectors

    path = tiny / VECTORS_FILE
    full = KeyedVectors.load_word2vec_format(path, binary=True)
    limited = KeyedVectors.load_word2vec_format(path, binary=True, limit=500)
    assert full.vector_size == 300 and len(limited) == 500
    assert len(full) == json.loads((tiny / "manifest.json").read_text())["vectors"]["words"]
    ours = load_vectors(path, limit=500)
    assert ours.index_to_key == limited.index_to_key


def test_vectors_know_everyday_words_but_not_the_typos(tiny):
    from gensim.models import KeyedVectors

    vectors = KeyedVectors.load_word2vec_format(tiny / VECTORS_FILE, binary=True)
    known = [word for word in CHECK_SENTENCE.split() if word in vectors]
    assert len(known) >= 4, known  # the course's embedder check needs known raw words
    words = {w.strip("?,.").lower() for w in CHECK_SENTENCE.split()}
    assert words <= set(vectors.index_to_key)
    titles = [title for row in read_corpus(tiny / "validation.tsv") for title in row[:2]]
    tokens = [word.lower() for title in titles for word in title.split() if word.isalpha()]
    unknown = sum(word not in vectors for word in tokens) / len(tokens)
    assert 0.02 < unknown < 0.3  # some out-of-vocabulary words for Part 2, not too many


def test_same_seed_gives_identical_files_and_other_seeds_differ(tiny, tmp_path):
    again = generate("tiny", seed=0, out=tmp_path / "again")
    other = generate("tiny", seed=1, out=tmp_path / "other")
    for name in FILES:
        assert sha256(again / name) == sha256(tiny / name), name
    assert sha256(other / "train.tsv") != sha256(tiny / "train.tsv")


@pytest.mark.slow
def test_files_do_not_depend_on_pythonhashseed(tiny, tmp_path):
    code = ("import sys; from sodata.standin import generate; "
            "generate('tiny', seed=0, out=sys.argv[1])")
    for hashseed in ("1", "12345"):
        out = tmp_path / f"hash{hashseed}"
        env = {**os.environ, "PYTHONHASHSEED": hashseed}
        subprocess.run([sys.executable, "-c", code, str(out)], check=True, env=env,
                       cwd=REPO_ROOT, capture_output=True)
        for name in FILES:
            assert sha256(out / name) == sha256(tiny / name), (hashseed, name)


def test_existing_matching_data_set_is_reused(tiny, monkeypatch):
    before = {name: (tiny / name).stat().st_mtime_ns for name in FILES}

    def fail(*args, **kwargs):
        raise AssertionError("regenerated a data set that was already there")

    monkeypatch.setattr("sodata.standin.replace", fail)
    assert generate("tiny", seed=0, out=tiny) == tiny
    assert {name: (tiny / name).stat().st_mtime_ns for name in FILES} == before


@pytest.mark.parametrize("kwargs, message", [
    ({"scale": "huge"}, "unknown stand-in scale 'huge'"),
    ({"seed": -1}, "non-negative integer"),
    ({"seed": 1.5}, "non-negative integer"),
    ({"oov_rate": 1.5}, "oov_rate must be a number in [0, 1]"),
    ({"train_rows": 0}, "train_rows must be a positive integer"),
    ({"typo_rate": 0.1}, "unknown stand-in knob 'typo_rate'"),
])
def test_bad_arguments_are_named(tmp_path, kwargs, message):
    with pytest.raises(ValueError, match=message.replace("[", r"\[").replace("]", r"\]")):
        generate(**{"scale": "tiny", "out": tmp_path / "d", **kwargs})
    assert not (tmp_path / "d").exists()


def test_output_path_that_is_a_file(tmp_path):
    target = tmp_path / "file.txt"
    target.write_text("not a folder")
    with pytest.raises(NotADirectoryError, match="is a file"):
        generate("tiny", out=target)
    assert target.read_text() == "not a folder"


def test_foreign_non_empty_folder_is_not_replaced(tmp_path):
    (tmp_path / "notes.txt").write_text("mine")
    with pytest.raises(FileExistsError, match="not empty"):
        generate("tiny", out=tmp_path)
    assert (tmp_path / "notes.txt").read_text() == "mine"


def test_full_disk_leaves_nothing_behind(tmp_path, monkeypatch):
    real_write_rows = standin_writer.write_rows

    def write_rows(path, rows):
        if path.name == "validation.tsv":
            raise OSError(errno.ENOSPC, "No space left on device")
        return real_write_rows(path, rows)

    monkeypatch.setattr("sodata.standin.write_rows", write_rows)
    with pytest.raises(OSError, match="no space left") as error:
        generate("tiny", out=tmp_path / "d")
    assert error.value.errno == errno.ENOSPC
    assert not (tmp_path / "d").exists()
    assert [p.name for p in tmp_path.iterdir()] == [".d.lock"]


def test_interrupted_run_leaves_nothing_behind(tmp_path, monkeypatch):
    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr("sodata.standin.train_vectors", interrupted)
    with pytest.raises(KeyboardInterrupt):
        generate("tiny", out=tmp_path / "d")
    assert [p.name for p in tmp_path.iterdir()] == [".d.lock"]


@pytest.mark.parametrize("argv, message", [
    (["--scale", "huge"], "unknown scale 'huge'"),
    (["--seed", "-3"], "seed must be a non-negative integer"),
    (["--seed", "x"], "seed must be a non-negative integer"),
    (["--knob", "oov_rate"], "NAME=VALUE"),
])
def test_command_line_rejects_bad_arguments(argv, message, capsys):
    with pytest.raises(SystemExit) as exit_:
        data_main(["standin", *argv])
    assert exit_.value.code == 2
    assert message in capsys.readouterr().err


def test_command_line_names_a_file_output(tmp_path, capsys):
    target = tmp_path / "file"
    target.write_text("x")
    with pytest.raises(SystemExit) as exit_:
        data_main(["standin", "--scale", "tiny", "--out", str(target)])
    assert exit_.value.code == 2
    assert f"{target} is a file" in capsys.readouterr().err


def test_command_line_generates(tmp_path, capsys):
    out = tmp_path / "cli"
    assert data_main(["standin", "--scale", "tiny", "--out", str(out), "--knob", "train_rows=30",
                      "--knob", "background_sentences=2000", "--knob", "validation_rows=4",
                      "--knob", "negatives=5", "--knob", "pool_size=50"]) == 0
    assert len(read_corpus(out / "train.tsv")) == 30
    assert str(out) in capsys.readouterr().out
