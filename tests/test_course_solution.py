"""A solution written the way the course asks, independently of the reference, gets full marks.

``tests/fixtures/course_solution/hw_utils`` holds the course's templates filled in as a student
following ../shared/COURSE.md would (plain loops, sklearn's cosine_similarity per candidate, a
tokenizer indexing ``vocab[word]``, offsets marking where each question ends, an empty question
handled its own way, a loss summed over the batch). It is dropped into the student release and
graded by the real grader, in its sandbox, on hidden stand-in data; with its answers to the
notebooks' cells (``notebook_cells.py``) every notebook of the solved release runs clean.
"""
from pathlib import Path

import nbformat
import pytest

from maintainers import release
from grader.core import Grader, GraderConfig

SOLUTION = Path(__file__).resolve().parent / "fixtures" / "course_solution"


@pytest.fixture(scope="module")
def solved_release(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("course-solution") / "student"
    release.build(out)
    release.solve(out, SOLUTION)
    return out


@pytest.mark.slow
def test_the_solved_release_runs_every_notebook_clean(solved_release, monkeypatch):
    """Run All of each notebook, as the course-style student has it: no error, no warning."""
    from nbclient import NotebookClient

    from sodata.datasets import data_dir

    for name, value in (("PYTHONPATH", str(solved_release)), ("HW_DATASET", "tiny"),
                        ("HW_DATA_DIR", str(data_dir())), ("HW_TENSORBOARD", "0")):
        monkeypatch.setenv(name, value)
    for path in sorted((solved_release / "notebooks").glob("*.ipynb")):
        notebook = nbformat.read(path, as_version=4)
        NotebookClient(notebook, timeout=600, kernel_name="python3",
                       resources={"metadata": {"path": str(path.parent)}}).execute()
        stderr = [output.get("text", "")[:300] for cell in notebook.cells
                  for output in cell.get("outputs", []) if output.get("name") == "stderr"]
        assert not stderr, (path.name, stderr)


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
