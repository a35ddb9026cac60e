"""The notebooks' stored outputs (what nbval compares) belong to their current code, and the
sanitiser hides what changes from run to run."""
import configparser
import re
from pathlib import Path

import nbformat
import pytest

from maintainers import nbtools

REPO = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((REPO / "notebooks").glob("*.ipynb"))


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.name for p in NOTEBOOKS])
def test_stored_outputs_are_fresh(path):
    reason = nbtools.staleness(path)
    assert reason is None, (f"{path.relative_to(REPO)}: stored outputs are stale: {reason}; "
                            f"run `make notebooks` and commit the notebooks")


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.name for p in NOTEBOOKS])
def test_key_numbers_are_compared_by_nbval(path):
    """nbval runs in lax mode: only cells tagged ``nbval-check-output`` are compared, so each
    notebook needs some, with stored outputs to compare against."""
    notebook = nbformat.read(path, as_version=4)
    checked = [cell for cell in notebook.cells if cell.cell_type == "code"
               and "nbval-check-output" in cell.metadata.get("tags", [])]
    assert checked, f"{path.name}: no cell tagged nbval-check-output"
    assert all(cell.outputs for cell in checked), f"{path.name}: a checked cell has no output"


def make_notebook():
    notebook = nbformat.v4.new_notebook()
    notebook.cells = [nbformat.v4.new_markdown_cell("# Title"),
                      nbformat.v4.new_code_cell("print(1 + 1)", execution_count=1)]
    return notebook


def stamp(notebook):
    notebook.metadata[nbtools.METADATA_KEY] = {"source_sha256": nbtools.source_sha256(notebook)}


def test_a_changed_cell_or_tag_makes_a_notebook_stale_and_outputs_do_not(tmp_path):
    path = tmp_path / "nb.ipynb"
    notebook = make_notebook()
    nbformat.write(notebook, path)
    assert "never executed" in nbtools.staleness(path)
    stamp(notebook)
    notebook.cells[1].outputs = [nbformat.v4.new_output("stream", text="2\n")]
    nbformat.write(notebook, path)
    assert nbtools.staleness(path) is None
    notebook.cells[1].source = "print(1 + 2)"
    nbformat.write(notebook, path)
    assert "changed" in nbtools.staleness(path)
    stamp(notebook)
    notebook.cells[1].metadata["tags"] = ["nbval-check-output"]
    nbformat.write(notebook, path)
    assert "changed" in nbtools.staleness(path)
    assert nbtools.main(["check-fresh", str(path)]) == 1


def test_unexecuted_code_cells_are_stale(tmp_path):
    path = tmp_path / "nb.ipynb"
    notebook = make_notebook()
    notebook.cells[1].execution_count = None
    stamp(notebook)
    nbformat.write(notebook, path)
    assert "no stored execution" in nbtools.staleness(path)


def sanitize(text: str) -> str:
    """What nbval does with maintainers/nbval_sanitize.cfg (its own parsing: 'regex:' + 'replace:')."""
    config = (REPO / "maintainers" / "nbval_sanitize.cfg").read_text()
    for regex, replace in re.findall(r"^regex: (.*)$\n^replace: (.*)$", config, flags=re.M):
        text = re.sub(regex, replace, text)
    return text


def test_sanitizer_file_parses_and_every_section_has_a_pattern():
    parser = configparser.ConfigParser(interpolation=None)
    parser.read(REPO / "maintainers" / "nbval_sanitize.cfg")
    assert parser.sections()
    for section in parser.sections():
        re.compile(parser[section]["regex"])
        assert "replace" in parser[section]


@pytest.mark.parametrize("first, second", [
    ("epoch 1: loss 0.1234 in 12.3 s", "epoch 1: loss 0.1234 in 9.87 s"),
    ("<Foo object at 0x7f3a2b1c>", "<Foo object at 0x7e00ffee>"),
    ("100%|██████████| 50/50 [00:03<00:00, 15.2it/s]", "100%|██████████| 50/50 [00:01<00:00, 40.0it/s]"),
    ("CPU times: user 1.2 s, sys: 3 ms, total: 1.3 s\nWall time: 1.31 s",
     "CPU times: user 2 s, sys: 1 ms, total: 2 s\nWall time: 2.01 s"),
    ("took 0:00:03.123456", "took 0:00:01.000001"),
    ("saved at 2025-01-02 10:11:12", "saved at 2026-11-26 07:08:09"),
    ("data in /work/main/data/standin-tiny", "data in /home/ci/repo/data/standin-tiny"),
    ("logs: runs/dssm-20250101-101112", "logs: runs/dssm-20261126-070809"),
    ("tmp file /tmp/tmpab12cd/x.pt", "tmp file /tmp/tmpzz99yy/x.pt"),
])
def test_sanitizer_hides_what_changes_between_runs(first, second):
    assert sanitize(first) == sanitize(second)


@pytest.mark.parametrize("text", ["Hits@1 = 0.4231", "Hits@500: 0.9125\nMRR 0.512",
                                  "vocabulary: 12345 words", "loss 0.6931"])
def test_sanitizer_keeps_the_numbers_that_matter(text):
    assert sanitize(text) == text


def test_execute_stores_no_progress_bar_widgets():
    notebook = make_notebook()
    bar = nbformat.v4.new_output("display_data", data={
        "text/plain": "  0%|          | 0/60 [00:00<?, ?it/s]",
        "application/vnd.jupyter.widget-view+json": {"version_major": 2, "model_id": "x"}})
    printed = nbformat.v4.new_output("stream", text="Hits@1 0.42\n")
    notebook.cells[1].outputs = [bar, printed]
    notebook.metadata["widgets"] = {"application/vnd.jupyter.widget-state+json": {}}
    nbtools.drop_widgets(notebook)
    assert notebook.cells[1].outputs == [printed] and "widgets" not in notebook.metadata
