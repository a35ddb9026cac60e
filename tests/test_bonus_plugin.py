"""The open bonus: any model plugs in through ``hw_utils/bonus.py`` and is judged by its gain
over what it extends, computed by the grader's side (hw_checks/bonus.py)."""
import json
import random
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from sodata import get_dataset
from hw_checks.bonus import bonus_check
from hw_checks.framework import CheckFailure

REPO = Path(__file__).resolve().parents[1]
RANDOM_RANKER = '''
import numpy as np


class Noise:
    def embed(self, texts):
        return np.random.default_rng(0).normal(size=(len(texts), 8))


BONUS_ITEMS = {3: lambda data: Noise()}
'''
OBSERVE = ("import json, sys; sys.path.insert(0, sys.argv[1]); "
           "from hw_checks.bonus import observe_bonus; "
           "json.dump(observe_bonus(json.load(open(sys.argv[2]))), open(sys.argv[3], 'w'))")


def observe(tmp_path: Path, inputs: dict, bonus: str | None) -> dict:
    """``observe_bonus`` in a child process whose ``hw_utils`` holds ``bonus`` as bonus.py."""
    shutil.copytree(REPO / "hw_utils", tmp_path / "hw_utils",
                    ignore=shutil.ignore_patterns("__pycache__"))
    if bonus is not None:
        (tmp_path / "hw_utils" / "bonus.py").write_text(bonus)
    (tmp_path / "inputs.json").write_text(json.dumps(inputs))
    subprocess.run([sys.executable, "-c", OBSERVE, str(tmp_path), str(tmp_path / "inputs.json"),
                    str(tmp_path / "outputs.json")], cwd=REPO, check=True, capture_output=True)
    return json.loads((tmp_path / "outputs.json").read_text())


@pytest.fixture(scope="module")
def item3():
    check = bonus_check(3)
    inputs = json.loads(json.dumps(check.make_inputs(get_dataset("tiny"), random.Random(0))))
    return check, inputs


def test_no_bonus_file_is_not_attempted_and_needs_no_baseline(item3, tmp_path):
    check, inputs = item3
    outputs = observe(tmp_path, inputs, None)
    assert not check.wants_expected(outputs)
    with pytest.raises(CheckFailure, match="not attempted: there is no hw_utils/bonus.py"):
        check.verdict(outputs, None, inputs)


@pytest.mark.slow
def test_a_ranker_without_a_gain_scores_nothing(item3, tmp_path):
    check, inputs = item3
    outputs = observe(tmp_path, inputs, RANDOM_RANKER)
    assert outputs["attempted"] and check.wants_expected(outputs)
    expected = check.expected(inputs)  # the reference's Part 3 on the same data
    with pytest.raises(CheckFailure, match=r"expected an MRR above .* \(what it extends, part3\)"):
        check.verdict(outputs, expected, inputs)
