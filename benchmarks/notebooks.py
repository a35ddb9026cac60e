"""How long each notebook takes, run top to bottom as a student would, on the default data.

Two solutions run each notebook, each in a fresh kernel (``nbclient``) and a temporary folder
(the committed outputs stay as they are):

- ``reference``: the repository's notebooks with the reference solution;
- ``course_style``: the student release (``maintainers.release``) solved with
  ``tests/fixtures/course_solution`` (``release.solve``): a solution written the way the course
  writes it, whose ``Scorer`` calls sklearn's ``cosine_similarity`` for each candidate. Its Run
  All is what the time budgets are about (``BUDGET_S``: 5 minutes for Parts 1-3, 10 for Part 4,
  on 2 quiet cores).

The data set is generated first and timed apart (first use only). Figures: each notebook's wall
time against its budget, its slowest cells, the cells over ``LONG_CELL_S`` whose preceding
markdown does not warn the student, the kernel's CPU seconds (on a busy machine, closer to a
quiet machine's wall time than the wall time is) and the load average before and after.
``--quick`` runs on the tiny stand-in (a smoke run; the budgets are for ``sample``).

    python -m benchmarks notebooks           # or: make bench BENCH_ARGS=notebooks
    python -m benchmarks.notebooks [--solutions course_style] [NAME...]   # some, updating their rows
    python -m benchmarks.notebooks --table      # the README's table of the kept figures
"""
import argparse
import datetime
import json
import os
import tempfile
import time
from pathlib import Path

import nbformat

REPO_ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = REPO_ROOT / "notebooks"
COURSE_SOLUTION = REPO_ROOT / "tests" / "fixtures" / "course_solution"
SOLUTIONS = ("reference", "course_style")
DEFAULT_DATASET = "sample"
BUDGET_S = {"part1_pretrained_vectors": 300, "part2_trigram_oov": 300, "part3_dssm": 300,
            "part4_bonus": 600}
LONG_CELL_S = 30.0
WARNING_WORDS = ("takes", "minute", "seconds", "wait", "long")


def generate_data(dataset: str) -> float:
    """Make sure the data set exists (generating a stand-in on first use); its seconds."""
    from sodata import get_dataset

    started = time.perf_counter()
    get_dataset(dataset)
    return time.perf_counter() - started


def cell_seconds(cell) -> float:
    """The execution time nbclient recorded in a cell's metadata."""
    from datetime import datetime

    timing = cell.metadata.get("execution", {})
    start, end = timing.get("iopub.execute_input"), timing.get("shell.execute_reply")
    if not start or not end:
        return 0.0
    parse = lambda stamp: datetime.fromisoformat(stamp.replace("Z", "+00:00"))  # noqa: E731
    return (parse(end) - parse(start)).total_seconds()


def kernel_cpu_seconds(client) -> float:
    """CPU seconds the kernel (and its children) used so far: on a busy machine, a closer
    estimate of the wall time on a quiet one than the wall time itself."""
    import psutil

    times = psutil.Process(client.km.provisioner.process.pid).cpu_times()
    return times.user + times.system + times.children_user + times.children_system


def warned(cells: list, index: int) -> bool:
    """Whether the markdown just before code cell ``index`` tells the student it is long."""
    for cell in reversed(cells[:index]):
        if cell.cell_type == "markdown":
            text = cell.source.lower()
            return any(word in text for word in WARNING_WORDS)
    return False


def run_notebook(path: Path, dataset: str, code_root: Path, timeout_s: int = 1800) -> dict:
    """Execute the notebook at ``path`` on ``dataset`` with ``code_root`` first on the path (its
    ``hw_utils``), in a temporary folder; its figures."""
    from nbclient import NotebookClient
    from sodata.datasets import data_dir

    notebook = nbformat.read(path, as_version=4)
    environment = {"HW_DATASET": dataset, "HW_DATA_DIR": str(data_dir()), "HW_TENSORBOARD": "0",
                   "PYTHONPATH": os.pathsep.join(filter(None, [str(code_root),
                                                               os.environ.get("PYTHONPATH")]))}
    saved = {key: os.environ.get(key) for key in environment}
    os.environ.update(environment)
    try:
        with tempfile.TemporaryDirectory(prefix="nb-bench-") as work:
            client = NotebookClient(notebook, timeout=timeout_s, kernel_name="python3",
                                    record_timing=True, resources={"metadata": {"path": work}})
            cpu = {"s": 0.0}
            client.on_cell_executed = lambda **_: cpu.update(s=kernel_cpu_seconds(client))
            started = time.perf_counter()
            client.execute()
            wall = time.perf_counter() - started
    finally:
        for key, value in saved.items():
            os.environ.pop(key, None) if value is None else os.environ.__setitem__(key, value)
    name = path.stem
    timed = [(index, cell_seconds(cell)) for index, cell in enumerate(notebook.cells)
             if cell.cell_type == "code"]
    slowest = sorted(timed, key=lambda item: -item[1])[:3]
    unwarned = [index + 1 for index, seconds in timed
                if seconds > LONG_CELL_S and not warned(notebook.cells, index)]
    return {"wall_s": round(wall, 1), "kernel_cpu_s": round(cpu["s"], 1), "budget_s": BUDGET_S.get(name),
            "within_budget": BUDGET_S.get(name) is None or wall <= BUDGET_S[name],
            # On a busy machine the wall time overstates a quiet one's; CPU time does not.
            "kernel_cpu_within_budget": BUDGET_S.get(name) is None or cpu["s"] <= BUDGET_S[name],
            "slowest_cells": {f"cell {index + 1}": round(seconds, 1) for index, seconds in slowest},
            "long_cells_without_warning": unwarned}


def solved_release(work: Path) -> Path:
    """The student release, built into ``work`` and solved with the course-style solution."""
    from maintainers import release

    out = release.build(work / "student").out
    release.solve(out, COURSE_SOLUTION)
    return out


def load_average() -> str:
    one, five, fifteen = os.getloadavg()
    return f"{one:.2f} {five:.2f} {fifteen:.2f}"


def run(quick: bool = False, names: list[str] | None = None,
        solutions: tuple[str, ...] = SOLUTIONS) -> dict:
    dataset = "tiny" if quick else DEFAULT_DATASET
    names = names or sorted(path.stem for path in NOTEBOOKS.glob("*.ipynb"))
    figures: dict = {"dataset": dataset, "load_average_before": load_average(),
                     "data_generation_s": round(generate_data(dataset), 1)}
    with tempfile.TemporaryDirectory(prefix="nb-bench-release-") as work:
        roots = {"reference": REPO_ROOT}
        if "course_style" in solutions:
            roots["course_style"] = solved_release(Path(work))
        for solution in solutions:
            figures[solution] = {}
            for name in names:
                before = load_average()
                path = roots[solution] / "notebooks" / f"{name}.ipynb"
                figures[solution][name] = {**run_notebook(path, dataset, roots[solution]),
                                           "load_average_before": before,
                                           "load_average_after": load_average()}
                print(f"  {solution} {name}: {figures[solution][name]}", flush=True)
    figures["load_average_after"] = load_average()
    return figures


def update_results(figures: dict, names: list[str]) -> Path:
    """Merge one run's figures for ``names`` into ``benchmarks/results/notebooks.json`` (what
    ``make bench`` writes), keeping the other notebooks' figures; the file's path."""
    from benchmarks.__main__ import RESULTS_DIR, machine

    path = RESULTS_DIR / "notebooks.json"
    result = json.loads(path.read_text(encoding="utf-8")) if path.is_file() else {
        "benchmark": "notebooks", "quick": False, "figures": {}}
    for solution in SOLUTIONS:
        for name in names if solution in figures else []:
            result["figures"].setdefault(solution, {})[name] = {
                "load_average_before": figures["load_average_before"],
                "load_average_after": figures["load_average_after"], **figures[solution][name],
                "date": datetime.datetime.now().isoformat(timespec="seconds")}
    result["machine"] = machine()
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_suffix(".json.tmp")
    temporary.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    temporary.replace(path)
    return path


def markdown_table(result: dict) -> str:
    """The README's table of ``benchmarks/results/notebooks.json``'s figures (``--table``)."""
    rows = ["| solution | notebook | budget (2 quiet cores) | wall time | kernel CPU time | slowest cell "
            "| load average (1 min) before, after |", "|---|---|---|---|---|---|---|"]
    for solution in SOLUTIONS:
        for name, figures in sorted(result["figures"].get(solution, {}).items()):
            cell, seconds = next(iter(figures["slowest_cells"].items()))
            rows.append(f"| {solution} | {name} | {figures['budget_s']} s | {figures['wall_s']:.0f} s "
                        f"| {figures['kernel_cpu_s']:.0f} s | {cell}, {seconds:.0f} s "
                        f"| {figures['load_average_before'].split()[0]}, "
                        f"{figures['load_average_after'].split()[0]} |")
    return "\n".join(rows)


if __name__ == "__main__":
    # Some notebooks again: their figures replace theirs in the results `make bench` keeps.
    parser = argparse.ArgumentParser(prog="python -m benchmarks.notebooks")
    parser.add_argument("names", nargs="*", help="notebooks (default: all)")
    parser.add_argument("--solutions", nargs="+", choices=SOLUTIONS, default=list(SOLUTIONS))
    parser.add_argument("--table", action="store_true",
                        help="print the README's table of the kept figures; run nothing")
    args = parser.parse_args()
    if args.table:
        from benchmarks.__main__ import RESULTS_DIR

        print(markdown_table(json.loads((RESULTS_DIR / "notebooks.json").read_text("utf-8"))))
        raise SystemExit(0)
    names = args.names or sorted(path.stem for path in NOTEBOOKS.glob("*.ipynb"))
    print("->", update_results(run(names=names, solutions=tuple(args.solutions)), names))
