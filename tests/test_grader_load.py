"""A busy machine costs a correct student nothing: every limit counts the work done (CPU time,
time runnable), never the wall clock. A batch of two course-style solutions is graded while 12
CPU-bound processes, each in a session of its own, compete for the same cores. (The hidden data
and the reference's side are prepared first: no limit that could cost a student applies there,
and under this load the single preparation process would take most of the test's time.)"""
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from grader.core import Grader, GraderConfig
from maintainers import release

pytestmark = [pytest.mark.slow,
              pytest.mark.skipif(not sys.platform.startswith("linux"), reason="needs Linux")]

SOLUTION = Path(__file__).resolve().parent / "fixtures" / "course_solution" / "hw_utils"
BURNERS = 12


def test_a_loaded_batch_gives_every_correct_copy_full_marks(tmp_path):
    solved = tmp_path / "release"
    release.build(solved)
    for path in SOLUTION.glob("*.py"):
        shutil.copy(path, solved / "hw_utils" / path.name)
    # Two sandboxes at once (a grader's choice): a fair share of the cores is what any process
    # gets, and the limits count only the work done.
    config = GraderConfig(seed=20261203, out_dir=tmp_path / "out", quiet=True, jobs=2)
    with Grader(config) as grader:
        burners = [subprocess.Popen([sys.executable, "-c", "while True: pass"],
                                    start_new_session=True) for _ in range(BURNERS)]
        try:
            time.sleep(5)  # the load average climbs
            reports = grader.grade_many([(f"copy{i}", solved) for i in range(2)])
        finally:
            for burner in burners:
                burner.kill()
                burner.wait()
    for report in reports:
        failed = {r.name: r.reason for r in report.results if r.status == "fail"}
        assert report.total() == (10.0, 10.0), failed
        assert max(report.load_averages) > 8, report.load_averages  # it was graded loaded
