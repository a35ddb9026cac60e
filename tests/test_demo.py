"""``make demo``: every method runs on the tiny stand-in in quick mode; the outputs are written;
Ctrl-C stops it at once with one line."""
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from instructor.bonus.comparison import METHODS
from instructor import demo


@pytest.mark.slow
def test_quick_demo_on_tiny(tmp_path, capsys):
    assert demo.main(["--quick", "--dataset", "tiny", "--out", str(tmp_path)]) == 0
    printed = capsys.readouterr().out
    assert "STAND-IN numbers" in printed and "QUICK mode" in printed
    for name, _, _ in METHODS:
        assert f"| {name} |" in printed, f"{name} missing from the printed table"
        assert f"{name}: done" in printed, f"no progress line for {name}"
    assert (tmp_path / "hits_at_k.png").read_bytes()[:4] == b"\x89PNG"
    assert "| method |" in (tmp_path / "results.md").read_text()
    saved = json.loads((tmp_path / "results.json").read_text())
    assert saved["is_standin"] and saved["dataset"] == "tiny"
    assert [result["name"] for result in saved["results"]] == [name for name, _, _ in METHODS]
    for result in saved["results"]:
        assert 0 <= result["metrics"]["hits@1"] <= result["metrics"]["hits@500"] <= 1
        if result["extends"] == METHODS[3][0] and "Bonus 3" not in result["name"]:
            assert result["notes"]["eval_loss"] > 0  # Part 3's Trainer with its 'eval' loader


def test_a_failing_step_fails_the_demo(tmp_path, monkeypatch, capsys):
    from instructor.bonus.comparison import Comparison

    def broken(self):
        raise RuntimeError("part 2 is broken")

    monkeypatch.setattr(Comparison, "run_part2", broken)
    monkeypatch.setattr(Comparison, "run_part1_raw", lambda self: self._result(
        METHODS[0][0], dict.fromkeys(("hits@1", "hits@5", "hits@10", "hits@100", "hits@500",
                                      "dcg@10", "mrr"), 0.0), 0.0, 0.0))
    monkeypatch.setattr(Comparison, "run_part1_preprocessed", lambda self: self._result(
        METHODS[1][0], dict.fromkeys(("hits@1", "hits@5", "hits@10", "hits@100", "hits@500",
                                      "dcg@10", "mrr"), 0.0), 0.0, 0.0))
    assert demo.main(["--quick", "--dataset", "tiny", "--out", str(tmp_path)]) == 1
    captured = capsys.readouterr()
    assert "demo FAILED at step 'Part 2: + trigram OOV (MSE)'" in captured.err
    assert "part 2 is broken" in captured.err
    assert not (tmp_path / "results.json").exists()


def test_methods_built_on_part3_need_it_first(tmp_path):
    from sodata import get_dataset
    from instructor.bonus.comparison import Comparison, Settings

    comparison = Comparison(get_dataset("tiny"), Settings.quick(), workdir=tmp_path)
    for method in ("run_mlp_head", "run_early_fusion"):
        with pytest.raises(RuntimeError, match="run run_part3 first"):
            getattr(comparison, method)()


def test_ctrl_c_stops_the_demo_at_once_with_one_line(tmp_path):
    command = [sys.executable, "-m", "instructor.demo", "--quick", "--dataset", "tiny",
               "--out", str(tmp_path / "demo")]
    environment = {**os.environ, "TQDM_DISABLE": "1", "PYTHONUNBUFFERED": "1"}
    with subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                          cwd=Path(__file__).resolve().parents[1], env=environment) as demo_run:
        for line in demo_run.stdout:  # wait until a training step runs
            if "Part 2: + trigram OOV (MSE): training and scoring" in line:
                break
        demo_run.send_signal(signal.SIGINT)
        interrupted = time.monotonic()
        _, stderr = demo_run.communicate(timeout=60)
        stopped_after = time.monotonic() - interrupted
    assert demo_run.returncode == 130
    assert stopped_after < 10, stopped_after
    lines = [line for line in stderr.strip().splitlines() if line.strip()]
    assert lines[-1].startswith("demo interrupted (Ctrl-C) during [3/12] Part 2"), stderr[-2000:]
    assert "Traceback" not in stderr
    assert not (tmp_path / "demo" / "results.json").exists()
