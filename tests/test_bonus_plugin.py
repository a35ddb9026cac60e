"""The open bonus: any model plugs in through ``hw_utils/bonus.py`` and is judged by its gain
over what it extends (the reference's, trained by the grader's side: grader/stages/bonus.py).
Rankers get the texts in the grader's order, so a position says nothing."""
import random
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from grader.prepare import prepare
from grader.stages import bonus
from hw_checks.host import decode, pack, unpack_frame
from hw_checks.stage import CheckFailure, NotAttempted
from sodata import get_dataset

REPO = Path(__file__).resolve().parents[1]
RANDOM_RANKER = '''
import numpy as np


class Noise:
    def embed(self, texts):
        return np.random.default_rng(0).normal(size=(len(texts), 8))


BONUS_ITEMS = {3: lambda data: Noise()}
'''
# Scores each candidate by where it stands: the duplicate first would win every sample.
POSITION_RANKER = '''
class Position:
    def score(self, question, candidates):
        return [-float(index) for index in range(len(candidates))]


BONUS_ITEMS = {3: lambda data: Position()}
'''
DRIVE = ("import sys; sys.path.insert(0, sys.argv[1]); "
         "from hw_checks.host import LocalHost, decode, pack, unpack_frame; "
         "from hw_checks.bonus import drive_bonus; "
         "inputs = decode(*unpack_frame(open(sys.argv[2], 'rb').read()), student_side=False); "
         "open(sys.argv[3], 'wb').write(pack(drive_bonus(LocalHost(), inputs)))")


def drive(tmp_path: Path, inputs: dict, bonus_file: str | None) -> dict:
    """The bonus driver in a child process whose ``hw_utils`` holds ``bonus_file``."""
    shutil.copytree(REPO / "hw_utils", tmp_path / "hw_utils",
                    ignore=shutil.ignore_patterns("__pycache__"))
    if bonus_file is not None:
        (tmp_path / "hw_utils" / "bonus.py").write_text(bonus_file)
    (tmp_path / "inputs.bin").write_bytes(pack(inputs))
    subprocess.run([sys.executable, "-c", DRIVE, str(tmp_path), str(tmp_path / "inputs.bin"),
                    str(tmp_path / "outputs.bin")], cwd=REPO, check=True, capture_output=True)
    return decode(*unpack_frame((tmp_path / "outputs.bin").read_bytes()), student_side=False)


@pytest.fixture(scope="module")
def item3():
    check = next(c for c in bonus.CHECKS if c.name == "bonus.item3")
    return check, prepare(check, get_dataset("tiny"), 0)["inputs"]


def test_the_ranker_never_sees_which_candidate_is_the_duplicate(item3):
    _, inputs = item3
    positions = [order.index(0) for order in inputs["secret_orders"]]
    assert len(set(positions)) > 10  # the duplicate stands anywhere among the candidates
    sent = [key for key in inputs if not key.startswith("secret_")]
    assert "secret_samples" not in sent and "secret_orders" not in sent


def test_no_bonus_file_is_not_attempted_and_needs_no_baseline(item3, tmp_path):
    check, inputs = item3
    outputs = drive(tmp_path, inputs, None)
    assert not check.wants_expected(outputs)
    with pytest.raises(NotAttempted, match="not attempted: 'there is no hw_utils/bonus.py'"):
        check.stage.verdict(outputs, None, inputs)


@pytest.mark.slow
@pytest.mark.parametrize("ranker", [RANDOM_RANKER, POSITION_RANKER], ids=["noise", "position"])
def test_a_ranker_without_a_gain_scores_nothing(item3, tmp_path, ranker):
    check, inputs = item3
    outputs = drive(tmp_path, inputs, ranker)
    assert outputs["attempted"] and check.wants_expected(outputs)
    expected = check.expect(inputs, outputs)  # the reference's Part 3 on the same data
    with pytest.raises(CheckFailure, match=r"expected an MRR above .* \(what it extends, part3\)"):
        check.stage.verdict(outputs, expected, inputs)
