"""The grader (tools/grader.py) on hand-made bad submissions, with a tests-only registry of checks.

Each fake submission is a small ``hw_utils`` package (the reference's ``__init__``,
``reproducibility`` and ``data`` plus an ``answer.py`` of its own); the fake checks call
``hw_utils.answer`` and a fake TaskTests compares with a fake ``test_gt.json``. Time limits are a
few seconds, so the whole file stays fast. The last test grades the real reference.
"""
import csv
import json
import shutil
import sys
import time
from pathlib import Path

import pytest

from sodata import Dataset
from tools import grader
from tools.grading import points

REPO = Path(__file__).resolve().parents[1]
GT = {"total": 6, "lines": 3}

REGISTRY = '''
"""Fake graded checks for tests/test_grader.py."""
from tools.grading.base import GradedCheck


def observe_total(dataset):
    from hw_utils.answer import total
    return {"value": total([1, 2, 3])}


def observe_lines(dataset):
    from hw_utils.answer import count_lines
    return {"value": count_lines(str(dataset.validation))}


def observe_bonus(dataset):
    from hw_utils.answer import total
    return {"value": total([3, 3])}


def observe_quality(dataset):
    return {"hits": {"500": 0.5}}


CHECKS = [
    GradedCheck("part1.total", "part1", observe_total, "check_total", timeout_s=TIMEOUT),
    GradedCheck("part2.lines", "part2", observe_lines, "check_lines", timeout_s=TIMEOUT),
    GradedCheck("bonus.total", "bonus", observe_bonus, "check_total", timeout_s=TIMEOUT),
    GradedCheck("part3.quality", "part3", observe_quality, "quality:part3", timeout_s=TIMEOUT),
]
'''

GOOD = '''
def total(values):
    return sum(values)


def count_lines(path):
    with open(path) as stream:
        return sum(1 for _ in stream)
'''

# The ways a submission could look for the ground truth without guessing absolute paths.
FIND_GT = '''
import os
from pathlib import Path


def candidates():
    import hw_utils
    package = Path(hw_utils.__file__)
    places = [Path.cwd(), package.parent, package.resolve().parents[1],
              Path(os.environ.get("HW_DATA_DIR", ".")), Path(os.environ["HOME"]).parent]
    try:
        from tests.task_tests import base
        places.append(base.REPO_ROOT)
    except Exception:
        pass
    return [place / "test_gt.json" for place in places]
'''

BAD = {
    "broken": "import a_module_that_does_not_exist\n" + GOOD,
    "hangs": GOOD.replace("return sum(values)", "while True:\n        pass"),
    "exits": "import sys\n" + GOOD.replace("return sum(values)", "sys.exit(3)"),
    "os_exit": "import os\n" + GOOD.replace("return sum(values)", "os._exit(0)"),
    "floods": GOOD.replace("return sum(values)", "while True:\n        print('spam' * 100)"),
    "allocates": GOOD.replace("return sum(values)", "data = bytearray(10 * 2**30)\n"
                                                    "    return len(data)"),
    "reads_gt": FIND_GT + GOOD.replace("return sum(values)", """import json
    for path in candidates():
        if path.is_file():
            return json.loads(path.read_text())["total"]
    raise FileNotFoundError("test_gt.json is nowhere to be found")"""),
    "writes_gt": FIND_GT + GOOD.replace("return sum(values)", """import json
    for path in candidates():
        try:
            path.write_text(json.dumps({"total": 999, "lines": 999}))
        except OSError:
            pass
    return 999"""),
    "overwrites_gt": GOOD.replace("return sum(values)", """import json, pathlib
    path = pathlib.Path(GT_PATH)  # a path it should never know: the guard is the last line
    path.write_text(json.dumps({"total": 999, "lines": 999}))
    return 999"""),
    "lies_on_stdout": GOOD.replace("return sum(values)",
                                   'print(\'{"ok": true, "observed": {"value": 6}}\')\n'
                                   '    return 5'),
}


class FakeTaskTests:
    """check_<stage>(observed) against the ground truth the grader holds in memory."""

    def __init__(self, content: dict):
        self.gt = content

    def check_total(self, observed):
        assert observed["value"] == self.gt["total"], (
            f"expected {self.gt['total']}, got {observed['value']}")

    def check_lines(self, observed):
        assert observed["value"] == self.gt["lines"], (
            f"expected {self.gt['lines']}, got {observed['value']}")


def make_submission(folder: Path, answer: str) -> Path:
    """A hw_utils package: the reference's scaffolding plus ``answer.py``."""
    package = folder / "hw_utils"
    package.mkdir(parents=True)
    for name in ("__init__.py", "reproducibility.py"):
        shutil.copy(REPO / "hw_utils" / name, package / name)
    (package / "answer.py").write_text(answer)
    return folder


@pytest.fixture(scope="module")
def setup(tmp_path_factory):
    """A grader root (trusted tools + the fake registry + gt) and a fake data set."""
    root = tmp_path_factory.mktemp("grader-root")
    shutil.copytree(REPO / "tools", root / "tools", ignore=shutil.ignore_patterns("__pycache__"))
    module = "fake_registry_for_tests"
    (root / f"{module}.py").write_text(REGISTRY.replace("TIMEOUT", "4"))
    gt_path = root / "test_gt.json"
    gt_path.write_text(json.dumps(GT))
    shutil.copytree(REPO / "sodata", root / "sodata", ignore=shutil.ignore_patterns("__pycache__"))
    data = root / "data" / "standin-tiny"
    data.mkdir(parents=True)
    for name in ("train.tsv", "validation.tsv", "test.tsv", "standin-vectors-negative300.bin.gz"):
        (data / name).write_text("a\tb\n" * 3)
    dataset = Dataset("tiny", data, data / "train.tsv", data / "validation.tsv",
                      data / "test.tsv", data / "standin-vectors-negative300.bin.gz", None, True)
    sys.path.insert(0, str(root))
    config = grader.GraderConfig(
        dataset="tiny", gt_path=gt_path, registry=(module,), root=root,
        trusted=("tools", "sodata", f"{module}.py"), memory_mb=1024, out_dir=root / "reports",
        checker_factory=lambda content, name: FakeTaskTests(content), quiet=True)
    submissions = tmp_path_factory.mktemp("submissions")
    make_submission(submissions / "good", GOOD)
    for name, answer in BAD.items():
        make_submission(submissions / name, answer.replace("GT_PATH", repr(str(gt_path))))
    # A symlink in the submission to the ground truth is not copied into the sandbox.
    (submissions / "reads_gt" / "hw_utils" / "test_gt.json").symlink_to(gt_path)
    yield config, dataset, submissions
    sys.path.remove(str(root))


@pytest.fixture(scope="module")
def batch(setup):
    """The whole folder of submissions graded once, in parallel."""
    config, dataset, submissions = setup
    started = time.perf_counter()
    outcomes = grader.grade_batch(submissions, config, dataset=dataset)
    return {o.name: o for o in outcomes}, time.perf_counter() - started


def result(report, name):
    return next(r for r in report.results if r.name == name)


def test_good_submission_gets_full_marks_and_quality_bar_is_na_on_standin(batch):
    reports, _ = batch
    good = reports["good"]
    assert [r.status for r in good.results] == ["pass", "pass", "pass", "n/a"]
    assert good.part_points() == {"part1": (2.0, 2.0), "part2": (4.0, 4.0), "part3": (0.0, 4.0),
                                  "bonus": (1.0, 3.0)}
    assert result(good, "part3.quality").max_points == 0.0  # not graded on a stand-in


def test_broken_import_fails_every_check_of_that_module_with_its_error(batch):
    reports, _ = batch
    broken = reports["broken"]
    for name in ("part1.total", "part2.lines", "bonus.total"):
        r = result(broken, name)
        assert r.status == "fail" and r.error_type == "ModuleNotFoundError"
        assert "a_module_that_does_not_exist" in r.reason


def test_hang_costs_that_check_only(batch):
    reports, _ = batch
    hangs = reports["hangs"]
    assert result(hangs, "part1.total").error_type == "Timeout"
    assert "time limit of 4 s" in result(hangs, "part1.total").reason
    assert result(hangs, "part2.lines").status == "pass"


def test_sys_exit_and_os_exit_fail_with_a_reason(batch):
    reports, _ = batch
    exits = result(reports["exits"], "part1.total")
    assert exits.status == "fail" and exits.error_type == "SystemExit"
    assert "sys.exit(3)" in exits.reason
    os_exit = result(reports["os_exit"], "part1.total")
    assert os_exit.error_type == "Exit" and "before returning a result" in os_exit.reason
    assert result(reports["os_exit"], "part2.lines").status == "pass"


def test_print_flood_is_cut_and_costs_that_check_only(batch):
    reports, _ = batch
    flood = result(reports["floods"], "part1.total")
    assert flood.error_type == "Timeout"
    assert flood.output_bytes > 10 * flood.output_tail.__len__()
    assert len(flood.output_tail.encode()) <= 32 * 1024
    assert result(reports["floods"], "part2.lines").status == "pass"


def test_ten_gigabyte_allocation_fails_cleanly_under_the_memory_limit(batch):
    reports, _ = batch
    big = result(reports["allocates"], "part1.total")
    assert big.error_type == "MemoryError" and "memory limit 1024 MB" in big.reason
    assert result(reports["allocates"], "part2.lines").status == "pass"


def test_ground_truth_cannot_be_found_by_the_submission(batch):
    reports, _ = batch
    reads = result(reports["reads_gt"], "part1.total")
    assert reads.status == "fail" and "nowhere to be found" in reads.reason


def test_writing_the_ground_truth_changes_nothing(batch, setup):
    config, _, _ = setup
    reports, _ = batch
    writes = result(reports["writes_gt"], "part1.total")
    assert writes.status == "fail" and writes.error_type == "AssertionError"
    overwrites = result(reports["overwrites_gt"], "part1.total")
    assert overwrites.status == "fail" and overwrites.error_type == "Tampering"
    assert "test_gt.json (restored)" in overwrites.reason
    assert json.loads(Path(config.gt_path).read_text()) == GT
    assert result(reports["good"], "part1.total").status == "pass"


def test_printing_a_result_on_stdout_does_not_forge_it(batch):
    reports, _ = batch
    lie = result(reports["lies_on_stdout"], "part1.total")
    assert lie.status == "fail" and "expected 6, got 5" in lie.reason


def test_batch_runs_in_parallel_and_writes_one_csv(batch, setup):
    config, _, submissions = setup
    reports, seconds = batch
    assert set(reports) == {"good", *BAD}
    rows = {row["submission"]: row for row in
            csv.DictReader((config.out_dir / "scores.csv").open())}
    assert set(rows) == set(reports)
    assert rows["good"]["total"] == "6" and rows["good"]["bonus"] == "1"
    assert rows["broken"]["total"] == "0" and "part1.total" in rows["broken"]["failed_checks"]
    assert (config.out_dir / "hangs" / "report.md").is_file()
    report = json.loads((config.out_dir / "hangs" / "report.json").read_text())
    assert report["checks"][0]["error_type"] == "Timeout"
    # Three slow submissions (hang, flood: 4 s each) graded at once on all cores.
    assert seconds < 60


def test_a_folder_without_hw_utils_is_reported_not_fatal(setup, tmp_path):
    config, dataset, submissions = setup
    batch_dir = tmp_path / "batch"
    batch_dir.mkdir()
    shutil.copytree(submissions / "good", batch_dir / "good")
    (batch_dir / "empty").mkdir()
    (batch_dir / "garbage.zip").write_bytes(b"not a zip")
    outcomes = grader.grade_batch(batch_dir, dataclass_replace(config, out_dir=tmp_path / "out"),
                                  dataset=dataset)
    by_name = {o.name if isinstance(o, grader.Report) else o[0]: o for o in outcomes}
    assert isinstance(by_name["good"], grader.Report)
    assert "no hw_utils package" in by_name["empty"][1]
    assert "not a zip" in by_name["garbage"][1]


def test_zip_and_release_folder_submissions(setup, tmp_path):
    """A zip from ``make submission`` and a whole release folder (whose tests/ are ignored)."""
    config, dataset, submissions = setup
    release = make_submission(tmp_path / "release", GOOD)
    (release / "tests").mkdir()
    (release / "tests" / "__init__.py").write_text("raise RuntimeError('untrusted tests/')\n")
    shutil.make_archive(str(tmp_path / "zipped"), "zip", submissions / "good")
    one = dataclass_replace(config, registry=config.registry, out_dir=tmp_path / "out")
    g = grader.Grader(one, dataset)
    try:
        for path in (release, tmp_path / "zipped.zip", release / "hw_utils"):
            report = g.grade(path)
            assert result(report, "part1.total").status == "pass", path
    finally:
        g.close()


def test_report_formats(batch):
    reports, _ = batch
    table = grader.format_table(reports["hangs"])
    assert "part1.total" in table and "FAIL" in table and "Total" in table
    markdown = grader.format_markdown(reports["allocates"])
    assert "| `part1.total` | 0 / 2 | FAIL |" in markdown and "MemoryError" in markdown


def test_points_table_matches_the_design():
    assert points.PART_POINTS == {"part1": 2, "part2": 4, "part3": 4, "bonus": 3}
    assert points.QUALITY_BARS["real"] == {"part1.raw": 0.82, "part1.preprocessed": 0.85,
                                           "part2": 0.89, "part3": 0.98}
    shares = points.allocate([("a", "part2", True), ("b", "part2", True), ("q", "part2", False),
                              ("x", "bonus", True)])
    assert shares == {"a": 2.0, "b": 2.0, "q": 0.0, "x": 1.0}


def dataclass_replace(config, **changes):
    import dataclasses

    return dataclasses.replace(config, **changes)


@pytest.mark.slow
def test_reference_gets_full_marks_on_the_tiny_standin(tmp_path):
    """The real registry (tools/grading/part1..bonus) on the reference: every check passes."""
    gt_copy = tmp_path / "test_gt.json"  # the guard restores this copy, never the repo's file
    shutil.copy(REPO / "test_gt.json", gt_copy)
    config = grader.GraderConfig(dataset="tiny", gt_path=gt_copy, out_dir=tmp_path / "out",
                                 quiet=True)
    report = grader.grade(None, config)
    print(grader.format_table(report))
    assert not report.notes, report.notes
    assert report.full_marks, [f"{r.name}: {r.reason}" for r in report.results
                               if r.status == "fail"]
    assert report.total() == (10.0, 10.0)
    assert report.part_points()["bonus"][0] == 3.0


def test_make_submission_zip_is_gradable_and_warns_about_unfinished_work(setup, tmp_path):
    """``make submission`` (tools/submission.py) writes what the grader takes."""
    import zipfile

    import nbformat

    from tools import submission

    config, dataset, submissions = setup
    student = make_submission(tmp_path / "student", GOOD)
    (student / "hw_utils" / "todo.py").write_text(
        'def f():\n    raise NotImplementedError("Part 2: fill in f in hw_utils/todo.py")\n')
    (student / "hw_utils" / "__pycache__").mkdir()
    (student / "hw_utils" / "__pycache__" / "x.pyc").write_bytes(b"\0")
    (student / "notebooks").mkdir()
    notebook = nbformat.v4.new_notebook()
    notebook.cells = [nbformat.v4.new_code_cell("print(1)")]
    nbformat.write(notebook, student / "notebooks" / "part1_x.ipynb")
    out = tmp_path / "dist" / "submission.zip"
    files, notes = submission.build(student, out)
    names = zipfile.ZipFile(out).namelist()
    assert "hw_utils/answer.py" in names and "notebooks/part1_x.ipynb" in names
    assert "MANIFEST.json" in names and not any("__pycache__" in name for name in names)
    assert any("todo.py: 1 place(s)" in note for note in notes)
    assert any("1 of 1 code cells were not run" in note for note in notes)
    g = grader.Grader(dataclass_replace(config, out_dir=tmp_path / "out"), dataset)
    try:
        assert result(g.grade(out), "part1.total").status == "pass"
    finally:
        g.close()


def test_ground_truth_made_on_other_data_is_reported(setup):
    import hashlib

    _, dataset, _ = setup
    digest = hashlib.sha256(dataset.train.read_bytes()).hexdigest()
    fresh = {"datasets": {"tiny": {"made_on": {"files": {"train.tsv": digest}}}}}
    assert grader.stale_ground_truth(fresh, dataset) == []
    stale = {"datasets": {"tiny": {"made_on": {"files": {"train.tsv": "0" * 64}}}}}
    [note] = grader.stale_ground_truth(stale, dataset)
    assert "train.tsv" in note and "make gt" in note
