"""Red team: submissions that attack the grader, graded together in one batch.

A small grader root of its own (a reference ``hw_utils.answer``, a registry of four checks built
with hw_checks/framework.py) keeps the batch fast. ``part2.secret`` can only be passed by
knowing ``SECRET``, which lives in the reference alone: every attempt to read the answers, the
grader's memory or files shows up there. The other checks can be passed honestly, and some
attackers do so on purpose: that is all they may get.

After the batch: every attacker got at most what it deserved, with the reason reported; the good
submission (graded beside them) got full marks; the grader's tree, the repository, the venv and
the other submissions' folders are unchanged; the reports and scores do not change after the
grader returns; no process of any sandbox is alive.
"""
import hashlib
import shutil
import sys
import sysconfig
import time
from pathlib import Path

import psutil
import pytest

from sodata import Dataset
from grader import sandbox
from grader.core import Grader, GraderConfig, fingerprint
from grader.report import write_csv

REPO = Path(__file__).resolve().parents[1]
SECRET = "kumquat-7f3a9"

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="needs Linux")

REGISTRY = '''
"""Checks for tests/test_grader_redteam.py and tests/test_grader.py."""
from hw_checks.framework import Check, fail, submission


def numbers(data, rng):
    return {"values": [rng.randint(0, 1000) for _ in range(8)]}


def words(data, rng):
    return {"word": "".join(rng.choice("abcdefgh") for _ in range(8))}


def equal(outputs, expected, inputs):
    if outputs != expected:
        fail(f"expected {expected!r}, got {outputs!r}")


CHECKS = [
    Check("part1.total", "part1", 1.0, "add the values", numbers,
          lambda inputs: submission("answer").total(inputs["values"]), equal),
    Check("part2.secret", "part2", 1.0, "sign the word", words,
          lambda inputs: submission("answer").secret(inputs["word"]), equal),
    Check("part3.double", "part3", 1.0, "double the values", numbers,
          lambda inputs: submission("answer").double(inputs["values"]), equal),
    Check("bonus.total", "bonus", 1.0, "add the values again", numbers,
          lambda inputs: submission("answer").total(inputs["values"]), equal),
]
'''

GOOD = f'''
import hashlib

SECRET = {SECRET!r}


def total(values):
    return sum(values)


def secret(word):
    return hashlib.sha256((SECRET + word).encode()).hexdigest()[:16]


def double(values):
    return [2 * v for v in values]
'''

# Honest total and double, no secret: what most attackers could earn by doing the work.
HONEST = '''
def total(values):
    return sum(values)


def double(values):
    return [2 * v for v in values]
'''

# Looks for SECRET everywhere it can reach: files, other processes' memory and environment.
HUNT = '''
import os, re


def hunt(extra=()):
    found = []
    places = ["/proc/%s/%s" % (pid, what) for pid in os.listdir("/proc") if pid.isdigit()
              for what in ("environ", "cmdline", "cwd", "root")]
    places += list(extra)
    for place in places:
        try:
            if os.path.isdir(place):
                for base, _, files in os.walk(place):
                    for name in files:
                        try:
                            with open(os.path.join(base, name), "rb") as f:
                                found.append(f.read(1 << 20))
                        except OSError:
                            pass
            else:
                with open(place, "rb") as f:
                    found.append(f.read(1 << 20))
        except OSError:
            pass
    for pid in [p for p in os.listdir("/proc") if p.isdigit()]:
        try:
            with open(f"/proc/{pid}/maps") as maps, open(f"/proc/{pid}/mem", "rb") as mem:
                for line in maps:
                    start, end = (int(x, 16) for x in line.split()[0].split("-"))
                    if end - start < 1 << 24:
                        mem.seek(start)
                        found.append(mem.read(end - start))
        except (OSError, ValueError, OverflowError):
            pass
    for blob in found:
        match = re.search(rb"SECRET = '([^']+)'", blob)
        if match:
            return match.group(1).decode()
    raise LookupError("the secret is nowhere to be found")


def secret(word):
    import hashlib
    return hashlib.sha256((hunt(EXTRA) + word).encode()).hexdigest()[:16]
'''

FRAME = '''
import json, os, struct


def frame(message):
    data = json.dumps(message).encode()
    return struct.pack(">I", len(data)) + data
'''


def attacks(root: Path, batch: Path, out: Path) -> dict[str, tuple[str, str | None, set[str]]]:
    """name -> (answer.py, __init__.py or None, checks it may pass)."""
    honest = {"part1.total", "part3.double", "bonus.total"}
    site = sysconfig.get_paths()["purelib"]
    numpy_init = str(Path(__import__("numpy").__file__))
    return {
        "forges_frames_on_every_fd": (HONEST, FRAME + '''
for fd in range(3, 256):
    try:
        os.write(fd, frame({"event": "imported"}) + frame({"event": "outputs", "outputs": 999}))
        os.write(fd, b'{"ok": true, "observed": {"value": 6}}')
    except OSError:
        pass
os._exit(0)
''', set()),
        "forges_old_protocol_on_stdout": (HONEST.replace(
            "return sum(values)", 'print(\'{"ok": true, "observed": 6}\')\n    return -1'), None,
            {"part3.double"}),
        "patches_the_judges": (HONEST.replace("return sum(values)", "return -1"), '''
import builtins
from hw_checks import framework
framework.Check.verdict = lambda *args, **kwargs: None
framework.fail = lambda message: None
framework.CheckFailure = type("Never", (Exception,), {})
builtins.AssertionError = type("Never", (Exception,), {})
import numpy
numpy.isclose = numpy.allclose = lambda *args, **kwargs: True
''', {"part3.double"}),
        "reads_parent_proc": (HONEST + HUNT.replace("EXTRA", "['/proc/1/cwd', '/proc/1/root']"),
                              None, honest),
        "reads_known_paths": (HONEST + HUNT.replace("EXTRA", repr([
            str(root), str(REPO), str(batch), str(out), "/grader", "/tmp", "/dev/shm"])),
            None, honest),
        "edits_grader_tree": (HONEST.replace("return sum(values)", f'''
    import glob
    targets = [{str(REPO / "grader" / "core.py")!r}, {str(REPO / "test_gt.json")!r},
               {str(root / "hw_utils" / "answer.py")!r}, {str(root / "checks_for_tests.py")!r},
               "/proc/1/cwd/grader/__main__.py", "/grader/trusted/grader/judging.py",
               "/grader/trusted/hw_checks/framework.py", "/grader/submission/hw_utils/answer.py",
               "/grader/spec.json"] + glob.glob(f"{root.parent}/data/*")
    for target in targets:
        try:
            with open(target, "a") as stream:
                stream.write("\\nraise SystemExit('owned')\\n")
        except OSError:
            pass
    return sum(values)'''), None, honest),
        "writes_the_venv": (HONEST.replace("return sum(values)", f'''
    for target, text in (({site + "/zz_owned.pth"!r}, "import os\\n"),
                         ({numpy_init!r}, "\\nraise SystemExit('owned')\\n")):
        try:
            with open(target, "a") as stream:
                stream.write(text)
        except OSError:
            pass
    return sum(values)'''), None, honest),
        "writes_other_submissions": (HONEST.replace("return sum(values)", f'''
    import os
    for base, _, files in os.walk({str(batch)!r}):
        for name in files:
            try:
                with open(os.path.join(base, name), "w") as stream:
                    stream.write("raise SystemExit('owned')\\n")
            except OSError:
                pass
    return sum(values)'''), None, honest),
        "daemon_rewrites_scores": (HONEST.replace("return sum(values)", f'''
    import os, time
    if os.fork() == 0:
        os.setsid()
        if os.fork() == 0:
            deadline = time.time() + 60
            while time.time() < deadline:
                for target in ({str(out / "scores.csv")!r}, {str(out / "good" / "report.json")!r}):
                    try:
                        os.makedirs(os.path.dirname(target), exist_ok=True)
                        with open(target, "w") as stream:
                            stream.write("owned")
                    except OSError:
                        pass
                time.sleep(0.2)
        os._exit(0)
    return sum(values)'''), None, honest),
        "kills_the_grader": (HONEST.replace("return sum(values)", '''
    import os, signal
    for pid in (os.getppid(), 1, -1, 0):
        try:
            os.kill(pid, signal.SIGKILL)
        except OSError:
            pass
    for pid in range(2, 2000):
        try:
            os.kill(pid, signal.SIGKILL)
        except OSError:
            pass
    return sum(values)'''), None, {"part3.double"}),
        "fork_bomb": (HONEST.replace("return sum(values)", '''
    import os
    while True:
        try:
            os.fork()
        except OSError:
            pass'''), None, {"part3.double"}),
        "memory_across_forks": (HONEST.replace("return sum(values)", '''
    import os, time
    for _ in range(6):
        if os.fork() == 0:
            block = bytearray(700 * 2**20)
            for i in range(0, len(block), 4096):
                block[i] = 1
            time.sleep(60)
            os._exit(0)
    time.sleep(60)'''), None, {"part3.double"}),
        "huge_allocation": (HONEST.replace("return sum(values)",
                                           "return len(bytearray(10 * 2**30))"), None,
                            {"part3.double"}),
        "flaky_between_runs": (HONEST.replace("return sum(values)", '''
    import os
    try:
        os.close(os.open("/tmp/first-run", os.O_CREAT | os.O_EXCL | os.O_WRONLY))
        return sum(values)
    except FileExistsError:
        return sum(values) + 1'''), None, {"part3.double"}),
        "random_outputs": (HONEST.replace("return sum(values)",
                                          "import random\n    return sum(values) + random.random()"),
                           None, {"part3.double"}),
        "sleeps_in_import": ("import time\ntime.sleep(1000)\n" + HONEST, None, set()),
        "hangs": (HONEST.replace("return sum(values)", "while True:\n        pass"), None,
                  {"part3.double"}),
        "floods_output": (HONEST.replace("return sum(values)",
                                         "while True:\n        print('spam' * 1000)"), None,
                          {"part3.double"}),
        "lies_with_eq": (HONEST.replace("return sum(values)", '''
    class Liar(int):
        def __eq__(self, other):
            return True
    return {"value": Liar(-1), "object": object()}'''), None, {"part3.double"}),
        "exits": (HONEST.replace("return sum(values)", "import sys\n    sys.exit(3)").replace(
            "return [2 * v for v in values]", "import os\n    os._exit(0)"), None, set()),
        "uses_the_network": (HONEST.replace("return sum(values)", '''
    import socket
    for host in ("8.8.8.8", "1.1.1.1"):
        socket.create_connection((host, 53), timeout=2).close()
    return sum(values)'''), None, {"part3.double"}),
        "escapes_namespaces": (HONEST.replace("return sum(values)", '''
    import ctypes, os
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.unshare(0x10000000) != 0:  # CLONE_NEWUSER
        raise OSError(ctypes.get_errno(), "unshare(CLONE_NEWUSER) refused")
    return sum(values)'''), None, {"part3.double"}),
        "deep_json_frame": (HONEST, FRAME + '''
nested = b"[" * 200000 + b"]" * 200000
for fd in range(3, 64):
    try:
        os.write(fd, frame({"event": "imported"}) + struct.pack(">I", len(nested)) + nested)
    except OSError:
        pass
os._exit(0)
''', set()),
        "huge_result": (HONEST.replace("return sum(values)", "return 'x' * (64 * 2**20)"), None,
                        {"part3.double"}),
        "fills_tmp": (HONEST.replace("return sum(values)", '''
    with open("/tmp/fill", "wb") as stream:
        for _ in range(4096):
            stream.write(b"x" * 2**20)
    return sum(values)'''), None, {"part3.double"}),
        "raises_unprintable": (HONEST.replace("return sum(values)", '''
    class Weird(Exception):
        def __str__(self):
            raise RuntimeError("no")
    raise Weird()'''), None, {"part3.double"}),
    }


def make_package(folder: Path, answer: str, init: str | None = None) -> None:
    package = folder / "hw_utils"
    package.mkdir(parents=True)
    (package / "__init__.py").write_text(init or '"""A submission."""\n')
    (package / "answer.py").write_text(answer)


def make_root(root: Path) -> None:
    """A grader root: the reference hw_utils, the framework, the checks."""
    make_package(root, GOOD)
    (root / "hw_checks").mkdir(parents=True)
    (root / "hw_checks" / "__init__.py").write_text("")
    shutil.copy(REPO / "hw_checks" / "framework.py", root / "hw_checks" / "framework.py")
    (root / "checks_for_tests.py").write_text(REGISTRY)


def make_data(folder: Path) -> Dataset:
    folder.mkdir(parents=True)
    for name in ("train.tsv", "validation.tsv", "test.tsv", "vectors.bin"):
        (folder / name).write_text("a\tb\tc\n")
    return Dataset("tiny", folder, folder / "train.tsv", folder / "validation.tsv",
                   folder / "test.tsv", folder / "vectors.bin", None, True)


def config_for(root: Path, out: Path, **changes) -> GraderConfig:
    limits = sandbox.Limits(processes=32, memory_bytes=1536 * 2**20,
                            address_space_bytes=1024 * 2**20, output_bytes=2 * 2**20,
                            channel_bytes=4 * 2**20, file_bytes=64 * 2**20)
    settings = dict(registry="checks_for_tests:CHECKS", root=root,
                    trusted=("hw_checks", "checks_for_tests.py"), out_dir=out, import_seconds=10.0,
                    min_seconds=5.0, limits=limits, quiet=True, jobs=2)
    settings.update(changes)
    return GraderConfig(**settings)


def sandbox_processes(marker: str) -> list[psutil.Process]:
    """Processes started by a grader's sandboxes (their environment has HW_SANDBOX=marker)."""
    found = []
    for process in psutil.process_iter():
        try:
            if process.environ().get("HW_SANDBOX") == marker:
                found.append(process)
        except psutil.Error:
            pass
    return found


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    base = tmp_path_factory.mktemp("redteam")
    root, batch, out = base / "root", base / "batch", base / "out"
    make_root(root)
    table = attacks(root, batch, out)
    make_package(batch / "good", GOOD)
    for name, (answer, init, _) in table.items():
        make_package(batch / name, answer, init)
    # A link to the reference is not copied into the sandbox.
    make_package(batch / "links_the_reference", "from hw_utils.reference import *\n")
    (batch / "links_the_reference" / "hw_utils" / "reference.py").symlink_to(
        root / "hw_utils" / "answer.py")
    site = Path(sysconfig.get_paths()["purelib"])
    watched = [REPO / "grader" / "core.py", REPO / "test_gt.json",
               Path(__import__("numpy").__file__)]
    before = {"root": fingerprint(root), "batch": {p.name: fingerprint(p) for p in batch.iterdir()},
              "files": {str(p): digest(p) for p in watched if p.is_file()},
              "site": sorted(p.name for p in site.iterdir())}
    started = time.perf_counter()
    with Grader(config_for(root, out), data=make_data(base / "data")) as grader:
        outcomes = grader.grade_many([(p.name, p) for p in sorted(batch.iterdir())])
        marker = grader.private.name
    seconds = time.perf_counter() - started
    write_csv(outcomes, out / "scores.csv")
    survivors = sandbox_processes(marker)
    written = {p: p.read_bytes() for p in out.rglob("*") if p.is_file()}
    time.sleep(2)  # a daemon that outlived the grader would rewrite the scores now
    after = {"root": fingerprint(root), "batch": {p.name: fingerprint(p) for p in batch.iterdir()},
             "files": {str(p): digest(p) for p in watched if p.is_file()},
             "site": sorted(p.name for p in site.iterdir())}
    reports = {report.name: report for report in outcomes}
    return dict(reports=reports, table=table, before=before, after=after, out=out,
                written=written, survivors=survivors, seconds=seconds, marker=marker)


def by_name(report) -> dict:
    return {result.name: result for result in report.results}


def test_the_good_submission_gets_full_marks_beside_the_attackers(graded):
    good = graded["reports"]["good"]
    assert good.full_marks, [(r.name, r.reason) for r in good.results if r.status != "pass"]
    assert good.total() == (10.0, 10.0) and good.part_points()["bonus"] == (1.0, 3.0)
    assert all(r.runs_agree for r in good.results)


@pytest.mark.parametrize("name", [
    "forges_frames_on_every_fd", "forges_old_protocol_on_stdout", "patches_the_judges",
    "reads_parent_proc", "reads_known_paths", "edits_grader_tree", "writes_the_venv",
    "writes_other_submissions", "daemon_rewrites_scores", "kills_the_grader", "fork_bomb",
    "memory_across_forks", "huge_allocation", "flaky_between_runs", "random_outputs",
    "sleeps_in_import", "hangs", "floods_output", "lies_with_eq", "exits", "uses_the_network",
    "escapes_namespaces", "deep_json_frame", "huge_result", "fills_tmp", "raises_unprintable"])
def test_each_attack_gets_no_more_than_it_deserves(graded, name):
    report = graded["reports"][name]
    allowed = graded["table"][name][2]
    results = by_name(report)
    for check, result in results.items():
        if check not in allowed:
            assert result.status == "fail" and result.points == 0, (check, result)
            assert result.reason and result.error_type, (check, result)
    assert results["part2.secret"].status == "fail"


EXPECTED_KIND = {
    "forges_frames_on_every_fd": {"Tampering", "Wrong"},
    "deep_json_frame": {"Tampering"},
    "patches_the_judges": {"Wrong"},
    "fork_bomb": {"ProcessLimit"},
    "memory_across_forks": {"MemoryLimit"},
    "huge_allocation": {"MemoryError"},
    "flaky_between_runs": {"Nondeterministic"},
    "random_outputs": {"Wrong"},
    "hangs": {"Timeout"},
    "floods_output": {"OutputLimit"},
    "lies_with_eq": {"ResultError"},
    "exits": {"SystemExit"},
    "huge_result": {"ResultTooLarge"},
    "fills_tmp": {"OSError"},
    "uses_the_network": {"OSError"},
    "escapes_namespaces": {"OSError"},
    "raises_unprintable": {"Weird"},
    "kills_the_grader": {"Exit", "Wrong"},
}


@pytest.mark.parametrize("name", sorted(EXPECTED_KIND))
def test_each_attack_is_reported_for_what_it_did(graded, name):
    result = by_name(graded["reports"][name])["part1.total"]
    assert result.error_type in EXPECTED_KIND[name], result


def test_the_reports_say_why(graded):
    reports = graded["reports"]
    assert "more than 32 processes" in by_name(reports["fork_bomb"])["part1.total"].reason
    assert "1536 MB" in by_name(reports["memory_across_forks"])["part1.total"].reason
    assert "not reproducible" in by_name(reports["flaky_between_runs"])["part1.total"].reason
    assert by_name(reports["random_outputs"])["part1.total"].runs_agree is False
    assert any("differed between the two runs" in note for note in reports["random_outputs"].notes)
    assert "<unprintable>" in by_name(reports["raises_unprintable"])["part1.total"].reason
    floods = by_name(reports["floods_output"])["part1.total"]
    assert floods.output_bytes > 2 * 2**20 and len(floods.output_tail.encode()) <= 32 * 1024


def test_a_sleep_at_import_costs_one_import_limit_not_every_check(graded):
    results = by_name(graded["reports"]["sleeps_in_import"])
    assert all(r.error_type == "ImportTimeout" for r in results.values()), results
    assert sum(r.reason.startswith("not run") for r in results.values()) >= 2
    assert graded["reports"]["sleeps_in_import"].seconds < 40


def test_a_hang_costs_only_its_own_check_and_its_time_limit(graded):
    results = by_name(graded["reports"]["hangs"])
    assert results["part1.total"].error_type == "Timeout"
    assert results["part1.total"].seconds < results["part1.total"].limit_seconds + 5
    assert results["part3.double"].status == "pass"


def test_a_link_to_the_reference_is_not_followed(graded):
    results = by_name(graded["reports"]["links_the_reference"])
    assert all(r.status == "fail" for r in results.values())
    assert "ModuleNotFoundError" in results["part1.total"].reason


def test_nothing_outside_the_graders_output_changes(graded):
    before, after = graded["before"], graded["after"]
    assert after["root"] == before["root"], "the grader's root (reference, checks) changed"
    assert after["files"] == before["files"], "the repository or the venv's numpy changed"
    assert after["site"] == before["site"], "site-packages gained or lost files"
    assert after["batch"] == before["batch"], "a submission's folder changed"


def test_no_process_outlives_the_run_and_the_scores_stay_put(graded):
    assert graded["survivors"] == []
    assert sandbox_processes(graded["marker"]) == []
    for path, data in graded["written"].items():
        assert path.read_bytes() == data, f"{path} changed after the grader returned"
    rows = (graded["out"] / "scores.csv").read_text()
    assert "owned" not in rows and "good,2,4,4,1,10,10,graded" in rows


def test_the_batch_stays_fast(graded):
    assert graded["seconds"] < 180, graded["seconds"]
