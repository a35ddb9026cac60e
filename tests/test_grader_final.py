"""Final grading's rules (grader/core.py, grader/cli.py, grader/stages/quality.py): the quality
bars on by default for a batch; a verdict within noise of its bar asks for one more run, whose
verdict counts; the refusals of ``--isolation user`` (a seed on the command line, a cache, a
readable reference). The red team's small grader root keeps it quick."""
import dataclasses
import os
import shutil
import sys
import tempfile
from pathlib import Path

import pytest

from grader import cli
from grader.core import Grader, GraderError
from grader.stages import quality
from grader.stages.check import RunAgain
from hw_checks.stage import CheckFailure
from hw_utils import recipes
from tests.test_grader_redteam import GOOD, REGISTRY, config_for, make_data, make_package

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="needs Linux")
MODULE = "checks_for_final_tests"

NEAR_A_BAR = '''


def twice_judge(outputs, expected, inputs):
    """Like a quality bar within noise: asks for another run, then judges that run's outputs."""
    from grader.stages.check import RunAgain
    if "secret_earlier" not in inputs:
        raise RunAgain({**inputs, "values": [4, 5, 6], "secret_earlier": [outputs]}, "near")
    if inputs["secret_earlier"] != [6] or outputs != 15:
        fail(f"expected 6 then 15, got {inputs['secret_earlier']} then {outputs}")


CHECKS.append(Check(Stage("part3.near_bar", "part3", 1.0, "add them, twice", ("hw_utils.answer",),
                          calls("total", "values"), twice_judge),
                    lambda data, rng: {"values": [1, 2, 3]}, expect=None, runs=1))
'''


@pytest.fixture(scope="module")
def grader(tmp_path_factory):
    base = tmp_path_factory.mktemp("final")
    make_package(base / "root", GOOD)
    (base / "root" / f"{MODULE}.py").write_text(REGISTRY + NEAR_A_BAR)
    config = config_for(base / "root", base / "out", registry=f"{MODULE}:CHECKS")
    with Grader(config, data=make_data(base / "data")) as grader:
        yield grader


def test_a_verdict_within_noise_runs_once_more_and_that_run_counts(grader, tmp_path):
    report = grader.grade(None, write=False)
    near = next(r for r in report.results if r.name == "part3.near_bar")
    assert near.status == "pass", near.reason
    wrong_later = GOOD.replace("    return sum(values)",
                               "    return sum(values) if values[0] == 1 else 0")
    report = grader.grade(make_package(tmp_path / "wrong-later", wrong_later), write=False)
    near = next(r for r in report.results if r.name == "part3.near_bar")
    assert near.status == "fail" and "then 0" in near.reason


@pytest.mark.parametrize("hits, runs_again", [(0.9835, True), (0.976, True), (0.9905, False),
                                              (0.95, False)])
def test_a_bar_trains_once_more_only_within_noise(hits, runs_again):
    inputs = {"settings": {"seed": 0}}
    assert recipes.QUALITY_NOISE < recipes.QUALITY_TOLERANCE  # the reference never reruns
    try:
        quality.judge_bar("part3", hits, 0.99, "Part 3", inputs)
        outcome = "pass"
    except RunAgain as again:
        outcome = "again"
        assert again.inputs["settings"]["seed"] == 1
        assert again.inputs["secret_earlier"] == [hits]
    except CheckFailure:
        outcome = "fail"
    assert (outcome == "again") == runs_again
    assert outcome != "pass" or hits >= 0.98


def test_the_second_training_is_judged_on_the_mean():
    again = quality.next_training({"settings": {"seed": 0}}, 0.977)
    quality.judge_bar("part3", 0.984, 0.99, "Part 3", again)  # mean 0.9805 >= 0.98
    with pytest.raises(CheckFailure, match=r"mean of 2 trainings.*0\.9770, 0\.9800"):
        quality.judge_bar("part3", 0.980, 0.99, "Part 3", again)  # mean 0.9785 < 0.98


def test_a_batch_is_graded_with_the_bars_unless_told(monkeypatch, tmp_path):
    seen = []
    monkeypatch.setattr(cli, "grade_batch", lambda folder, config: seen.append(config) or [])
    monkeypatch.setattr(cli, "grade", lambda path, config: seen.append(config) or None)
    cli.main(["--batch", str(tmp_path), "--out", str(tmp_path / "a")])
    cli.main(["--batch", str(tmp_path), "--no-quality", "--out", str(tmp_path / "b")])
    with pytest.raises(AttributeError):  # the stub grade() returns no report to print
        cli.main(["--out", str(tmp_path / "c")])
    assert [config.quality for config in seen] == [True, False, False]


def test_user_isolation_refuses_what_would_leak(grader, monkeypatch, capsys, tmp_path):
    assert cli.main(["--isolation", "user", "--seed", "5", "--out", str(tmp_path)]) == 2
    assert "GRADER_SEED" in capsys.readouterr().err
    config = dataclasses.replace(grader.config, isolation="user", cache=tmp_path / "cache")
    monkeypatch.setattr("grader.launch._probes", {"user": (True, "")})
    with pytest.raises(GraderError, match="--cache cannot be used with --isolation user"):
        Grader(config)


def test_user_isolation_refuses_a_reference_other_users_can_read(tmp_path):
    if os.geteuid() != 0 or shutil.which("setpriv") is None:
        pytest.skip("the user isolation needs root and setpriv")
    readable = Path(tempfile.mkdtemp(prefix="readable-root-"))
    try:
        readable.chmod(0o755)
        make_package(readable, GOOD)
        (readable / f"{MODULE}_readable.py").write_text(REGISTRY)
        config = config_for(readable, tmp_path / "out", registry=f"{MODULE}_readable:CHECKS",
                            isolation="user")
        with pytest.raises(GraderError, match="can be read by other users"):
            Grader(config, data=make_data(tmp_path / "data"))
    finally:
        shutil.rmtree(readable)
