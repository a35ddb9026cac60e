"""The Gradescope autograder (grader/gradescope.py): the zip ``make gradescope`` builds, and its
``run_autograder`` run in a sandbox laid out like Gradescope's container: ``/autograder/source``
(the zip unpacked), ``/autograder/submission``, ``/autograder/results``, a Python environment
outside the source, nothing of this repository visible, the grader as root. Without bubblewrap
there (``--isolation user``) the student's code runs as a user of its own: an attacker that looks
for the reference, the hidden data's labelled files, the grader's folders, environment and
command line, or writes where it should not, finds nothing, and an honest submission gets the
points ``make check`` gives it on the same seed. The red team's small checks keep it quick, plus
one that reads a data file of the hidden stand-in (the files the checks read must stay
readable)."""
import json
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from grader import gradescope, launch
from grader.core import Grader
from tests.test_grader_redteam import GOOD, HONEST, REGISTRY, config_for, make_package

REPO = Path(__file__).resolve().parents[1]
MODULE = "checks_for_gradescope_tests"
SEED = 31337
VISIBILITY = {"hidden", "after_due_date", "after_published", "visible"}

SNOOP_CHECK = '''

def train_file(data, rng):
    return {"train": str(data.train)}


CHECKS.append(Check(Stage("part1.snoop", "part1", 1.0, "read the training file", ("hw_utils.answer",),
                          calls("snoop", "train"), equal), train_file, files=("train",)))
'''

READS_TRAIN = '''

def snoop(train):
    with open(train) as stream:
        return {"train": bool(stream.readline()), "leaks": []}
'''

# Everything it can reach that it must not: each success is a leak it reports.
ATTACK = HONEST + '''
import os
from pathlib import Path


def _reads(path):
    try:
        with open(path, "rb") as stream:
            return bool(stream.read(1) or True)
    except OSError:
        return False


def _lists(path):
    try:
        return bool(os.listdir(path) or True)
    except OSError:
        return False


def secret(word):
    import hashlib
    text = Path("/autograder/source/hw_utils/answer.py").read_text()
    key = text.split("SECRET = ")[1].split()[0].strip("'")
    return hashlib.sha256((key + word).encode()).hexdigest()[:16]


def snoop(train):
    data = Path(train).parent
    leaks = [str(data / name) for name in ("validation.tsv", "test.tsv", "manifest.json")
             if _reads(data / name)]
    leaks += [str(p) for p in (data, data.parent, data.parents[1], Path("/autograder/source"))
              if _lists(p)]
    leaks += [p for p in ("/autograder/source/hw_utils/answer.py",) if _reads(p)]
    import hw_utils
    for target in (hw_utils.__file__, "/autograder/results/results.json",
                   str(Path(hw_utils.__file__).parents[2] / "planted.py")):
        try:
            with open(target, "a") as stream:
                stream.write("# planted")
            leaks.append("wrote " + target)
        except OSError:
            pass
    zygote = os.getppid()
    grader = int(Path(f"/proc/{zygote}/stat").read_text().rpartition(")")[2].split()[1])
    try:
        os.kill(grader, 0)
        leaks.append("can signal the grader")
    except PermissionError:
        pass
    for pid in (p for p in os.listdir("/proc") if p.isdigit()):
        try:
            if b"GRADER_SEED" in Path(f"/proc/{pid}/environ").read_bytes():
                leaks.append(f"the seed in /proc/{pid}/environ")
        except OSError:
            pass
        try:
            if b"--seed" in Path(f"/proc/{pid}/cmdline").read_bytes():
                leaks.append(f"a seed on /proc/{pid}/cmdline")
        except OSError:
            pass
    return {"train": _reads(train), "leaks": leaks}
'''


def reachable_python(venv: Path) -> Path:
    """A Python other users can run, with this environment's packages: a venv of the system's
    Python of the same version (this one may live under a private home) reading our
    site-packages."""
    system = Path(f"/usr/bin/python{sys.version_info[0]}.{sys.version_info[1]}")
    if not system.is_file():
        pytest.skip(f"no {system}: a Python other users can run is needed")
    subprocess.run([str(system), "-m", "venv", "--without-pip", str(venv)], check=True)
    site = next(venv.glob("lib/python*/site-packages"))
    ours = next(Path(sys.prefix).glob("lib/python*/site-packages"))
    (site / "project.pth").write_text(f"{ours}\n")
    return venv / "bin" / "python"


@pytest.fixture(scope="module")
def autograder(tmp_path_factory) -> dict:
    if os.geteuid() != 0 or shutil.which("setpriv") is None:
        pytest.skip("the user isolation needs root and setpriv (as in Gradescope's container)")
    base = tmp_path_factory.mktemp("gradescope")
    archive = gradescope.build(base / "autograder.zip")
    home = base / "autograder"
    with zipfile.ZipFile(archive) as unzipped:
        unzipped.extractall(home / "source")
        for info in unzipped.infolist():  # zipfile drops the modes: run_autograder runs
            mode = info.external_attr >> 16 & 0o777
            if mode:
                (home / "source" / info.filename).chmod(mode)
    # The small checks and their reference in place of the course's (quick to grade).
    shutil.rmtree(home / "source" / "hw_utils")
    make_package(home / "source", GOOD + READS_TRAIN)
    (home / "source" / f"{MODULE}.py").write_text(REGISTRY + SNOOP_CHECK)
    home.chmod(0o755)  # as Gradescope's /autograder: the student's user reaches the venv
    python = reachable_python(home / "venv")
    return {"base": base, "home": home, "archive": archive, "python": python}


def run_autograder(autograder: dict, submission: str) -> tuple[dict, str]:
    """run_autograder on ``submission`` (hw_utils/answer.py) in a Gradescope-like sandbox."""
    home = autograder["home"]
    for folder in ("submission", "results"):
        shutil.rmtree(home / folder, ignore_errors=True)
    make_package(home / "submission", submission)
    (home / "results").mkdir()
    venv = Path(sys.prefix)  # our packages, under folders the student's user can pass
    passable = [arg for parent in reversed(venv.parents) if str(parent) != "/"
                for arg in ("--perms", "0755", "--dir", str(parent))]
    sandbox = [str(launch.bwrap_binary()), *launch._system_mounts(), *passable,
               "--tmpfs", "/tmp",
               "--unshare-pid", "--proc", "/proc", "--dev", "/dev", "--bind", str(home),
               "/autograder",
               "--ro-bind", str(venv), str(venv), "--chdir", "/autograder", "--die-with-parent",
               "--setenv", "AUTOGRADER_PYTHON", "/autograder/venv/bin/python",
               "--setenv", "GRADER_SEED", str(SEED), "--setenv", "PATH", "/usr/bin:/bin",
               "--setenv", "HOME", "/tmp"]
    done = subprocess.run([*sandbox, "/autograder/source/run_autograder", "--isolation", "user",
                           "--registry", f"{MODULE}:CHECKS"], capture_output=True, text=True,
                          timeout=1800, env={"PATH": "/usr/bin:/bin"})
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    return json.loads((home / "results" / "results.json").read_text()), done.stdout


def test_the_zip_holds_what_gradescope_runs(autograder):
    with zipfile.ZipFile(autograder["archive"]) as archive:
        names = set(archive.namelist())
        modes = {info.filename: info.external_attr >> 16 for info in archive.infolist()}
    assert {"setup.sh", "run_autograder", "requirements.txt", "grader/gradescope.py",
            "hw_utils/dssm.py", "hw_checks/quality.py", "sodata/standin/corpus.py"} <= names
    assert modes["run_autograder"] & 0o111 and modes["setup.sh"] & 0o111
    assert not any("__pycache__" in name or name.startswith(("tests/", "data/")) for name in names)
    setup = (autograder["home"] / "source" / "setup.sh").read_text()
    assert gradescope.VENV in setup and "chmod -R go-rwx /autograder/source" in setup
    assert "torch" in setup and "requirements.txt" in setup
    requirements = (autograder["home"] / "source" / "requirements.txt").read_text()
    assert "numpy" in requirements and "so-duplicates" not in requirements


@pytest.mark.slow
def test_results_json_follows_the_contract_and_make_check_agrees(autograder, tmp_path):
    content, printed = run_autograder(autograder, GOOD + READS_TRAIN)
    assert isinstance(content["score"], (int, float)) and content["visibility"] in VISIBILITY
    assert isinstance(content["output"], str) and content["tests"]
    for test in content["tests"]:
        assert set(test) == {"name", "score", "max_score", "output", "visibility"}, test
        assert isinstance(test["score"], (int, float)) and test["score"] <= test["max_score"]
        assert test["visibility"] in VISIBILITY and isinstance(test["output"], str)
    assert str(SEED) not in content["output"] and "as an unprivileged user" in content["output"]
    # make check on the same submission and seed (a sandbox, the same checks) gives the same.
    root = tmp_path / "root"
    shutil.copytree(autograder["home"] / "source" / "hw_utils", root / "hw_utils")
    shutil.copy(autograder["home"] / "source" / f"{MODULE}.py", root)
    submission = make_package(tmp_path / "submission", GOOD + READS_TRAIN)
    config = config_for(root, tmp_path / "out", registry=f"{MODULE}:CHECKS", seed=SEED,
                        quality=True, preload=())
    with Grader(config) as grader:
        report = grader.grade(submission, write=False)
    assert content["score"] == report.total()[0] + report.part_points()["bonus"][0] == 11.0
    assert {t["name"]: t["score"] for t in content["tests"]} == {
        f"{gradescope.PART_TITLES[r.part]}: {r.name}": r.points for r in report.results}


@pytest.mark.slow
def test_the_students_code_reaches_nothing_of_the_graders(autograder):
    content, printed = run_autograder(autograder, ATTACK)
    scores = {test["name"].split(": ")[-1]: test for test in content["tests"]}
    assert scores["part2.secret"]["score"] == 0  # the reference could not be read
    snoop = scores["part1.snoop"]
    assert snoop["score"] == snoop["max_score"], snoop["output"]  # train read, nothing leaked
    assert content["score"] == 11.0 - 4.0  # Part 2's secret: 4 points
