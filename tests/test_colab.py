"""The notebooks' Colab cell, run with Colab faked: what it would install and fetch."""
import os
import re
import shutil
import subprocess
import sys
import types
import zipfile
from pathlib import Path

import nbformat
import pytest
from packaging.requirements import InvalidRequirement, Requirement

from maintainers import colab
from maintainers.nbtools import insert_colab_cells

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
REPO_URL = "https://github.com/course/so-duplicates"
# The cell runs on Colab's Python (3.12) and reads pyproject.toml with tomllib (3.11+).
needs_tomllib = pytest.mark.skipif(sys.version_info < (3, 11), reason="the cell needs tomllib")


class Recorder:
    """Stands in for ``subprocess.check_call``; a ``git clone`` copies this repository's files."""

    def __init__(self) -> None:
        self.commands: list[list[str]] = []

    def __call__(self, command: list[str], cwd: str | None = None) -> int:
        self.commands.append([str(part) for part in command])
        if command[:2] == ["git", "clone"]:
            fake_clone(Path(command[-1]))
        return 0

    def pip_installs(self) -> list[list[str]]:
        return [c[c.index("install") + 1:] for c in self.commands if c[1:4] == ["-m", "pip", "install"]]


def fake_clone(dest: Path) -> None:
    dest.mkdir(parents=True)
    shutil.copy(ROOT / "pyproject.toml", dest / "pyproject.toml")
    (dest / "notebooks").mkdir()


@pytest.fixture
def on_colab(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Recorder:
    """Colab's marker in ``sys.modules``, commands recorded, path, cwd and environment restored."""
    google = types.ModuleType("google")
    google.colab = types.ModuleType("google.colab")
    monkeypatch.setitem(sys.modules, "google", google)
    monkeypatch.setitem(sys.modules, "google.colab", google.colab)
    recorder = Recorder()
    monkeypatch.setattr(subprocess, "check_call", recorder)
    monkeypatch.setattr(sys, "path", list(sys.path))
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("HW_DATASET", raising=False)
    return recorder


def run_cell(home: Path, repo_url: str = REPO_URL, data: str | None = None) -> dict:
    source = colab.cell_source(repo_url, home=str(home))
    if data is not None:
        source = source.replace('DATA = "standin"', f"DATA = {data!r}", 1)
    namespace: dict = {}
    exec(compile(source, "colab-cell", "exec"), namespace)
    return namespace


def torch_related(command: list[str]) -> list[str]:
    names = []
    for part in command:
        try:
            names.append(Requirement(part).name)
        except InvalidRequirement:  # an option, a path or a URL
            continue
    return [name for name in names if colab.TORCH_RELATED.fullmatch(name)]


@needs_tomllib
def test_cell_installs_nothing_torch_related_and_makes_the_standin(on_colab: Recorder,
                                                                   tmp_path: Path) -> None:
    run_cell(tmp_path)
    root = tmp_path / "so-duplicates"
    assert on_colab.commands[0] == ["git", "clone", "--depth", "1", REPO_URL, str(root)]
    assert all(not torch_related(command) for command in on_colab.commands), on_colab.commands
    dependencies, package = on_colab.pip_installs()
    expected = [r for r in colab_dependencies() if Requirement(r).name != "torch"]
    assert dependencies == ["--quiet", *expected]
    assert package == ["--quiet", "--no-deps", "--editable", str(root),
                       "--config-settings", "editable_mode=compat"]
    assert on_colab.commands[-1][1:] == ["-m", "sodata", "standin", "--scale", "sample", "--seed", "0"]
    assert len(on_colab.commands) == 4
    assert sys.path[0] == str(root) and Path.cwd() == root / "notebooks"
    assert os.environ["HW_DATASET"] == "sample"


def colab_dependencies() -> list[str]:
    import tomllib

    return tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]


@needs_tomllib
def test_cell_downloads_the_real_data_when_asked(on_colab: Recorder, tmp_path: Path) -> None:
    run_cell(tmp_path, data="real")
    assert on_colab.commands[-1][1:] == ["-m", "sodata", "download"]
    assert not any("standin" in command for command in on_colab.commands)
    assert os.environ["HW_DATASET"] == "real"


@needs_tomllib
def test_cell_reuses_the_clone(on_colab: Recorder, tmp_path: Path) -> None:
    fake_clone(tmp_path / "so-duplicates")
    run_cell(tmp_path)
    assert not any(command[0] == "git" for command in on_colab.commands)


@needs_tomllib
@pytest.mark.parametrize("top", ["", "so-duplicates-main/"])
def test_cell_unpacks_an_uploaded_zip(on_colab: Recorder, tmp_path: Path, top: str) -> None:
    with zipfile.ZipFile(tmp_path / "other.zip", "w") as archive:
        archive.writestr("train.tsv", "not the repository\n")
    with zipfile.ZipFile(tmp_path / "so-duplicates-main.zip", "w") as archive:
        archive.write(ROOT / "pyproject.toml", f"{top}pyproject.toml")
        archive.writestr(f"{top}notebooks/part1.ipynb", "{}")
    run_cell(tmp_path, repo_url="")
    root = tmp_path / "so-duplicates"
    assert (root / "pyproject.toml").read_bytes() == (ROOT / "pyproject.toml").read_bytes()
    assert not any(command[0] == "git" for command in on_colab.commands)
    assert not (tmp_path / "so-duplicates.unzipped").exists()
    assert Path.cwd() == root / "notebooks"


@needs_tomllib
def test_cell_says_what_to_set_without_a_repository(on_colab: Recorder, tmp_path: Path) -> None:
    with pytest.raises(RuntimeError, match="set REPO_URL at the top of this cell"):
        run_cell(tmp_path, repo_url=colab.PLACEHOLDER_REPO)
    assert on_colab.commands == []


@needs_tomllib
def test_cell_refuses_an_unknown_data_choice(on_colab: Recorder, tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="DATA = 'Real'"):
        run_cell(tmp_path, data="Real")
    assert on_colab.commands == []


def test_cell_does_nothing_off_colab(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delitem(sys.modules, "google.colab", raising=False)
    recorder = Recorder()
    monkeypatch.setattr(subprocess, "check_call", recorder)
    monkeypatch.chdir(tmp_path)
    namespace = run_cell(tmp_path)
    assert recorder.commands == [] and Path.cwd() == tmp_path
    assert "_colab_setup" not in namespace


def colab_cells(notebook) -> list:
    return [cell for cell in notebook.cells
            if {colab.BADGE_TAG, colab.CELL_TAG} & set(cell.get("metadata", {}).get("tags", []))]


def notebook_repo_url(notebook) -> str:
    match = re.search(r'^REPO_URL = "([^"]*)"', colab_cells(notebook)[-1].source, re.MULTILINE)
    assert match, "the set-up cell sets no REPO_URL: run `python -m maintainers.nbtools colab`"
    return match.group(1)


def test_each_notebook_has_the_note_and_the_collapsed_cell_after_its_title() -> None:
    urls = set()
    for path in NOTEBOOKS:
        notebook = nbformat.read(path, as_version=4)
        url = notebook_repo_url(notebook)
        urls.add(url)
        title, badge, cell = notebook.cells[:3]
        assert title.cell_type == "markdown" and title.source.startswith("# "), path.name
        assert (badge.cell_type, cell.cell_type) == ("markdown", "code"), path.name
        assert cell.source == colab.cell_source(url), (
            f"{path.name}: run `python -m maintainers.nbtools colab --repo {url}` to write the current cell")
        assert cell.source.startswith("# @title ")  # Colab's form view shows this line only
        assert cell.metadata["jupyter"]["source_hidden"] and cell.metadata["cellView"] == "form"
        assert badge.source == colab.badge_source(url, path.name), path.name
    assert len(NOTEBOOKS) == 4 and len(urls) == 1, urls


def test_no_badge_without_a_repository() -> None:
    note = colab.badge_source(colab.PLACEHOLDER_REPO, "part1.ipynb")
    assert "colab-badge.svg" not in note and "OWNER/REPO" not in note and "zip" in note
    assert "colab-badge.svg" in colab.badge_source(REPO_URL, "part1.ipynb")


def test_insert_replaces_earlier_cells_and_is_idempotent(tmp_path: Path) -> None:
    path = tmp_path / "part9.ipynb"
    notebook = nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_code_cell("old = 1", metadata={"tags": [colab.CELL_TAG]}),
        nbformat.v4.new_markdown_cell("# Title"),
        nbformat.v4.new_code_cell("x = 1")])
    nbformat.write(notebook, path)
    assert insert_colab_cells(path, REPO_URL)
    cells = nbformat.read(path, as_version=4).cells
    assert [c.source for c in cells[:1] + cells[3:]] == ["# Title", "x = 1"]
    assert cells[2].source == colab.cell_source(REPO_URL)
    assert "github/course/so-duplicates/blob/main/notebooks/part9.ipynb" in cells[1].source
    before = path.read_bytes()
    assert not insert_colab_cells(path, REPO_URL)
    assert path.read_bytes() == before


def test_badge_needs_a_github_url() -> None:
    with pytest.raises(ValueError, match="expected https://github.com/OWNER/REPO"):
        colab.badge_source("https://gitlab.com/a/b", "part1.ipynb")
