"""The grader's cost per submission: a batch of course-style solutions, every check but the bars.

``python -m benchmarks grader`` (``make bench``). Builds the student release, fills it with the
course-style solution (tests/fixtures/course_solution), and grades a batch of eight copies of it
on a fresh ``tiny`` stand-in with a random seed: the preparation (the hidden data, the
reference's side) once, then each submission in its own sandbox. Figures: wall seconds, the CPU
seconds of the whole grading (this process, the preparation's process, and each sandbox's every
process as the sandbox counts it; what a quiet machine's wall time follows from), per submission with and without the
preparation's share, the costliest checks, and the load average before and after (the machine is
not assumed to be quiet). ``--quick``: a batch of two.
"""
import os
import resource
import shutil
import tempfile
import time
from pathlib import Path

from grader.core import REPO_ROOT, Grader, GraderConfig

COURSE_SOLUTION = REPO_ROOT / "tests" / "fixtures" / "course_solution" / "hw_utils"


def _load() -> list[float]:
    return [round(value, 2) for value in os.getloadavg()]


def _cpu() -> float:
    """CPU seconds of this process and of the processes it waited for (the preparation's; a
    sandbox's processes are counted by the sandbox: ``Report.cpu_seconds``)."""
    own, children = (resource.getrusage(who) for who in (resource.RUSAGE_SELF,
                                                         resource.RUSAGE_CHILDREN))
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def solved_release(into: Path) -> Path:
    from maintainers import release

    release.build(into)
    for path in COURSE_SOLUTION.glob("*.py"):
        shutil.copy(path, into / "hw_utils" / path.name)
    return into


def run(quick: bool = False) -> dict:
    copies = 2 if quick else 8
    config = GraderConfig(quiet=True, out_dir=Path(tempfile.gettempdir()) / "bench-grading")
    figures = {"cpus": os.cpu_count(), "load_before": _load(), "submissions": copies}
    with tempfile.TemporaryDirectory(prefix="bench-batch-") as work:
        solution = solved_release(Path(work) / "release")
        batch = [(f"student{index}", solution) for index in range(copies)]
        started, cpu_started = time.perf_counter(), _cpu()
        with Grader(config) as grader:
            prepared, cpu_prepared = time.perf_counter(), _cpu()
            outcomes = grader.grade_many(batch, write=False)
        done, cpu_done = time.perf_counter(), _cpu()
    checks: dict[str, float] = {}
    for report in outcomes:
        for result in report.results:
            checks[result.name] = checks.get(result.name, 0.0) + result.cpu_seconds / copies
    sandboxes = sum(report.cpu_seconds for report in outcomes)
    grading_cpu = cpu_done - cpu_prepared + sandboxes
    figures.update({
        "all_full_marks": all(report.total() == (10.0, 10.0) for report in outcomes),
        "wall_s": round(done - started, 1), "prepare_wall_s": round(prepared - started, 1),
        "prepare_cpu_s": round(cpu_prepared - cpu_started, 1),
        "grading_cpu_s": round(grading_cpu, 1),
        "cpu_s_per_submission": round(grading_cpu / copies, 2),
        "cpu_s_per_submission_with_preparation": round(
            (cpu_done - cpu_started + sandboxes) / copies, 2),
        "checks_cpu_s_per_submission": round(sum(checks.values()), 2),
        "costliest_checks_cpu_s": dict(sorted(((name, round(cost, 2))
                                               for name, cost in checks.items()),
                                              key=lambda item: -item[1])[:6]),
        "load_after": _load()})
    return figures
