"""The grader's cost: one submission, and a batch of four, on the default settings.

``python -m benchmarks grader`` (``make bench``). Grades the reference (a fresh ``tiny`` stand-in
with a random seed, the reference's side, every check in a sandbox, twice), then a batch of four
copies of it, and, for the cost of the reproducibility runs, the reference once more with one run
per check. Figures: wall seconds of each phase, the CPU seconds each check's sandbox used (both
runs), the CPU seconds of the whole grading (what a quiet machine's wall time follows from), and
the load average before and after (the machine is not assumed to be quiet).
``--quick``: the single submission only.
"""
import os
import resource
import shutil
import tempfile
import time
from dataclasses import replace
from pathlib import Path

from grader.core import REPO_ROOT, Grader, GraderConfig


def _load() -> list[float]:
    return [round(value, 2) for value in os.getloadavg()]


def _cpu() -> float:
    """CPU seconds of this process and the children it waited for (the reference's process;
    not the sandboxes, whose CPU the grader's watchdog reports)."""
    own, children = (resource.getrusage(who) for who in (resource.RUSAGE_SELF,
                                                         resource.RUSAGE_CHILDREN))
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def _single(config: GraderConfig) -> dict:
    started, cpu_started = time.perf_counter(), _cpu()
    with Grader(config) as grader:
        prepared, cpu_prepared = time.perf_counter(), _cpu()
        report = grader.grade(None, write=False)
    done, cpu_done = time.perf_counter(), _cpu()
    costs = sorted(((r.cpu_seconds, r.name) for r in report.results), reverse=True)
    sandboxes = sum(cost for cost, _ in costs)
    return {"seconds": round(done - started, 1), "prepare_s": round(prepared - started, 1),
            "checks_s": round(done - prepared, 1), "points": list(report.total()),
            "full_marks": report.full_marks,
            "prepare_cpu_s": round(cpu_prepared - cpu_started, 1),
            "grader_cpu_while_checking_s": round(cpu_done - cpu_prepared, 1),
            "sandbox_cpu_s": round(sandboxes, 1),
            "total_cpu_s": round(cpu_done - cpu_started + sandboxes, 1),
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
