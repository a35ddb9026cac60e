"""Final grading at scale: a batch of generated submissions graded end to end with the quality
bars, its cost per submission, its peak memory, and the projection to a course.

``python -m benchmarks grader_scale`` (``make bench``): a batch of eight, as a course's batch
is: course-style solutions (``tests/fixtures/course_solution`` in the student release) and the
reference, partly wrong ones (Part 3's loss without its normalisation; Part 2 left undone) and
broken ones (the release untouched; a package that does not import). One ``Grader``: the hidden
data (the ``tiny`` and calibrated ``sample`` stand-ins) and the reference's side once, then each
submission in its sandbox, every check and every bar. ``--quick``: three submissions.

Figures: wall seconds; CPU seconds of everything (this process, the preparation's process, each
sandbox's processes as the sandbox counts them), per submission with the preparation's share and
per kind of submission without it; the peak memory of the whole process tree (summed resident
memory, polled); and the projection to 300 and 1,000 submissions on 16 cores (the preparation
once, then each submission's CPU time, spread over the cores).
"""
import os
import resource
import shutil
import tempfile
import threading
import time
from pathlib import Path

import psutil

from benchmarks.grader import solved_release
from grader.core import REPO_ROOT, Grader, GraderConfig
from grader.report import Report

COURSE = 16  # cores of the machine the projection is for
PROJECTED = (300, 1000)
# name -> (kind, how to make it from the solved release)
KINDS = {"course_style_1": "correct", "course_style_2": "correct", "course_style_3": "correct",
         "reference": "correct", "loss_unnormalised": "partly wrong",
         "part2_undone": "partly wrong", "release_untouched": "broken",
         "does_not_import": "broken"}
QUICK = ("course_style_1", "loss_unnormalised", "release_untouched")


def make_batch(into: Path, names: tuple[str, ...]) -> list[tuple[str, Path]]:
    """The submissions ``names`` (keys of ``KINDS``) under ``into``."""
    from maintainers import release

    solved = solved_release(into / "solved")
    release.build(into / "release")
    made = []
    for name in names:
        folder = into / "batch" / name
        source = (into / "release" if name == "release_untouched" else
                  REPO_ROOT if name == "reference" else solved)
        shutil.copytree(source / "hw_utils", folder / "hw_utils",
                        ignore=shutil.ignore_patterns("__pycache__"))
        package = folder / "hw_utils"
        if name == "loss_unnormalised":
            dssm = package / "dssm.py"
            dssm.write_text(dssm.read_text().replace("q = self._normalize(embeddings)",
                                                     "q = embeddings").replace(
                "d = self._normalize(positives)", "d = positives"))
        elif name == "part2_undone":
            shutil.copy(into / "release" / "hw_utils" / "trigram.py", package / "trigram.py")
        elif name == "does_not_import":
            (package / "__init__.py").write_text("from . import missing_module\n")
        made.append((name, folder))
    return made


def _cpu() -> float:
    """CPU seconds of this process and the processes it waited for (the preparation's)."""
    own, children = (resource.getrusage(who) for who in (resource.RUSAGE_SELF,
                                                         resource.RUSAGE_CHILDREN))
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


class PeakMemory:
    """The largest summed resident memory of this process and its descendants, polled."""

    def __init__(self, every_s: float = 0.5):
        self.peak, self.every_s, self.done = 0, every_s, threading.Event()
        self.thread = threading.Thread(target=self._poll, daemon=True)

    def __enter__(self) -> "PeakMemory":
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.done.set()
        self.thread.join()

    def _poll(self) -> None:
        me = psutil.Process()
        while not self.done.wait(self.every_s):
            total = 0
            for process in [me, *me.children(recursive=True)]:
                try:
                    total += process.memory_info().rss
                except psutil.Error:
                    pass
            self.peak = max(self.peak, total)


def projection(prepare_cpu: float, per_submission: float, submissions: int) -> dict:
    """CPU hours and hours on ``COURSE`` cores for ``submissions`` like the measured ones."""
    cpu = prepare_cpu + submissions * per_submission
    return {"cpu_hours": round(cpu / 3600, 2), f"hours_on_{COURSE}_cores": round(
        cpu / COURSE / 3600, 2)}


def per_kind(outcomes: list, names: tuple[str, ...]) -> dict[str, float]:
    """Mean sandbox CPU seconds of each kind of submission."""
    costs: dict[str, list[float]] = {}
    for name, outcome in zip(names, outcomes):
        if isinstance(outcome, Report):
            costs.setdefault(KINDS[name], []).append(outcome.cpu_seconds)
    return {kind: round(sum(values) / len(values), 1) for kind, values in costs.items()}


def run(quick: bool = False) -> dict:
    names = QUICK if quick else tuple(KINDS)
    config = GraderConfig(quiet=True, quality=True,
                          out_dir=Path(tempfile.gettempdir()) / "bench-grading-scale")
    figures = {"cpus": os.cpu_count(), "load_before": [round(v, 2) for v in os.getloadavg()],
               "submissions": len(names)}
    with tempfile.TemporaryDirectory(prefix="bench-scale-") as work:
        batch = make_batch(Path(work), names)
        started, cpu_started = time.perf_counter(), _cpu()
        with PeakMemory() as memory, Grader(config) as grader:
            prepared, cpu_prepared = time.perf_counter(), _cpu()
            outcomes = grader.grade_many(batch, write=False)
        done, cpu_done = time.perf_counter(), _cpu()
    sandboxes = sum(o.cpu_seconds for o in outcomes if isinstance(o, Report))
    prepare_cpu = cpu_prepared - cpu_started
    grading_cpu = cpu_done - cpu_prepared + sandboxes
    grader_share = (cpu_done - cpu_prepared) / len(names)  # driving and judging, per submission
    kinds = per_kind(outcomes, names)
    correct = grader_share + kinds.get("correct", 0.0)
    figures.update({
        "points": {name: (list(o.total()) + [o.part_points()["bonus"][0]]
                          if isinstance(o, Report) else o[1])
                   for name, o in zip(names, outcomes)},
        "wall_s": round(done - started, 1), "prepare_wall_s": round(prepared - started, 1),
        "prepare_cpu_s": round(prepare_cpu, 1), "grading_cpu_s": round(grading_cpu, 1),
        "cpu_s_per_submission_with_preparation": round(
            (prepare_cpu + grading_cpu) / len(names), 1),
        "cpu_s_per_correct_submission_with_preparation": round(
            prepare_cpu / len(names) + correct, 1),
        "sandbox_cpu_s_per_kind": kinds, "grader_cpu_s_per_submission": round(grader_share, 1),
        "peak_memory_mb": round(memory.peak / 2**20),
        "projection_like_this_batch": {
            str(n): projection(prepare_cpu, grading_cpu / len(names), n) for n in PROJECTED},
        "projection_all_correct": {
            str(n): projection(prepare_cpu, correct, n) for n in PROJECTED},
        "load_after": [round(v, 2) for v in os.getloadavg()]})
    return figures
