"""The table of the stand-in's pinned sha256 (``sodata/standin/pins.py``) holds what the generator
writes: a changed generator fails here until ``GENERATOR_VERSION`` is bumped and the table
re-pinned (``python -m sodata pin``; README.md, "Changing the stand-in"). ``full`` is checked by
``python -m sodata pin --check --scale full`` (two minutes, 600 MB), not by a test."""
import runpy

import pytest

import sodata.standin as standin
from sodata.__main__ import main as data_main
from sodata.standin import pinning, pins


def test_tiny_is_what_the_table_pins():
    assert pinning.differences("tiny") == []


@pytest.mark.slow
def test_sample_is_what_the_table_pins():
    assert pinning.differences("sample") == []


def test_a_changed_generator_fails_the_pins(monkeypatch):
    real_write_rows = standin.write_rows
    monkeypatch.setattr(standin, "write_rows",
                        lambda path, rows: real_write_rows(path, (row[::-1] for row in rows)))
    found = pinning.differences("tiny")
    assert sorted(line.split(":")[0] for line in found) == [
        "tiny/0 test.tsv", "tiny/0 train.tsv", "tiny/0 validation.tsv"]


def test_a_new_generator_version_has_no_pins_until_pinned(monkeypatch):
    monkeypatch.setattr(pinning, "GENERATOR_VERSION", standin.GENERATOR_VERSION + "-next")
    [line] = pinning.differences("tiny")
    assert "no pins for generator v" in line and "python -m sodata pin" in line


def test_the_table_is_as_the_pin_command_writes_it():
    assert pinning.TABLE.read_text(encoding="utf-8") == pinning.render(pins.PINS)
    assert set(pins.PINS[standin.GENERATOR_VERSION]) == {"tiny/0", "sample/0", "full/0"}


def test_the_pin_command_writes_the_current_version_and_checks_it(tmp_path, monkeypatch, capsys):
    table = tmp_path / "pins.py"
    tiny = pins.PINS[standin.GENERATOR_VERSION]["tiny/0"]
    old = {"tiny/0": {"train.tsv": "0" * 64}}
    monkeypatch.setattr(pinning, "TABLE", table)
    monkeypatch.setattr(pins, "PINS", {"5": old, standin.GENERATOR_VERSION: old})
    assert data_main(["pin", "--check", "--scale", "tiny"]) == 1
    assert f"tiny/0 train.tsv: pinned {'0' * 64}, generated" in capsys.readouterr().out
    assert data_main(["pin", "--scale", "tiny"]) == 0
    assert f"pinned tiny in {table}" in capsys.readouterr().out
    written = runpy.run_path(str(table))["PINS"]
    assert written == {standin.GENERATOR_VERSION: {"tiny/0": tiny}}  # older versions dropped
