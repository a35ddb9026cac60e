"""The grader's cost: one submission, and a batch of four, on the default settings.

``python -m tools.bench grader`` (``make bench``). Grades the reference (a fresh ``tiny`` stand-in
with a random seed, the reference's side, every check in a sandbox, twice), then a batch of four
copies of it, and, for the cost of the reproducibility runs, the reference once more with one run
per check. Figures: wall seconds of each phase, the CPU seconds each check's sandbox used (both
runs), and the load average before and after (the machine is not assumed to be quiet).
``--quick``: the single submission only.
"""
import os
import shutil
import tempfile
import time
from dataclasses import replace
from pathlib import Path

from tools.grading.core import REPO_ROOT, Grader, GraderConfig


def _load() -> list[float]:
    return [round(value, 2) for value in os.getloadavg()]


def _single(config: GraderConfig) -> dict:
    started = time.perf_counter()
    with Grader(config) as grader:
        prepared = time.perf_counter()
        report = grader.grade(None, write=False)
    done = time.perf_counter()
    costs = sorted(((r.cpu_seconds, r.name) for r in report.results), reverse=True)
    return {"seconds": round(done - started, 1), "prepare_s": round(prepared - started, 1),
            "checks_s": round(done - prepared, 1), "points": list(report.total()),
            "full_marks": report.full_marks,
            "sandbox_cpu_s": round(sum(cost for cost, _ in costs), 1),
            "costliest_checks_cpu_s": {name: cost for cost, name in costs[:8]}}


def _batch(config: GraderConfig, copies: int) -> dict:
    with tempfile.TemporaryDirectory(prefix="bench-batch-") as work:
        for index in range(copies):
            shutil.copytree(REPO_ROOT / "hw_utils", Path(work) / f"student{index}" / "hw_utils",
                            ignore=shutil.ignore_patterns("__pycache__"))
        started = time.perf_counter()
        with Grader(config) as grader:
            outcomes = grader.grade_many([(p.name, p) for p in sorted(Path(work).iterdir())],
                                         write=False)
        seconds = time.perf_counter() - started
    return {"seconds": round(seconds, 1), "submissions": copies,
            "all_full_marks": all(o.full_marks for o in outcomes)}


def run(quick: bool = False) -> dict:
    config = GraderConfig(quiet=True, out_dir=Path(tempfile.gettempdir()) / "bench-grading")
    figures = {"cpus": os.cpu_count(), "load_before": _load(),
               "one_submission": _single(config)}
    if not quick:
        figures["one_submission_one_run"] = _single(replace(config, runs=1))
        figures["batch_of_4"] = _batch(config, 4)
    figures["load_after"] = _load()
    return figures
