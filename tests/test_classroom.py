"""The student release's GitHub Classroom workflow (student/classroom.yml): it parses, runs on
every push, and the command it runs (``python -m hw_checks``) works in a built release: every
stage a TODO on the stubs, every stage passing once the templates are filled in, and a wrong
stage named with what went wrong. It cannot run on GitHub here."""
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from maintainers import release

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    out = tmp_path_factory.mktemp("classroom") / "student"
    release.build(out)
    return out


def workflow(root: Path) -> dict:
    return yaml.safe_load((root / ".github" / "workflows" / "classroom.yml").read_text())


def self_checks(root: Path, *args: str) -> subprocess.CompletedProcess:
    """The workflow's check step, run as it runs it: from the release's root."""
    step = next(s for s in workflow(root)["jobs"]["self-checks"]["steps"]
                if "hw_checks" in s.get("run", ""))
    env = {**os.environ, **step.get("env", {}), "GITHUB_ACTIONS": "true",
           "GITHUB_STEP_SUMMARY": str(root / "summary.md"), "PYTHONPATH": str(root)}
    command = step["run"].replace("python", sys.executable, 1).split() + list(args)
    return subprocess.run(command, cwd=root, env=env, capture_output=True, text=True,
                          timeout=900)


def test_the_release_carries_a_workflow_that_runs_on_every_push(built):
    flow = workflow(built)
    triggers = flow[True] if True in flow else flow["on"]  # YAML 1.1 reads `on:` as True
    assert "push" in triggers
    steps = flow["jobs"]["self-checks"]["steps"]
    assert any(step.get("uses", "").startswith("actions/setup-python") for step in steps)
    runs = " ".join(step.get("run", "") for step in steps)
    assert "pip install" in runs and "--editable ." in runs and "python -m hw_checks" in runs
    assert "hw_checks/" in (REPO / "student" / "SHIPS").read_text()  # what it runs is shipped


def test_on_the_stubs_every_stage_is_a_todo_and_the_run_fails(built):
    done = self_checks(built)
    assert done.returncode == 1, done.stdout + done.stderr
    lines = [line for line in done.stdout.splitlines() if line.startswith("part")]
    assert len(lines) == 17 and all(" TODO " in line for line in lines), done.stdout
    trainer = next(line for line in lines if line.startswith("part3.trainer "))
    assert "Part 3" in trainer and "hw_utils/dssm.py" in trainer, trainer
    assert "::error title=part3.trainer TODO::" in done.stdout
    assert "| `part1.embedder` | TODO |" in (built / "summary.md").read_text()


@pytest.mark.slow
def test_filled_in_every_stage_passes_and_a_wrong_one_is_named(built, tmp_path):
    filled = tmp_path / "filled"
    shutil.copytree(built, filled, ignore=shutil.ignore_patterns("hw_utils"))
    shutil.copytree(REPO / "hw_utils", filled / "hw_utils",
                    ignore=shutil.ignore_patterns("__pycache__"))
    done = self_checks(filled)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "17 of 17 stages pass" in done.stdout
    loss = filled / "hw_utils" / "dssm.py"
    loss.write_text(loss.read_text().replace("/ self.alpha", "* self.alpha"))
    done = self_checks(filled, "part3.nt_xent", "part3.model")
    assert done.returncode == 1
    assert "part3.nt_xent" in done.stdout and " FAIL " in done.stdout
    assert "1 of 2 stages pass" in done.stdout
