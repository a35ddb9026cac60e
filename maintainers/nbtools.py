"""Notebook chores.

- ``python -m maintainers.nbtools execute NB...`` runs notebooks in place and records, in each
  notebook's metadata (``so_duplicates.source_sha256``), a hash of its cells' sources and tags.
- ``python -m maintainers.nbtools check-fresh [NB...]`` fails when a notebook's stored outputs are stale:
  its cells changed since it was last executed (or it never was), so nbval would compare against
  outputs of other code. The fix it prints: ``make notebooks``.

- ``python -m maintainers.nbtools colab [--repo URL] [NB...]`` puts the Colab badge and set-up cell
  (``maintainers/colab.py``) at the top of each notebook, replacing earlier ones; it executes nothing.

The Makefile runs ``execute`` with ``HW_DATASET=sample`` (the default data: the stored outputs
show a teacher the lesson as a student sees it); ``execute`` stores no progress bar (a stored
widget shows as stale text where widgets do not render: ``drop_widgets``). nbval re-runs the notebooks
on the tiny stand-in in CI and compares only the cells tagged ``nbval-check-output``, whose
outputs do not depend on the data set; the numbers are checked by the notebooks'
``task_tests`` calls. Stored outputs never carry the executing machine's paths: ``execute``
replaces them (``scrub_paths``), and nbval's sanitizer (maintainers/nbval_sanitize.cfg) hides
them in fresh outputs.
"""
import argparse
import hashlib
import os
import re
import sys
import tempfile
import time
from pathlib import Path

import nbformat

from maintainers import colab

METADATA_KEY = "so_duplicates"
REPO_ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = REPO_ROOT / "notebooks"
# Any absolute path under the usual homes of checkouts, environments and temporary files.
MACHINE_PATH = re.compile(r"(?<![\w.~<>-])/(?:work|root|home|tmp|Users|private|var/folders)/[^\s'\"()<>,;:]*")


def scrub_paths(text: str) -> str:
    """``text`` without the machine's absolute paths: the repository, the Python environment,
    the home and temporary folders become ``<repo>``, ``<venv>``, ``~``, ``<tmp>``; any other
    path under /work, /root, /home, /tmp (...) becomes ``<path>``."""
    for prefix, name in sorted([(str(REPO_ROOT), "<repo>"), (sys.prefix, "<venv>"),
                                (tempfile.gettempdir(), "<tmp>"), (str(Path.home()), "~")],
                               key=lambda pair: -len(pair[0])):
        if len(prefix) > 1:
            text = text.replace(prefix, name)
    return MACHINE_PATH.sub("<path>", text)


def scrub_outputs(notebook) -> None:
    """``scrub_paths`` on every stored output's text (streams, tracebacks, text data)."""
    for cell in notebook.cells:
        for output in cell.get("outputs", []):
            if "text" in output:
                output["text"] = scrub_paths(output["text"])
            if "traceback" in output:
                output["traceback"] = [scrub_paths(line) for line in output["traceback"]]
            for mime, value in output.get("data", {}).items():
                if mime.startswith("text/") and isinstance(value, str):
                    output["data"][mime] = scrub_paths(value)


WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"


def drop_widgets(notebook) -> None:
    """Remove the stored widget outputs (tqdm's progress bars in a kernel) and their state: where
    widgets do not render (GitHub, a plain viewer) a bar shows as its text at its first update
    ("0%| | 0/60"), which says nothing about the run."""
    notebook.metadata.pop("widgets", None)
    for cell in notebook.cells:
        if "outputs" in cell:
            cell.outputs = [output for output in cell.outputs
                            if WIDGET_VIEW not in output.get("data", {})]


def source_sha256(notebook) -> str:
    """A hash of what the stored outputs depend on: each cell's type, tags and source."""
    digest = hashlib.sha256()
    for cell in notebook.cells:
        tags = ",".join(sorted(cell.get("metadata", {}).get("tags", [])))
        for part in (cell.cell_type, tags, cell.source):
            digest.update(part.encode("utf-8"))
            digest.update(b"\0")
    return digest.hexdigest()


def execute(path: Path, timeout_s: int = 900) -> None:
    """Run every cell of ``path`` in its own folder and save the outputs back (atomically)."""
    from nbclient import NotebookClient

    notebook = nbformat.read(path, as_version=4)
    client = NotebookClient(notebook, timeout=timeout_s, kernel_name="python3",
                            resources={"metadata": {"path": str(path.parent)}})
    started = time.perf_counter()
    client.execute()
    scrub_outputs(notebook)
    drop_widgets(notebook)
    notebook.metadata[METADATA_KEY] = {
        "source_sha256": source_sha256(notebook),
        "dataset": os.environ.get("HW_DATASET", ""),
    }
    temporary = path.with_suffix(".ipynb.tmp")
    nbformat.write(notebook, temporary)
    temporary.replace(path)
    print(f"{path}: executed in {time.perf_counter() - started:.0f} s")


def insert_colab_cells(path: Path, repo_url: str = colab.PLACEHOLDER_REPO) -> bool:
    """Put the Colab note and set-up cell right after ``path``'s title (its first markdown cell),
    the cell collapsed; ``True`` when the file changed.

    Earlier Colab cells (found by their tags) are removed wherever they are; cells already as
    wanted keep their ids and outputs, so a second run changes nothing.
    """
    notebook = nbformat.read(path, as_version=4)
    tags = {colab.BADGE_TAG, colab.CELL_TAG}
    rest = [cell for cell in notebook.cells if not tags & set(cell_tags(cell))]
    title = next((index for index, cell in enumerate(rest) if cell.cell_type == "markdown"), -1)
    badge = nbformat.v4.new_markdown_cell(colab.badge_source(repo_url, path.name),
                                          metadata={"tags": [colab.BADGE_TAG]})
    setup = nbformat.v4.new_code_cell(colab.cell_source(repo_url),
                                      metadata={"tags": [colab.CELL_TAG], **colab.CELL_METADATA})
    current = notebook.cells[title + 1:title + 3]
    wanted = [(badge.cell_type, badge.source, dict(badge.metadata)),
              (setup.cell_type, setup.source, dict(setup.metadata))]
    if [(cell.cell_type, cell.source, dict(cell.metadata)) for cell in current] == wanted \
            and len(rest) + 2 == len(notebook.cells):
        return False
    notebook.cells = [*rest[:title + 1], badge, setup, *rest[title + 1:]]
    temporary = path.with_suffix(".ipynb.tmp")
    nbformat.write(notebook, temporary)
    temporary.replace(path)
    return True


def cell_tags(cell) -> list[str]:
    return list(cell.get("metadata", {}).get("tags", []))


def staleness(path: Path) -> str | None:
    """Why ``path``'s stored outputs are stale, or ``None`` when they are fresh."""
    notebook = nbformat.read(path, as_version=4)
    recorded = notebook.metadata.get(METADATA_KEY, {}).get("source_sha256")
    if recorded is None:
        return "it was never executed with `python -m maintainers.nbtools execute`"
    if recorded != source_sha256(notebook):
        return "its cells changed since its outputs were stored"
    unexecuted = [index + 1 for index, cell in enumerate(notebook.cells)
                  if cell.cell_type == "code" and cell.source.strip()
                  and cell.get("execution_count") is None]
    if unexecuted:
        return f"code cells {unexecuted[:5]} have no stored execution"
    return None


def check_fresh(paths: list[Path]) -> int:
    """Print a line per stale notebook; 1 when any is stale."""
    stale = 0
    for path in paths:
        reason = staleness(path)
        if reason:
            stale += 1
            print(f"{path}: stored outputs are stale: {reason}. Run `make notebooks` "
                  f"(or `python -m maintainers.nbtools execute {path}` with HW_DATASET=sample) "
                  f"and commit the result.")
    if not stale:
        print(f"{len(paths)} notebook(s) fresh")
    return 1 if stale else 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m maintainers.nbtools")
    commands = parser.add_subparsers(dest="command", required=True)
    run = commands.add_parser("execute", help="execute notebooks in place")
    run.add_argument("notebooks", nargs="+", type=Path)
    fresh = commands.add_parser("check-fresh", help="fail when stored outputs are stale")
    fresh.add_argument("notebooks", nargs="*", type=Path)
    cells = commands.add_parser("colab", help="put the Colab badge and set-up cell first")
    cells.add_argument("--repo", default=colab.PLACEHOLDER_REPO,
                       help="the repository's GitHub URL (default: a placeholder)")
    cells.add_argument("notebooks", nargs="*", type=Path)
    args = parser.parse_args(argv)
    if args.command == "check-fresh":
        return check_fresh(args.notebooks or sorted(NOTEBOOKS.glob("*.ipynb")))
    if args.command == "colab":
        try:
            colab.github_slug(args.repo)  # a bad URL fails before any notebook changes
        except ValueError as error:
            parser.error(str(error))
        for path in args.notebooks or sorted(NOTEBOOKS.glob("*.ipynb")):
            changed = insert_colab_cells(path, args.repo)
            print(f"{path}: {'Colab cells written' if changed else 'unchanged'}")
        return 0
    for path in args.notebooks:
        execute(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
