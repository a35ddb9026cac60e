"""A solution written the way the course asks, independently of the reference, gets full marks.

``tests/fixtures/course_solution/hw_utils`` holds the course's templates filled in as a student
following ../shared/COURSE.md would (plain loops, sklearn's cosine_similarity per candidate, a
tokenizer indexing ``vocab[word]``, offsets marking where each question ends, an empty question
handled its own way, a loss summed over the batch). It is dropped into the student release and
graded by the real grader, in its sandbox, on hidden stand-in data.
"""
import shutil
from pathlib import Path

import pytest

from maintainers import release
from grader.core import Grader, GraderConfig

SOLUTION = Path(__file__).resolve().parent / "fixtures" / "course_solution" / "hw_utils"


@pytest.fixture(scope="module")
def solved_release(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("course-solution") / "student"
    release.build(out)
    for path in SOLUTION.glob("*.py"):
        shutil.copy(path, out / "hw_utils" / path.name)
    return out


@pytest.mark.slow
@pytest.mark.parametrize("dataset", ["tiny", "sample"])
def test_a_course_style_solution_gets_full_marks(solved_release, tmp_path, dataset):
    config = GraderConfig(dataset=dataset, seed=20261129, out_dir=tmp_path, quiet=True)
    with Grader(config) as grader:
        report = grader.grade(solved_release, name="course-solution")
    failed = {r.name: r.reason for r in report.results
              if r.part != "bonus" and r.status not in ("pass", "n/a")}
    assert not failed, failed
    total, available = report.total()
    assert total == available == 10, (total, available)
