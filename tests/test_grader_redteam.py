"""Red team: submissions that attack the grader, graded together in one batch.

A small grader root of its own (a reference ``hw_utils.answer``, a registry of four checks built
with ``grader.stages.check.Check`` and ``hw_checks.stage.Stage``) keeps the batch fast. ``part2.secret`` can only be passed by
knowing ``SECRET``, which lives in the reference alone: every attempt to read the answers, the
grader's memory or files shows up there. The other checks can be passed honestly, and some
attackers do so on purpose: that is all they may get.

After the batch: every attacker got at most what it deserved, with the reason reported; the good
submission (graded beside them) got full marks; the grader's tree, the repository, the venv and
the other submissions' folders are unchanged; the reports and scores do not change after the
grader returns; no process of any sandbox is alive.
"""
import hashlib
import os
import shutil
import sys
import sysconfig
import time
from pathlib import Path

import psutil
import pytest

from grader import sandbox
from grader.core import Grader, GraderConfig, fingerprint
from grader.report import write_csv
from sodata import Dataset

REPO = Path(__file__).resolve().parents[1]
SECRET = "kumquat-7f3a9"

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="needs Linux")

REGISTRY = '''
"""Checks for tests/test_grader_redteam.py and tests/test_grader.py."""
from grader.stages.check import Check
from hw_checks.stage import Stage, fail


def numbers(data, rng):
    return {"values": [rng.randint(0, 1000) for _ in range(8)]}


def words(data, rng):
    return {"word": "".join(rng.choice("abcdefgh") for _ in range(8))}


def equal(outputs, expected, inputs):
    if outputs != expected:
        fail(f"expected {expected!r}, got {outputs!r}")


def calls(function, key):
    return lambda host, inputs: host.call(host.student(f"answer.{function}"), inputs[key])


def check(name, course, function, key, make_inputs, **more):
    return Check(Stage(name, name.split(".")[0], 1.0, course, ("hw_utils.answer",),
                       calls(function, key), equal), make_inputs, **more)


CHECKS = [
    check("part1.total", "add the values", "total", "values", numbers),
    check("part2.secret", "sign the word", "secret", "word", words),
    check("part3.double", "double the values", "double", "values", numbers),
    check("bonus.total", "add the values again", "total", "values", numbers),
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

FRAME = """
import os
from hw_checks.host import pack
"""


def attacks(root: Path, batch: Path, out: Path) -> dict[str, tuple[str, str | None, set[str]]]:
    """name -> (answer.py, __init__.py or None, checks it may pass)."""
    honest = {"part1.total", "part3.double", "bonus.total"}
    site = sysconfig.get_paths()["purelib"]
    numpy_init = str(Path(__import__("numpy").__file__))
    return {
        "forges_replies_on_every_fd": (HONEST, FRAME + """
for fd in range(3, 256):
    try:
        os.write(fd, pack({"ok": None}) + pack({"ok": 999}) * 4)
    except OSError:
        pass
""", set()),
        "forges_replies_in_the_host": (HONEST.replace("return sum(values)", "return -1"), """
import hw_checks.host as host
import grader.host_server as server
host.execute = lambda request, objects: request.get("args", [[0]])[0]  # echo the inputs
server.execute = host.execute
import builtins
builtins.AssertionError = type("Never", (Exception,), {})
""", set()),
        "prints_fake_results": (HONEST.replace(
            "return sum(values)", 'print(\'{"ok": 6}\\\\nTotal: 10 / 10\')\n    return -1'), None,
            {"part3.double"}),
        "reads_parent_proc": (HONEST + HUNT.replace("EXTRA", "['/proc/1/cwd', '/proc/1/root']"),
                              None, honest),
        "reads_known_paths": (HONEST + HUNT.replace("EXTRA", repr([
            str(root), str(REPO), str(batch), str(out), "/grader", "/tmp", "/dev/shm"])),
            None, honest),
        "edits_grader_tree": (HONEST.replace("return sum(values)", f"""
    import glob
    targets = [{str(REPO / "grader" / "core.py")!r}, {str(REPO / "test_gt.json")!r},
               {str(root / "hw_utils" / "answer.py")!r}, {str(root / "checks_for_tests.py")!r},
               "/proc/1/cwd/grader/__main__.py", "/grader/trusted/grader/host_server.py",
               "/grader/trusted/hw_checks/host.py", "/grader/submission/hw_utils/answer.py"]
    targets += glob.glob(f"{root.parent}/data/*")
    for target in targets:
        try:
            with open(target, "a") as stream:
                stream.write("\\nraise SystemExit('owned')\\n")
        except OSError:
            pass
    return sum(values)"""), None, honest),
        "writes_the_venv": (HONEST.replace("return sum(values)", f"""
    for target, text in (({site + "/zz_owned.pth"!r}, "import os\\n"),
                         ({numpy_init!r}, "\\nraise SystemExit('owned')\\n")):
        try:
            with open(target, "a") as stream:
                stream.write(text)
        except OSError:
            pass
    return sum(values)"""), None, honest),
        "writes_other_submissions": (HONEST.replace("return sum(values)", f"""
    import os
    for base, _, files in os.walk({str(batch)!r}):
        for name in files:
            try:
                with open(os.path.join(base, name), "w") as stream:
                    stream.write("raise SystemExit('owned')\\n")
            except OSError:
                pass
    return sum(values)"""), None, honest),
        "daemon_rewrites_scores": (HONEST.replace("return sum(values)", f"""
    import os, time
    if os.fork() == 0:
        os.setsid()
        if os.fork() == 0:
            deadline = time.time() + 60
            while time.time() < deadline:
                for target in ({str(out / "scores.csv")!r},
                               {str(out / "reports" / "good" / "report.json")!r}):
                    try:
                        os.makedirs(os.path.dirname(target), exist_ok=True)
                        with open(target, "w") as stream:
                            stream.write("owned")
                    except OSError:
                        pass
                time.sleep(0.2)
        os._exit(0)
    return sum(values)"""), None, honest),
        "daemon_forges_later_checks": (HONEST.replace("return sum(values)", """
    import os, time
    from hw_checks.host import pack
    if os.fork() == 0:
        os.setsid()
        if os.fork() == 0:
            deadline = time.time() + 30
            while time.time() < deadline:
                for pid in os.listdir("/proc"):
                    try:
                        for fd in os.listdir(f"/proc/{pid}/fd"):
                            with open(f"/proc/{pid}/fd/{fd}", "wb", buffering=0) as s:
                                s.write(pack({"ok": "0123456789abcdef"}))
                    except OSError:
                        pass
                time.sleep(0.05)
        os._exit(0)
    return sum(values)"""), None, honest),
        "kills_the_zygote": (HONEST.replace("return sum(values)", """
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
    return sum(values)"""), None, {"part3.double"}),
        "traces_the_zygote": (HONEST.replace("return sum(values)", """
    import os
    with open(f"/proc/{os.getppid()}/mem", "rb") as mem:
        mem.read(1)
    return sum(values)"""), None, {"part3.double"}),
        "fork_bomb": (HONEST.replace("return sum(values)", """
    import os
    while True:
        try:
            os.fork()
        except OSError:
            pass"""), None, {"part3.double"}),
        "memory_across_forks": (HONEST.replace("return sum(values)", """
    import os, time
    for _ in range(6):
        if os.fork() == 0:
            block = bytearray(700 * 2**20)
            for i in range(0, len(block), 4096):
                block[i] = 1
            time.sleep(60)
            os._exit(0)
    while True:
        pass"""), None, {"part3.double"}),
        "huge_allocation": (HONEST.replace("return sum(values)",
                                           "return len(bytearray(10 * 2**30))"), None,
                            {"part3.double"}),
        "flaky_between_runs": (HONEST.replace("return sum(values)", """
    import os
    try:
        os.close(os.open("/tmp/first-run", os.O_CREAT | os.O_EXCL | os.O_WRONLY))
        return sum(values)
    except FileExistsError:
        return sum(values) + 1"""), None, {"part3.double"}),
        "random_outputs": (HONEST.replace("return sum(values)",
                                          "import random\n    return sum(values) + random.random()"),
                           None, {"part3.double"}),
        "sleeps_in_import": ("import time\ntime.sleep(1000)\n" + HONEST, None, set()),
        "stops_itself": (HONEST.replace("return sum(values)", """
    import os, signal
    os.kill(os.getpid(), signal.SIGSTOP)
    return sum(values)"""), None, {"part3.double"}),
        "hangs": (HONEST.replace("return sum(values)", "while True:\n        pass"), None,
                  {"part3.double"}),
        "floods_output": (HONEST.replace("return sum(values)",
                                         "while True:\n        print('spam' * 1000)"), None,
                          {"part3.double"}),
        "lies_with_eq": (HONEST.replace("return sum(values)", """
    class Liar(int):
        def __eq__(self, other):
            return True
    return {"value": Liar(-1), "object": object()}"""), None, {"part3.double"}),
        "exits": (HONEST.replace("return sum(values)", "import sys\n    sys.exit(3)").replace(
            "return [2 * v for v in values]", "import os\n    os._exit(0)"), None, set()),
        "uses_the_network": (HONEST.replace("return sum(values)", """
    import socket
    for host in ("8.8.8.8", "1.1.1.1"):
        socket.create_connection((host, 53), timeout=2).close()
    return sum(values)"""), None, {"part3.double"}),
        "escapes_namespaces": (HONEST.replace("return sum(values)", """
    import ctypes, os
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.unshare(0x10000000) != 0:  # CLONE_NEWUSER
        raise OSError(ctypes.get_errno(), "unshare(CLONE_NEWUSER) refused")
    return sum(values)"""), None, {"part3.double"}),
        "deep_json_reply": (HONEST, FRAME + """
import struct
text = b"[" * 200000 + b"]" * 200000
for fd in range(3, 64):
    try:
        os.write(fd, struct.pack(">II", len(text), len(text)) + text)
    except OSError:
        pass
os._exit(0)
""", set()),
        "malformed_array": (HONEST.replace("return sum(values)", """
    import os, json, struct
    text = json.dumps({"data": {"ok": {"$": "array", "dtype": "object", "shape": [1000000000],
                                       "blob": 0}}, "sizes": [8]}).encode()
    for fd in range(3, 64):
        try:
            os.write(fd, struct.pack(">II", len(text) + 8, len(text)) + text + b"x" * 8)
        except OSError:
            pass
    os._exit(0)"""), None, {"part3.double"}),
        "huge_result": (HONEST.replace("return sum(values)", "return 'x' * (30 * 2**20)"), None,
                        {"part3.double"}),
        "deeply_nested_result": (HONEST.replace("return sum(values)", """
    nested = []
    for _ in range(100000):
        nested = [nested]
    return nested"""), None, {"part3.double"}),
        "fills_tmp": (HONEST.replace("return sum(values)", """
    with open("/tmp/fill", "wb") as stream:
        for _ in range(4096):
            stream.write(b"x" * 2**20)
    return sum(values)"""), None, {"part3.double"}),
        "raises_unprintable": (HONEST.replace("return sum(values)", """
    class Weird(Exception):
        def __str__(self):
            raise RuntimeError("no")
    raise Weird()"""), None, {"part3.double"}),
    }


def make_package(folder: Path, answer: str, init: str | None = None) -> Path:
    package = folder / "hw_utils"
    package.mkdir(parents=True)
    (package / "__init__.py").write_text(init or '"""A submission."""\n')
    (package / "answer.py").write_text(answer)
    return folder


def make_root(root: Path) -> None:
    """A grader root: the reference hw_utils and the checks."""
    make_package(root, GOOD)
    (root / "checks_for_tests.py").write_text(REGISTRY)


def make_data(folder: Path) -> Dataset:
    folder.mkdir(parents=True)
    for name in ("train.tsv", "validation.tsv", "test.tsv", "vectors.bin"):
        (folder / name).write_text("a\tb\tc\n")
    return Dataset("tiny", folder, folder / "train.tsv", folder / "validation.tsv",
                   folder / "test.tsv", folder / "vectors.bin", None, True)


def config_for(root: Path, out: Path, **changes) -> GraderConfig:
    limits = sandbox.Limits(cpu_seconds=0.0, processes=32, memory_bytes=1536 * 2**20,
                            address_space_bytes=1024 * 2**20, output_bytes=2 * 2**20,
                            file_bytes=64 * 2**20)
    settings = dict(registry="checks_for_tests:CHECKS", root=root, out_dir=out,
                    import_cpu_seconds=5.0, idle_seconds=3.0, min_seconds=2.0, limits=limits,
                    quiet=True, jobs=2, preload=())
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


def odd_names(batch: Path) -> dict[str, Path]:
    """Submissions whose names or shapes once cost the whole batch: name -> folder or zip."""
    odd = {"=1+2": batch / "=1+2", "line\n\x1b[31mgood 10 / 10": batch / "line\n\x1b[31mgood",
           "scores.csv.d": batch / "scores.csv.d", "twin": batch / "twin"}
    for folder in odd.values():
        make_package(folder, HONEST)
    shutil.make_archive(str(batch / "twin"), "zip", batch / "twin")  # twin and twin.zip
    odd["twin (zip)"] = batch / "twin.zip"
    bad_bytes = os.fsdecode(b"caf\xe9")  # not UTF-8
    make_package(batch / bad_bytes, HONEST)
    odd["not utf-8"] = batch / bad_bytes
    deep = batch / "deep"
    make_package(deep, HONEST)
    nested = deep / "hw_utils"
    for _ in range(700):
        nested = nested / "d"
    nested.mkdir(parents=True)
    odd["deep"] = deep
    # A folder holding only a link to the grader's root (the reference), and one whose child
    # links to another submission.
    (batch / "only_a_link").mkdir()
    (batch / "only_a_link" / "x").symlink_to(REPO)
    odd["only_a_link"] = batch / "only_a_link"
    (batch / "mallory").mkdir()
    (batch / "mallory" / "x").symlink_to(batch / "good")
    odd["mallory"] = batch / "mallory"
    return odd


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
    odd = odd_names(batch)
    site = Path(sysconfig.get_paths()["purelib"])
    watched = [REPO / "grader" / "core.py", REPO / "test_gt.json",
               Path(__import__("numpy").__file__)]
    before = {"root": fingerprint(root), "batch": fingerprint(batch),
              "files": {str(p): digest(p) for p in watched if p.is_file()},
              "site": sorted(p.name for p in site.iterdir())}
    submissions = [(name, batch / name) for name in ["good", *table, "links_the_reference"]]
    submissions += list(odd.items())
    started = time.perf_counter()
    with Grader(config_for(root, out), data=make_data(base / "data")) as grader:
        outcomes = grader.grade_many(submissions)
        marker = grader.private.name
    seconds = time.perf_counter() - started
    write_csv(outcomes, out / "scores.csv")
    survivors = sandbox_processes(marker)
    written = {p: p.read_bytes() for p in out.rglob("*") if p.is_file()}
    time.sleep(2)  # a daemon that outlived the grader would rewrite the scores now
    after = {"root": fingerprint(root), "batch": fingerprint(batch),
             "files": {str(p): digest(p) for p in watched if p.is_file()},
             "site": sorted(p.name for p in site.iterdir())}
    reports = {getattr(o, "name", None) or o[0]: o for o in outcomes}
    return dict(reports=reports, table=table, before=before, after=after, out=out,
                written=written, survivors=survivors, seconds=seconds, marker=marker, odd=odd)


def by_name(report) -> dict:
    return {result.name: result for result in report.results}


def test_the_good_submission_gets_full_marks_beside_the_attackers(graded):
    good = graded["reports"]["good"]
    assert good.full_marks, [(r.name, r.reason) for r in good.results if r.status != "pass"]
    assert good.total() == (10.0, 10.0) and good.part_points()["bonus"] == (1.0, 3.0)
    assert all(r.runs_agree for r in good.results)


ATTACKS = ["forges_replies_on_every_fd", "forges_replies_in_the_host", "prints_fake_results",
           "reads_parent_proc", "reads_known_paths", "edits_grader_tree", "writes_the_venv",
           "writes_other_submissions", "daemon_rewrites_scores", "daemon_forges_later_checks",
           "kills_the_zygote", "traces_the_zygote", "fork_bomb", "memory_across_forks",
           "huge_allocation", "flaky_between_runs", "random_outputs", "sleeps_in_import",
           "stops_itself", "hangs", "floods_output", "lies_with_eq", "exits", "uses_the_network",
           "escapes_namespaces", "deep_json_reply", "malformed_array", "huge_result",
           "deeply_nested_result", "fills_tmp", "raises_unprintable"]


@pytest.mark.parametrize("name", ATTACKS)
def test_each_attack_gets_no_more_than_it_deserves(graded, name):
    report = graded["reports"][name]
    allowed = graded["table"][name][2]
    results = by_name(report)
    for check, result in results.items():
        if check not in allowed:
            assert result.status == "fail" and result.points == 0, (check, result)
            assert result.reason and result.error_type, (check, result)
        else:
            assert result.status == "pass", (check, result)
    assert results["part2.secret"].status == "fail"


EXPECTED_KIND = {
    "forges_replies_on_every_fd": {"Wrong", "ProtocolError"},
    "forges_replies_in_the_host": {"Wrong"},
    "deep_json_reply": {"ProtocolError"},
    "malformed_array": {"ProtocolError"},
    "fork_bomb": {"ProcessLimit"},
    "memory_across_forks": {"MemoryLimit"},
    "huge_allocation": {"MemoryError"},
    "flaky_between_runs": {"Nondeterministic"},
    "random_outputs": {"Wrong"},
    "hangs": {"Timeout"},
    "stops_itself": {"Timeout"},
    "floods_output": {"OutputLimit"},
    "lies_with_eq": {"Wrong"},
    "exits": {"SystemExit"},
    "huge_result": {"ResultTooLarge"},
    "deeply_nested_result": {"ResultError"},
    "fills_tmp": {"OSError"},
    "uses_the_network": {"OSError"},
    "escapes_namespaces": {"OSError"},
    "traces_the_zygote": {"PermissionError"},
    "raises_unprintable": {"Weird"},
    "kills_the_zygote": {"Exit", "Nondeterministic", "SandboxBroken", "Wrong"},
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
    assert any("differed between the runs" in note for note in reports["random_outputs"].notes)
    assert "<unprintable>" in by_name(reports["raises_unprintable"])["part1.total"].reason
    floods = by_name(reports["floods_output"])["part1.total"]
    assert floods.output_bytes > 2 * 2**20 and len(floods.output_tail.encode()) <= 32 * 1024
    huge = by_name(reports["huge_result"])["part1.total"]
    assert "limit" in huge.reason and "31,457" in huge.reason


def test_printed_text_cannot_write_the_reports_headings(graded):
    slug = next(p for p in (graded["out"] / "reports").iterdir() if "prints_fake" in p.name)
    markdown = (slug / "report.md").read_text()
    lines = markdown.splitlines()
    totals = [number for number, line in enumerate(lines) if "Total: 10 / 10" in line]
    fences = [number for number, line in enumerate(lines) if line.startswith("```")]
    assert markdown.startswith("# Grading report: `prints_fake_results`")
    for number in totals:  # every such line sits inside a fenced block
        assert sum(fence < number for fence in fences) % 2 == 1, lines[number]


def test_a_sleep_at_import_costs_one_import_limit_not_every_check(graded):
    results = by_name(graded["reports"]["sleeps_in_import"])
    assert all(r.error_type in ("Timeout", "ImportTimeout") for r in results.values()), results
    assert sum(r.reason.startswith("not run") for r in results.values()) >= 2
    assert graded["reports"]["sleeps_in_import"].seconds < 60


def test_a_hang_costs_only_its_own_check_and_its_time_limit(graded):
    results = by_name(graded["reports"]["hangs"])
    assert results["part1.total"].error_type == "Timeout"
    assert results["part1.total"].cpu_seconds < 2 * (results["part1.total"].cpu_limit_seconds + 1)
    assert results["part3.double"].status == "pass"


def test_a_link_to_the_reference_is_not_followed(graded):
    results = by_name(graded["reports"]["links_the_reference"])
    assert all(r.status == "fail" for r in results.values())
    assert "ModuleNotFoundError" in results["part1.total"].reason
    assert any("symbolic link" in note for note in graded["reports"]["links_the_reference"].notes)


def test_odd_names_and_shapes_cost_only_their_own_row(graded):
    reports, odd = graded["reports"], graded["odd"]
    for name in ("=1+2", "line\n\x1b[31mgood 10 / 10", "scores.csv.d", "twin", "twin (zip)",
                 "not utf-8", "deep"):
        report = reports[name]
        assert by_name(report)["part1.total"].status == "pass", name
        assert by_name(report)["part2.secret"].status == "fail", name
    assert any("deeper than" in note for note in reports["deep"].notes)
    for name in ("only_a_link", "mallory"):  # nothing of the reference or of good is graded
        outcome = reports[name]
        assert isinstance(outcome, tuple) and "no hw_utils package" in outcome[1], outcome
    rows = (graded["out"] / "scores.csv").read_text(encoding="utf-8")
    assert "'=1+2" in rows and "\x1b" not in rows and "line\n" not in rows
    assert "\\x1b[31mgood" in rows
    folders = sorted(p.name for p in (graded["out"] / "reports").iterdir())
    assert len(folders) == len({f.lower() for f in folders})
    assert all(name.replace(".", "").replace("-", "").replace("_", "").isalnum()
               for name in folders), folders
    assert (graded["out"] / "scores.csv").is_file()


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
    assert graded["seconds"] < 240, graded["seconds"]
