"""Grade a submission: ``python -m tools.grader [--submission P] [--batch DIR] [--dataset NAME]``.

A submission is a student's ``hw_utils/`` folder, a folder holding one (a whole release), or the
zip ``make submission`` writes; by default the reference in this repository. Every graded check
(``tools/grading/part1.py`` ... ``bonus.py``: ``CHECKS``) runs in a process of its own:

- The child process sees a fresh temporary folder holding a *copy* of the submission's
  ``hw_utils`` (snapshotted once per submission; caches and symlinks left out) and a copy of the
  grader's trusted ``tools/`` and ``tests/task_tests/`` (snapshotted once per run; never the
  submission's ``tests/``). Its ``sys.path`` is that folder plus site-packages (this repository's
  root removed), its working folder an empty temporary one, its environment built from scratch
  (``HW_DATASET``, ``TQDM_DISABLE=1``, ``PYTHONHASHSEED=0``, no GPU, BLAS threads = cores / jobs),
  and the data set's files are private copies (links for the large real data). It runs
  ``check.observe(dataset)`` and sends the returned dict back through a pipe of its own (not
  stdout, so printing cannot forge a result).
- Limits: wall-clock ``timeout_s`` (then the whole process group is killed), ``RLIMIT_AS`` memory
  (4 GB by default; a 10 GB allocation fails with ``MemoryError``), no core files, output kept to
  its last 32 KB, the result to 32 MB. A crash, a hang, ``sys.exit``/``os._exit``, a print flood
  or a huge allocation fails that check and nothing else.
- The ground truth never enters the child: this process reads ``test_gt.json`` into memory before
  any child starts and calls ``TaskTests.check_<stage>(observed)`` itself. Nothing tells the child
  where the file is (not its folder, not its ``tests`` copy, not ``HW_DATA_DIR``). A child that
  finds and rewrites it anyway changes nothing: the grade uses the copy in memory, and the files
  grading depends on (``test_gt.json``, the trusted snapshot, the data copies) are fingerprinted
  around each check; a change voids that check and the original bytes are written back. In a
  batch, a change is first blamed on every check running at the time and each of those runs
  again alone, so only the guilty one is voided. Limit: a same-user process that deliberately
  reads a guessed absolute path (e.g. next to ``sys.prefix`` when the venv lives in the repo) can
  read the file; for exams where that matters run the grader as another user or in a container,
  or grade on data whose ground truth students do not have (the real data, another stand-in seed).
- Before grading, the ground truth's recorded data hashes (``made_on``) are compared with the
  data set's files; a mismatch is reported ("run `make gt`") instead of a wall of wrong answers.

Points come from ``tools/grading/points.py``. Output: a table on the terminal and
``dist/grading/<name>/report.json`` + ``report.md`` (for the student); ``--batch DIR`` grades every
sub-folder or zip of ``DIR`` in parallel (``--jobs``, all cores by default) and writes one CSV;
one submission runs its checks in parallel the same way.
"""
import argparse
import contextlib
import csv
import dataclasses
import datetime
import hashlib
import importlib
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import weakref
import zipfile
from collections import deque
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

REPO_ROOT = Path(__file__).resolve().parents[1]
DEFAULT_REGISTRY = ("tools.grading.part1", "tools.grading.part2", "tools.grading.part3",
                    "tools.grading.bonus")
# The grader's own code the child imports (copied, so the child cannot edit the originals).
TRUSTED_CODE = ("tools", "sodata", "tests/__init__.py", "tests/task_tests")
DATASET_PATH_FIELDS = ("root", "train", "validation", "test", "vectors")
MAX_ZIP_BYTES = 512 * 2**20
MAX_COPIED_FILE_BYTES = 64 * 2**20

# Runs first in the child (trusted): limits, sys.path, then the check's observe.
BOOTSTRAP = r'''
import json, os, resource, sys
spec = json.load(open(sys.argv[1], encoding="utf-8"))
if spec["memory_bytes"]:
    resource.setrlimit(resource.RLIMIT_AS, (spec["memory_bytes"], spec["memory_bytes"]))
resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
resource.setrlimit(resource.RLIMIT_FSIZE, (spec["file_bytes"], spec["file_bytes"]))
drop = {os.path.realpath(p) for p in spec["drop_paths"]}
sys.path[:] = [spec["site"]] + [p for p in sys.path if p and os.path.realpath(p) not in drop]
channel = os.fdopen(spec["result_fd"], "w", encoding="utf-8")
os.remove(sys.argv[1])
import traceback

def describe(error):
    try:
        return str(error)[:4000]
    except BaseException:
        return "<unprintable>"

try:
    import importlib
    from pathlib import Path
    module = importlib.import_module(spec["module"])
    check = next(c for c in module.CHECKS if c.name == spec["check"])
    from sodata import Dataset
    fields = {k: (Path(v) if k in spec["path_fields"] else v) for k, v in spec["dataset"].items()}
    observed = check.observe(Dataset(**fields))
    try:
        payload = json.dumps({"ok": True, "observed": observed})
    except (TypeError, ValueError) as error:
        payload = json.dumps({"ok": False, "error_type": "ResultError", "message":
                              f"observe returned a value that is not JSON-serialisable: "
                              f"{describe(error)}", "traceback": ""})
except SystemExit as error:
    payload = json.dumps({"ok": False, "error_type": "SystemExit",
                          "message": f"the code called sys.exit({error.code!r})",
                          "traceback": traceback.format_exc()[-6000:]})
except BaseException as error:
    payload = json.dumps({"ok": False, "error_type": type(error).__name__,
                          "message": describe(error), "traceback": traceback.format_exc()[-6000:]})
channel.write(payload)
channel.close()
sys.stdout.flush()
sys.stderr.flush()
os._exit(0)
'''


class SubmissionError(Exception):
    """The submission cannot be graded at all (no ``hw_utils`` package, a bad zip)."""


@dataclass
class GraderConfig:
    dataset: str = "tiny"
    gt_path: Path = REPO_ROOT / "test_gt.json"
    registry: tuple[str, ...] = DEFAULT_REGISTRY
    root: Path = REPO_ROOT  # where the trusted code is copied from
    trusted: tuple[str, ...] = TRUSTED_CODE
    memory_mb: int = 4096
    timeout_scale: float = 1.0
    output_cap_bytes: int = 32 * 1024
    result_cap_bytes: int = 32 * 2**20
    file_cap_bytes: int = 2 * 2**30
    out_dir: Path = REPO_ROOT / "dist" / "grading"
    jobs: int = 0  # submissions (batch) or checks (one submission) at once (0: all cores)
    threads: int = 0  # torch/BLAS threads per check (0: cores / jobs)
    # (gt content, dataset name) -> the object whose check_<stage>(observed) methods grade.
    checker_factory: Callable[[dict, str], Any] | None = None
    quiet: bool = False


@dataclass
class CheckResult:
    name: str
    part: str
    status: str  # "pass" | "fail" | "n/a"
    points: float
    max_points: float
    reason: str = ""
    error_type: str = ""  # the exception's class, "Timeout", "Crash", "Tampering", ...
    seconds: float = 0.0
    output_tail: str = ""
    output_bytes: int = 0
    traceback: str = ""


@dataclass
class Report:
    name: str
    submission: str
    dataset: str
    dataset_description: str
    results: list[CheckResult]
    notes: list[str] = field(default_factory=list)
    graded_at: str = ""
    seconds: float = 0.0

    def part_points(self) -> dict[str, tuple[float, float]]:
        from tools.grading.points import PART_POINTS

        totals = {}
        for part, cap in PART_POINTS.items():
            members = [r for r in self.results if r.part == part]
            earned = sum(r.points for r in members)
            available = sum(r.max_points for r in members)
            if part == "bonus":
                earned, available = min(earned, cap), cap
            else:
                available = cap
            totals[part] = (round(earned, 4), available)
        return totals

    def total(self) -> tuple[float, float]:
        from tools.grading.points import MAIN_PARTS

        parts = self.part_points()
        return (round(sum(parts[p][0] for p in MAIN_PARTS), 4),
                sum(parts[p][1] for p in MAIN_PARTS))

    @property
    def full_marks(self) -> bool:
        return all(r.status != "fail" for r in self.results) and bool(self.results)

    def to_json(self) -> dict:
        parts = self.part_points()
        total, available = self.total()
        return {
            "name": self.name, "submission": self.submission, "dataset": self.dataset,
            "dataset_description": self.dataset_description, "graded_at": self.graded_at,
            "seconds": round(self.seconds, 1),
            "points": {part: {"earned": e, "max": m} for part, (e, m) in parts.items()},
            "total": {"earned": total, "max": available, "bonus": parts["bonus"][0]},
            "checks": [dataclasses.asdict(result) for result in self.results],
            "notes": self.notes,
        }


# --------------------------------------------------------------------------- checks, data


def load_checks(registry: tuple[str, ...]) -> tuple[list[tuple[str, Any]], list[str]]:
    """(module, GradedCheck) for every registered check, and notes on modules that are missing."""
    checks, notes, seen = [], [], set()
    for module_name in registry:
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as error:
            if error.name != module_name:
                raise
            notes.append(f"no graded checks: {module_name} does not exist")
            continue
        for check in getattr(module, "CHECKS", []):
            if check.name in seen:
                raise ValueError(f"two graded checks are called {check.name!r}")
            seen.add(check.name)
            checks.append((module_name, check))
    return checks, notes


def default_checker(content: dict, dataset: str):
    from tests.task_tests import GroundTruth, TaskTests

    return TaskTests(GroundTruth(content, dataset, source="test_gt.json"))


def stale_ground_truth(content: dict, dataset, hash_limit: int = 256 * 2**20) -> list[str]:
    """Notes when the ground truth was made on other files than the data set being graded (the
    sha256 each section records under ``made_on``; files over ``hash_limit`` are not hashed)."""
    recorded = content.get("datasets", {}).get(dataset.name, {}).get("made_on", {}).get("files", {})
    stale = []
    for name, digest in sorted(recorded.items()):
        path = dataset.root / name
        if path.is_file() and path.stat().st_size <= hash_limit:
            if hashlib.sha256(path.read_bytes()).hexdigest() != digest:
                stale.append(name)
    if not stale:
        return []
    return [f"the ground truth for '{dataset.name}' was made on other data files than these "
            f"({', '.join(stale)} differ): data-dependent checks will fail; run `make gt`"]


def resolve_dataset(name: str):
    """The data set (generated by the reference's stand-in generator if it is not on disk)."""
    from sodata import get_dataset

    return get_dataset(name)


# ---------------------------------------------------------------------- submissions, copies


def _ignore(directory: str, names: list[str]) -> list[str]:
    """What is not copied from a submission: caches, symlinks (they could point at the ground
    truth), files over 64 MB."""
    return [name for name in names if name in ("__pycache__", ".ipynb_checkpoints")
            or name.endswith((".pyc", ".pyo")) or os.path.islink(os.path.join(directory, name))
            or (os.path.isfile(os.path.join(directory, name))
                and os.path.getsize(os.path.join(directory, name)) > MAX_COPIED_FILE_BYTES)]


def extract_zip(path: Path, into: Path) -> Path:
    """Unpack a submission zip safely (no absolute or ``..`` paths, size capped)."""
    try:
        with zipfile.ZipFile(path) as archive:
            members = archive.infolist()
            if sum(member.file_size for member in members) > MAX_ZIP_BYTES:
                raise SubmissionError(f"{path.name}: unpacks to more than {MAX_ZIP_BYTES >> 20} MB")
            for member in members:
                target = (into / member.filename).resolve()
                if into.resolve() not in target.parents and target != into.resolve():
                    raise SubmissionError(f"{path.name}: unsafe path {member.filename!r}")
            archive.extractall(into)
    except zipfile.BadZipFile as error:
        raise SubmissionError(f"{path.name}: not a zip file ({error})") from None
    return into


def find_package(path: Path) -> Path:
    """The ``hw_utils`` package inside a submission folder (itself, a child, or one level down)."""
    if (path / "__init__.py").is_file() and path.name == "hw_utils":
        return path
    candidates = [path / "hw_utils"] + sorted(path.glob("*/hw_utils"))
    for candidate in candidates:
        if (candidate / "__init__.py").is_file():
            return candidate
    raise SubmissionError(f"no hw_utils package (hw_utils/__init__.py) in {path}")


def _copy_trusted(root: Path, trusted: tuple[str, ...], site: Path) -> None:
    for relative in trusted:
        source = root / relative
        target = site / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        if source.is_dir():
            shutil.copytree(source, target, ignore=_ignore, dirs_exist_ok=True)
        elif source.is_file():
            shutil.copy2(source, target)
    for package in {Path(relative).parts[0] for relative in trusted if len(Path(relative).parts) > 1}:
        (site / package / "__init__.py").touch(exist_ok=True)


class Guard:
    """Fingerprints of the files grading depends on; puts changed ones back.

    ``saved``: files kept in memory and written back byte for byte (``test_gt.json``);
    ``copies``: private copy -> original, copied again when changed (the data set's files);
    ``watched``: files that can only be reported (the trusted code, linked data).
    """

    def __init__(self, saved: list[Path], copies: dict[Path, Path], watched: list[Path]):
        self.saved = {path: path.read_bytes() for path in saved if path.is_file()}
        self.copies = dict(copies)
        self.paths = sorted(set(self.saved) | set(self.copies) | {p for p in watched
                                                                 if p.is_file()})
        self.before = {path: self._stamp(path) for path in self.paths}
        self.lock = threading.Lock()

    @staticmethod
    def _stamp(path: Path):
        try:
            stat = path.lstat()
        except FileNotFoundError:
            return None
        return stat.st_size, stat.st_mtime_ns, stat.st_mode

    def changes(self) -> list[str]:
        """Files changed since the last call (restored where possible), as readable notes."""
        notes = []
        with self.lock:
            for path in self.paths:
                if self._stamp(path) == self.before[path]:
                    continue
                if path in self.saved:
                    path.unlink(missing_ok=True)
                    path.write_bytes(self.saved[path])
                    os.chmod(path, self.before[path][2] & 0o7777)
                    notes.append(f"{path.name} (restored)")
                elif path in self.copies:
                    path.unlink(missing_ok=True)
                    shutil.copy2(self.copies[path], path)
                    notes.append(f"data file {path.name} (restored)")
                else:
                    notes.append(f"{path} (not restored: check it)")
                self.before[path] = self._stamp(path)
        return notes


def private_data(dataset, into: Path, copy_limit: int = 512 * 2**20):
    """The data set with its files in ``into/<root name>``: copies when small, else hard links
    (symlinks across file systems). The child sees only these paths, and a copy it damages is
    copied again. Returns (dataset, {copy: original})."""
    root = into / dataset.root.name
    root.mkdir(parents=True)
    files = [p for p in dataset.root.iterdir() if p.is_file()] if dataset.root.is_dir() else []
    paths = [getattr(dataset, name) for name in DATASET_PATH_FIELDS[1:]]
    files += [p for p in paths if p.is_file() and p.parent != dataset.root]
    copy = sum(p.stat().st_size for p in files) <= copy_limit
    copies, moved = {}, {}
    for source in files:
        target = root / source.name
        if copy:
            shutil.copy2(source, target)
            copies[target] = source
        else:
            try:
                os.link(source, target)
            except OSError:
                target.symlink_to(source.resolve())
        moved[source] = target
    fields = {name: moved.get(getattr(dataset, name), root / getattr(dataset, name).name)
              for name in DATASET_PATH_FIELDS[1:]}
    return dataclasses.replace(dataset, root=root, **fields), copies


class SharedExclusive:
    """Many checks at once (shared), or one alone (exclusive); ``lock`` guards the bookkeeping."""

    def __init__(self):
        self.lock = threading.RLock()
        self._changed = threading.Condition(threading.Lock())
        self._active = 0
        self._exclusive = False

    @contextlib.contextmanager
    def shared(self):
        with self._changed:
            self._changed.wait_for(lambda: not self._exclusive)
            self._active += 1
        try:
            yield
        finally:
            with self._changed:
                self._active -= 1
                self._changed.notify_all()

    @contextlib.contextmanager
    def exclusive(self):
        with self._changed:
            self._changed.wait_for(lambda: not self._exclusive and self._active == 0)
            self._exclusive = True
        try:
            yield
        finally:
            with self._changed:
                self._exclusive = False
                self._changed.notify_all()


# ------------------------------------------------------------------------------ one check


@dataclass
class Outcome:
    payload: dict | None
    returncode: int | None
    timed_out: bool
    seconds: float
    output_tail: str
    output_bytes: int
    result_error: str = ""


def _drain(stream, keep: int, sink: dict) -> None:
    """Read ``stream`` to its end, keeping only the last ``keep`` bytes."""
    tail: deque[bytes] = deque()
    kept = total = 0
    while True:
        chunk = stream.read1(65536) if hasattr(stream, "read1") else stream.read(65536)
        if not chunk:
            break
        total += len(chunk)
        tail.append(chunk)
        kept += len(chunk)
        while kept - len(tail[0]) >= keep:
            kept -= len(tail.popleft())
    sink["tail"] = b"".join(tail)[-keep:]
    sink["total"] = total


def _read_result(fd: int, cap: int, sink: dict) -> None:
    chunks, size = [], 0
    with os.fdopen(fd, "rb") as stream:
        while chunk := stream.read(65536):
            size += len(chunk)
            if size <= cap:
                chunks.append(chunk)
    sink["data"] = b"".join(chunks)
    sink["too_big"] = size > cap


def run_observe(module: str, check, package: Path, trusted: Path, dataset, config: GraderConfig,
                data_root: Path, threads: int) -> Outcome:
    """Run ``check.observe(dataset)`` on ``package`` (a submission's hw_utils) in a sandbox whose
    other code is a copy of ``trusted``."""
    work = Path(tempfile.mkdtemp(prefix="grade-"))
    try:
        site, home = work / "site", work / "home"
        shutil.copytree(trusted, site)
        shutil.copytree(package, site / "hw_utils", ignore=_ignore, symlinks=False)
        home.mkdir()
        (work / "tmp").mkdir()
        read_fd, write_fd = os.pipe()
        spec = {
            "module": module, "check": check.name, "site": str(site),
            "dataset": {f.name: (str(getattr(dataset, f.name)) if f.name in DATASET_PATH_FIELDS
                                 else getattr(dataset, f.name))
                        for f in dataclasses.fields(dataset)},
            "path_fields": DATASET_PATH_FIELDS,
            "memory_bytes": config.memory_mb * 2**20, "file_bytes": config.file_cap_bytes,
            "result_fd": write_fd,
            "drop_paths": [str(config.root), str(REPO_ROOT), str(package.parent)],
        }
        spec_path = work / "spec.json"
        spec_path.write_text(json.dumps(spec), encoding="utf-8")
        env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(home),
            "TMPDIR": str(work / "tmp"), "LANG": "C.UTF-8", "LC_ALL": "C.UTF-8",
            "PYTHONHASHSEED": "0", "PYTHONDONTWRITEBYTECODE": "1", "PYTHONUNBUFFERED": "1",
            "TQDM_DISABLE": "1", "MPLBACKEND": "Agg", "CUDA_VISIBLE_DEVICES": "",
            "HW_DATASET": dataset.name, "HW_DATA_DIR": str(data_root),
            **{name: str(threads) for name in ("OMP_NUM_THREADS", "MKL_NUM_THREADS",
                                                "OPENBLAS_NUM_THREADS")},
        }
        started = time.perf_counter()
        try:
            process = subprocess.Popen(
                [sys.executable, "-s", "-P", "-c", BOOTSTRAP, str(spec_path)], cwd=home, env=env,
                stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                pass_fds=(write_fd,), start_new_session=True)
        except BaseException:
            os.close(read_fd)
            raise
        finally:
            os.close(write_fd)
        output: dict = {}
        result: dict = {}
        readers = [threading.Thread(target=_drain, args=(process.stdout, config.output_cap_bytes,
                                                         output), daemon=True),
                   threading.Thread(target=_read_result, args=(read_fd, config.result_cap_bytes,
                                                               result), daemon=True)]
        for reader in readers:
            reader.start()
        timeout = check.timeout_s * config.timeout_scale
        timed_out = False
        try:
            process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            timed_out = True
        finally:
            try:  # the whole group: also whatever the submission started
                os.killpg(process.pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
            process.wait()
        seconds = time.perf_counter() - started
        for reader in readers:
            reader.join(timeout=5)
        payload, problem = None, ""
        if result.get("too_big"):
            problem = f"the result is larger than {config.result_cap_bytes >> 20} MB"
        elif result.get("data"):
            try:
                payload = json.loads(result["data"].decode("utf-8"))
                if not isinstance(payload, dict) or "ok" not in payload:
                    payload, problem = None, "the result could not be read"
            except (UnicodeDecodeError, json.JSONDecodeError):
                problem = "the result could not be read (garbled)"
        return Outcome(payload, process.returncode, timed_out, seconds,
                       output.get("tail", b"").decode("utf-8", "replace"),
                       output.get("total", 0), problem)
    finally:
        shutil.rmtree(work, ignore_errors=True)


def _one_line(text: str, limit: int = 160) -> str:
    line = " ".join(str(text).split())
    return line if len(line) <= limit else line[:limit - 1] + "…"


def judge(check, outcome: Outcome, checker, dataset_name: str, config: GraderConfig
          ) -> tuple[str, str, str]:
    """(status, error type, reason) of one check from the child's outcome, judged here."""
    from tools.grading.points import observed_hits, quality_bar

    timeout = check.timeout_s * config.timeout_scale
    if outcome.timed_out:
        return "fail", "Timeout", f"time limit of {timeout:g} s exceeded (an endless loop, or too slow)"
    payload = outcome.payload
    if payload is None:
        code = outcome.returncode
        if outcome.result_error:
            return "fail", "ResultError", outcome.result_error
        if code is not None and code < 0:
            name = signal.Signals(-code).name if -code in signal.Signals._value2member_map_ else code
            hint = f" (memory limit {config.memory_mb} MB?)" if name in ("SIGKILL", "SIGSEGV",
                                                                          "SIGABRT") else ""
            return "fail", "Crash", f"the process was killed by {name}{hint}"
        return "fail", "Exit", (f"the process exited with status {code} before returning a result "
                                f"(os._exit or exit in the code?)")
    if not payload["ok"]:
        kind, message = payload.get("error_type", "Error"), payload.get("message", "")
        if kind == "MemoryError":
            message = f"{message or 'out of memory'} (memory limit {config.memory_mb} MB)"
        if kind == "SystemExit":
            return "fail", kind, message
        return "fail", kind, _one_line(f"{kind}: {message}" if message else kind)
    observed = payload.get("observed")
    if not isinstance(observed, dict):
        return "fail", "ResultError", f"observe returned {type(observed).__name__}, not a dict"
    try:
        if check.check.startswith("quality:"):
            bar = quality_bar(dataset_name, check.check.split(":", 1)[1])
            if bar is None:
                return "n/a", "", f"no quality bar on data set '{dataset_name}' (stand-in)"
            hits = observed_hits(observed)
            if hits < bar:
                raise AssertionError(f"Hits@500 {hits:.4f} is below the bar {bar}")
            return "pass", "", f"Hits@500 {hits:.4f} >= {bar}"
        method = getattr(checker, check.check, None)
        if method is None:
            return "fail", "GraderError", f"the grader has no {check.check} (a grader problem)"
        method(observed)
    except AssertionError as error:
        return "fail", "AssertionError", _one_line(f"wrong: {error}")
    except Exception as error:  # the submission returned something the check cannot read
        return "fail", type(error).__name__, _one_line(
            f"result not as expected ({type(error).__name__}: {error})")
    return "pass", "", ""


# ------------------------------------------------------------------------------- grading


class Grader:
    """Grades submissions against one data set; ground truth and checks loaded once."""

    def __init__(self, config: GraderConfig, dataset=None):
        from tools.grading.points import allocate, quality_bar

        self.config = config
        self.checks, self.notes = load_checks(config.registry)
        original = dataset if dataset is not None else resolve_dataset(config.dataset)
        self.private = Path(tempfile.mkdtemp(prefix="grading-data-"))
        self._cleanup = weakref.finalize(self, shutil.rmtree, self.private, True)
        self.dataset, copies = private_data(original, self.private)
        self.description = original.describe()
        self.data_root = self.private
        gt_path = Path(config.gt_path)
        if not gt_path.is_file():
            raise SubmissionError(f"ground truth {gt_path} not found: run `make gt`")
        content = json.loads(gt_path.read_text(encoding="utf-8"))  # read once, kept in memory
        self.notes += stale_ground_truth(content, original)
        factory = config.checker_factory or default_checker
        self.checker = factory(content, self.dataset.name)
        self.not_applicable = {
            check.name for _, check in self.checks if check.check.startswith("quality:")
            and quality_bar(self.dataset.name, check.check.split(":", 1)[1]) is None}
        self.max_points = allocate([(check.name, check.part, check.name not in self.not_applicable)
                                    for _, check in self.checks])
        # The trusted code as it is now: every check gets a copy of this snapshot, so neither an
        # edit in the repository during a batch nor a child writing here changes later checks.
        self.trusted = self.private / "trusted"
        _copy_trusted(config.root, config.trusted, self.trusted)
        snapshot = [path for path in self.trusted.rglob("*") if path.is_file()]
        self.guard = Guard([gt_path, *snapshot], copies, list(self.dataset.root.iterdir()))
        self.schedule = SharedExclusive()
        self.running: set = set()
        self.suspects: set = set()

    def close(self) -> None:
        """Remove the private copy of the data."""
        self._cleanup()

    def _run(self, module: str, check, package: Path, threads: int) -> tuple[Outcome, list[str]]:
        """Run one check; (outcome, changed grading files it is to blame for).

        Checks of a batch run side by side, so a change to a grading file is first blamed on
        every check running at the time; each of those runs once more alone, and the one that
        changes the files again is the one to blame.
        """
        token = object()
        with self.schedule.shared():
            with self.schedule.lock:
                self.running.add(token)
            try:
                outcome = run_observe(module, check, package, self.trusted, self.dataset, self.config,
                                      self.data_root, threads)
            finally:
                with self.schedule.lock:
                    changed = self.guard.changes()
                    if changed:
                        self.suspects |= self.running
                    self.running.discard(token)
                    suspect = token in self.suspects
                    self.suspects.discard(token)
                    alone = not self.running and (changed or not suspect)
        if not suspect:
            return outcome, []
        if alone:
            return outcome, changed
        with self.schedule.exclusive():
            outcome = run_observe(module, check, package, self.trusted, self.dataset, self.config,
                                  self.data_root, threads)
            return outcome, self.guard.changes()

    def grade(self, submission: Path | None, name: str | None = None, threads: int = 0,
              parallel: int = 1) -> Report:
        """Grade ``submission`` (folder, hw_utils folder or zip; ``None``: the reference).

        ``parallel`` checks run at once, each with ``threads`` torch/BLAS threads.
        """
        started = time.perf_counter()
        submission = Path(submission) if submission is not None else self.config.root
        name = name or ("reference" if submission.resolve() == self.config.root.resolve()
                        else submission.stem)
        threads = threads or max(1, (os.cpu_count() or 1) // parallel)
        with tempfile.TemporaryDirectory(prefix="submission-") as unpacked:
            folder = (extract_zip(submission, Path(unpacked)) if submission.suffix == ".zip"
                      else submission)
            package = Path(unpacked) / "snapshot" / "hw_utils"  # one state for every check
            shutil.copytree(find_package(folder), package, ignore=_ignore, symlinks=False)

            def one(entry) -> CheckResult:
                module, check = entry
                if check.name in self.not_applicable:  # not run: it could not count
                    return CheckResult(name=check.name, part=check.part, status="n/a", points=0.0,
                                       max_points=0.0, reason=f"no quality bar on data set "
                                       f"'{self.dataset.name}' (stand-in): not graded")
                if not self.config.quiet:
                    print(f"  [{name}] {check.name} ...", file=sys.stderr, flush=True)
                return self._grade_check(module, check, package, threads)

            with ThreadPoolExecutor(max_workers=max(1, parallel)) as pool:
                results = list(pool.map(one, self.checks))
        return Report(name=name, submission=str(submission), dataset=self.dataset.name,
                      dataset_description=self.description, results=results,
                      notes=list(self.notes), seconds=time.perf_counter() - started,
                      graded_at=datetime.datetime.now().isoformat(timespec="seconds"))

    def _grade_check(self, module: str, check, package: Path, threads: int) -> CheckResult:
        outcome, tampered = self._run(module, check, package, threads)
        status, error_type, reason = judge(check, outcome, self.checker, self.dataset.name,
                                           self.config)
        if tampered:
            status, error_type = "fail", "Tampering"
            reason = "voided: the code modified grading files: " + ", ".join(tampered)
        max_points = self.max_points[check.name]
        if outcome.output_bytes > self.config.output_cap_bytes:
            reason = (reason + "; " if reason else "") + (
                f"printed {outcome.output_bytes:,} bytes (last "
                f"{self.config.output_cap_bytes >> 10} KB kept)")
        return CheckResult(
            name=check.name, part=check.part, status=status,
            points=max_points if status == "pass" else 0.0, max_points=max_points,
            reason=reason, error_type=error_type, seconds=round(outcome.seconds, 2),
            output_tail=outcome.output_tail, output_bytes=outcome.output_bytes,
            traceback=(outcome.payload or {}).get("traceback", ""))


def grade(submission: Path | None, config: GraderConfig, name: str | None = None,
          dataset=None) -> Report:
    """Grade one submission and write its reports (``config.out_dir/<name>/``)."""
    grader = Grader(config, dataset)
    try:
        report = grader.grade(submission, name, parallel=config.jobs or os.cpu_count() or 1)
    finally:
        grader.close()
    write_reports(report, config.out_dir / report.name)
    return report


def grade_batch(folder: Path, config: GraderConfig, dataset=None) -> list[Report | tuple[str, str]]:
    """Grade every sub-folder and zip of ``folder`` in parallel; write ``scores.csv``.

    A submission that cannot be graded at all appears as (name, reason) and scores 0.
    """
    grader = Grader(config, dataset)
    submissions = sorted(p for p in folder.iterdir()
                         if not p.name.startswith((".", "_")) and (p.is_dir() or p.suffix == ".zip"))
    cores = os.cpu_count() or 1
    jobs = config.jobs or cores
    threads = config.threads or max(1, cores // jobs)

    def one(path: Path):
        try:
            report = grader.grade(path, path.stem, threads=threads)
            write_reports(report, config.out_dir / report.name)
            return report
        except Exception as error:  # a bad submission never stops the batch
            return path.stem, f"{type(error).__name__}: {error}"

    try:
        with ThreadPoolExecutor(max_workers=jobs) as pool:
            outcomes = list(pool.map(one, submissions))
    finally:
        grader.close()
    write_csv(outcomes, config.out_dir / "scores.csv")
    return outcomes


# -------------------------------------------------------------------------------- reports


def format_table(report: Report) -> str:
    from tools.grading.points import PART_TITLES

    rows = [("check", "part", "points", "result", "reason")]
    for r in report.results:
        rows.append((r.name, r.part, f"{_points(r.points)}/{_points(r.max_points)}",
                     {"pass": "PASS", "fail": "FAIL", "n/a": "n/a"}[r.status],
                     _one_line(r.reason, 90)))
    widths = [max(len(row[i]) for row in rows) for i in range(4)]
    lines = [f"Grading '{report.name}' on data set '{report.dataset}': "
             f"{report.dataset_description}", ""]
    for index, row in enumerate(rows):
        lines.append("  ".join(cell.ljust(widths[i]) for i, cell in enumerate(row[:4]))
                     + "  " + row[4])
        if index == 0:
            lines.append("  ".join("-" * w for w in widths) + "  " + "-" * 6)
    lines.append("")
    for part, (earned, available) in report.part_points().items():
        lines.append(f"{PART_TITLES[part]:<48} {earned:g} / {available:g}")
    total, available = report.total()
    bonus = report.part_points()["bonus"][0]
    lines.append(f"{'Total':<48} {total:g} / {available:g}  (+ bonus {bonus:g})")
    lines += [f"note: {note}" for note in report.notes]
    return "\n".join(lines)


def _points(value: float) -> str:
    return f"{value:.2f}".rstrip("0").rstrip(".")


def _md_cell(text: str) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def format_markdown(report: Report) -> str:
    from tools.grading.points import PART_TITLES

    total, available = report.total()
    parts = report.part_points()
    lines = [f"# Grading report: {report.name}", "",
             f"- Data: {report.dataset_description}",
             f"- Graded at {report.graded_at} in {report.seconds:.0f} s", "",
             f"**Total: {total:g} / {available:g}**, bonus {parts['bonus'][0]:g} / "
             f"{parts['bonus'][1]:g}", "", "| Part | Points |", "|---|---|"]
    lines += [f"| {PART_TITLES[p]} | {e:g} / {m:g} |" for p, (e, m) in parts.items()]
    lines += ["", "| Check | Points | Result | Reason |", "|---|---|---|---|"]
    lines += [f"| `{r.name}` | {_points(r.points)} / {_points(r.max_points)} | {r.status.upper()} | "
              f"{_md_cell(r.reason)} |" for r in report.results]
    failed = [r for r in report.results if r.status == "fail"]
    if failed:
        lines += ["", "## What went wrong", ""]
    for r in failed:
        lines += [f"### `{r.name}`", "", _md_cell(r.reason) or "failed", ""]
        if r.traceback:
            lines += ["Traceback (last lines):", "", "```",
                      *r.traceback.strip().splitlines()[-12:], "```", ""]
        if r.output_tail.strip():
            lines += ["Output (last lines):", "", "```",
                      *[line[:200] for line in r.output_tail.strip().splitlines()[-15:]],
                      "```", ""]
    if report.notes:
        lines += ["", "## Notes", ""] + [f"- {note}" for note in report.notes]
    return "\n".join(lines) + "\n"


def write_reports(report: Report, folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "report.json").write_text(json.dumps(report.to_json(), indent=1), encoding="utf-8")
    (folder / "report.md").write_text(format_markdown(report), encoding="utf-8")


def write_csv(outcomes: list, path: Path) -> None:
    from tools.grading.points import PART_POINTS

    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="", encoding="utf-8") as stream:
        writer = csv.writer(stream)
        writer.writerow(["submission", *PART_POINTS, "total", "max", "status", "failed_checks"])
        for outcome in outcomes:
            if isinstance(outcome, Report):
                parts = outcome.part_points()
                total, available = outcome.total()
                failed = [r.name for r in outcome.results if r.status == "fail"]
                writer.writerow([outcome.name, *(f"{parts[p][0]:g}" for p in PART_POINTS),
                                 f"{total:g}", f"{available:g}", "graded", " ".join(failed)])
            else:
                name, reason = outcome
                writer.writerow([name, *("0" for _ in PART_POINTS), "0", "",
                                 f"not graded: {reason}", ""])


# ----------------------------------------------------------------------------------- CLI


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.grader",
                                     description=__doc__.split("\n\n")[0])
    where = parser.add_mutually_exclusive_group()
    where.add_argument("--submission", type=Path, help="hw_utils/, a folder holding it, or a zip")
    where.add_argument("--batch", type=Path, help="a folder of submissions (sub-folders or zips)")
    parser.add_argument("--dataset", default="tiny", help="tiny|sample|full|real (default tiny)")
    parser.add_argument("--jobs", type=int, default=0,
                        help="submissions (batch) or checks (one submission) graded at once "
                             "(default: all cores)")
    parser.add_argument("--out", type=Path, default=REPO_ROOT / "dist" / "grading")
    parser.add_argument("--gt", type=Path, default=REPO_ROOT / "test_gt.json")
    parser.add_argument("--memory-mb", type=int, default=4096)
    parser.add_argument("--timeout-scale", type=float, default=1.0,
                        help="multiply every check's time limit (slow machines)")
    args = parser.parse_args(argv)
    config = GraderConfig(dataset=args.dataset, gt_path=args.gt, out_dir=args.out,
                          memory_mb=args.memory_mb, timeout_scale=args.timeout_scale,
                          jobs=args.jobs)
    try:
        if args.batch:
            outcomes = grade_batch(args.batch, config)
            for outcome in outcomes:
                if isinstance(outcome, Report):
                    total, available = outcome.total()
                    print(f"{outcome.name:<32} {total:g} / {available:g}  "
                          f"(+ bonus {outcome.part_points()['bonus'][0]:g})")
                else:
                    print(f"{outcome[0]:<32} not graded: {outcome[1]}")
            print(f"scores: {config.out_dir / 'scores.csv'}")
            return 0
        report = grade(args.submission, config)
    except SubmissionError as error:
        print(f"grader: {error}", file=sys.stderr)
        return 2
    except (OSError, RuntimeError, ValueError) as error:  # no data, a bad --dataset, ...
        print(f"grader: cannot grade: {type(error).__name__}: {error}", file=sys.stderr)
        return 2
    print(format_table(report))
    print(f"\nreports: {config.out_dir / report.name}/report.md and report.json")
    if args.submission is None and not report.full_marks:
        print("the reference does not get full marks", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
