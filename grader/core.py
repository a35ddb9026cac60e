"""Grading: hidden data, inputs, the reference's side, one sandbox per check and submission.

``Grader(config)`` prepares what every submission is graded against, once:

1. a seed (``config.seed``, else a random one; recorded in every report) and the stand-in
   generated with it into a folder only the grader can read (``sodata.standin.generate``);
2. each check's inputs: ``make_inputs(data, random.Random(f"{seed}:{check.name}"))``;
3. the reference's side, in one trusted process (``grader.reference``): expected values,
   the reference's time per check (the submission gets ``time_factor`` times as much), and the
   modules each check needs. A check the reference itself fails is void (worth nothing, noted).

``grade_many(submissions)`` copies every submission first, then runs each check of each
submission in a sandbox of its own (``grader.sandbox``: two runs, outputs sent back raw),
judges in this process (``grader.judging``) and writes a submission's reports only when
all its sandboxes are gone.
"""
from __future__ import annotations

import compileall
import dataclasses
import datetime
import hashlib
import importlib
import json
import os
import random
import secrets
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from grader import judging, sandbox
from grader.points import allocate
from grader.report import CheckResult, Report, one_line, write_csv, write_reports
from sodata.standin import SCALES
from grader.submissions import SubmissionError, list_batch, snapshot

REPO_ROOT = Path(__file__).resolve().parents[1]
# The grader's own code the sandbox needs (the entry point), from this repository.
GRADER_CODE = ("grader",)
# The data is mounted at its own path (inputs may name its files), read-only.
SANDBOX_TRUSTED, SANDBOX_SUBMISSION = "/grader/trusted", "/grader/submission"
SANDBOX_SPEC = "/grader/spec.json"
WALL_FACTOR = 3  # a check's wall-clock limit, in multiples of its CPU allowance per run
CHILD = ("import sys; sys.path.insert(0, sys.argv[1]); from grader.child import main; "
         "main(sys.argv[2:])")


class GraderError(RuntimeError):
    """The grader cannot grade at all (the reference's process failed, a bad registry)."""


@dataclass
class GraderConfig:
    # "auto": each check on its own scale (Check.scale: tiny for the stages, the calibrated
    # sample for the quality bars), generated with the seed; or one of tiny, sample, full, real.
    dataset: str = "auto"
    seed: int | None = None  # None: a random seed
    registry: str = "hw_checks.checks:CHECKS"  # module:attribute, a list of Check
    root: Path = REPO_ROOT  # holds the reference hw_utils and the trusted code below
    trusted: tuple[str, ...] = ("hw_checks", "sodata")
    out_dir: Path = REPO_ROOT / "dist" / "grading"
    runs: int = 2  # runs of each check, compared for reproducibility
    jobs: int = 0  # sandboxes at once (0: cores // runs + 1)
    unsafe: bool = False  # no sandbox (only where none can start; reports say so)
    quality: bool = False  # also the course's quality bars (Check.quality_bar): whole parts trained
    time_factor: float = 100.0  # x the reference's time
    min_seconds: float = 10.0  # the least CPU time a check's observe gets, per run
    max_seconds: float = 600.0  # the most (a bonus item's 100 x 60 s would be 100 minutes)
    import_seconds: float = 30.0  # interpreter start, imports (torch: ~2 s quiet) and hw_utils
    import_cpu_seconds: float = 15.0  # the CPU those may use
    limits: sandbox.Limits = field(default_factory=sandbox.Limits)
    reference_timeout: float = 900.0
    quiet: bool = False


@dataclass
class Plan:
    """What one check needs in a sandbox, the same for every submission."""

    check: Any
    inputs: Any
    expected: Any
    spec: Path
    limits: sandbox.Limits
    max_points: float
    void: str = ""  # why the check is void (the reference fails it)
    na: str = ""  # why the check does not apply to this data set
    expected_ready: bool = True  # False: computed when a submission's outputs want it
    data: Any = None  # the data set its inputs come from
    lock: threading.Lock = field(default_factory=threading.Lock)


def load_checks(registry: str) -> list:
    module_name, _, attribute = registry.partition(":")
    try:
        checks = list(getattr(importlib.import_module(module_name), attribute or "CHECKS"))
    except (ImportError, AttributeError) as error:
        raise GraderError(f"cannot load the checks {registry!r}: {error}") from None
    names = [check.name for check in checks]
    duplicates = sorted({name for name in names if names.count(name) > 1})
    if duplicates:
        raise GraderError(f"two checks share a name: {duplicates}")
    if not checks:
        raise GraderError(f"{registry!r} holds no checks")
    return checks


def hidden_dataset(scale: str, seed: int, into: Path, generate: bool = True):
    """The data set graded on: a stand-in of ``scale`` generated with ``seed`` under ``into``
    (``generate=False``: its paths only), or the real data, whose inputs are still sampled
    with the seed."""
    from sodata import Dataset, get_dataset
    from sodata.standin import VECTORS_FILE
    from sodata.standin import generate as generate_standin

    if scale == "real":
        return get_dataset("real")
    root = into / f"standin-{scale}"
    if generate:
        generate_standin(scale=scale, seed=seed, out=root)
    return Dataset(scale, root, root / "train.tsv", root / "validation.tsv", root / "test.tsv",
                   root / VECTORS_FILE, None, is_standin=True)


def fingerprint(folder: Path, hash_limit: int = 64 * 2**20) -> str:
    """sha256 over the relative paths, modes and contents of every file under ``folder`` (size
    and modification time only for files over ``hash_limit``: the real data)."""
    digest = hashlib.sha256()
    for path in sorted(folder.rglob("*")):
        if path.is_file() and not path.is_symlink():
            stat = path.stat()
            digest.update(f"{path.relative_to(folder)}\0{stat.st_mode:o}\0".encode())
            if stat.st_size > hash_limit:
                digest.update(f"{stat.st_size}\0{stat.st_mtime_ns}".encode())
                continue
            with path.open("rb") as stream:
                while chunk := stream.read(2**20):
                    digest.update(chunk)
    return digest.hexdigest()


def _copy_tree(sources: list[tuple[Path, str]], into: Path) -> None:
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc", ".ipynb_checkpoints")
    for source, relative in sources:
        target = into / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        if source.is_dir():
            shutil.copytree(source, target, ignore=ignore, dirs_exist_ok=True)
        elif source.is_file():
            shutil.copy2(source, target)
        else:
            raise GraderError(f"trusted code {source} not found")


class Grader:
    """Grades submissions against one hidden data set; see the module's docstring."""

    def __init__(self, config: GraderConfig, data=None):
        if config.dataset not in ("auto", "real", *SCALES):
            raise GraderError(f"unknown data set {config.dataset!r}: use auto, real or one of "
                              f"{', '.join(SCALES)}")
        if not config.unsafe:
            sandbox.probe()
        self.config = config
        self.seed = config.seed if config.seed is not None else secrets.randbelow(2**31)
        self.private = Path(tempfile.mkdtemp(prefix="grader-"))
        try:
            self._prepare(data)
        except BaseException:
            self.close()
            raise

    def close(self) -> None:
        shutil.rmtree(self.private, ignore_errors=True)

    def __enter__(self) -> Grader:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # -------------------------------------------------------------------------- preparing

    def _log(self, message: str) -> None:
        if not self.config.quiet:
            print(f"grader: {message}", file=sys.stderr, flush=True)

    def _prepare(self, data) -> None:
        config = self.config
        started = time.perf_counter()
        self.notes: list[str] = []
        self.trusted = self.private / "trusted"
        _copy_tree([(REPO_ROOT / p, p) for p in GRADER_CODE]
                   + [(config.root / p, p) for p in config.trusted], self.trusted)
        compileall.compile_dir(self.trusted, quiet=1, workers=1)
        sys.path.insert(0, str(config.root))  # the registry: the trusted copy is the sandbox's
        try:
            checks = load_checks(config.registry)
        finally:
            sys.path.remove(str(config.root))
        planned = {scale: data if data is not None else hidden_dataset(
            scale, self.seed, self.private / "data", generate=False)
            for scale in {self._scale(c) for c in checks}}
        data_of = {c.name: planned[self._scale(c)] for c in checks}
        applies = {c.name: (config.quality or not c.quality_bar) and _applies(c, data_of[c.name])
                   for c in checks}
        # Only the scales some applicable check needs are generated (``sample`` takes a minute).
        self.datasets = {scale: dataset if data is not None else hidden_dataset(
            scale, self.seed, self.private / "data") for scale, dataset in sorted(planned.items())
            if any(applies[c.name] and self._scale(c) == scale for c in checks)}
        self._log(f"data: {', '.join(self.datasets)} generated with seed {self.seed} "
                  f"({time.perf_counter() - started:.1f} s)")
        inputs = {c.name: c.make_inputs(data_of[c.name], random.Random(f"{self.seed}:{c.name}"))
                  if applies[c.name] else None for c in checks}
        reference = self._reference([{"check": c.name, "inputs": inputs[c.name],
                                      "mode": "prepare"} for c in checks if applies[c.name]])
        self._log(f"reference: {len(checks)} checks ({time.perf_counter() - started:.1f} s)")
        self.plans = self._plans(checks, inputs, reference, applies, data_of)
        self.shared = {path: fingerprint(path) for path in
                       {self.trusted, *(d.root for d in self.datasets.values())}}

    def _scale(self, check) -> str:
        """The data set a check is graded on: its own scale, unless one was chosen for all."""
        return getattr(check, "scale", "tiny") if self.config.dataset == "auto" \
            else self.config.dataset

    def _reference(self, items: list[dict]) -> dict:
        """Run the trusted reference process on ``items`` ({check, inputs, mode})."""
        job = Path(tempfile.mkstemp(prefix="reference-in-", dir=self.private)[1])
        out = job.with_name(job.name.replace("-in-", "-out-"))
        job.write_text(json.dumps({"registry": self.config.registry, "checks": items}),
                       encoding="utf-8")
        env = {**_child_env(self.config.dataset, str(self.private / "data")),
               "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
               "PYTHONPATH": os.pathsep.join([str(self.config.root), str(REPO_ROOT)])}
        try:
            done = subprocess.run([sys.executable, "-s", "-P", "-m", "grader.reference",
                                   str(job), str(out)], env=env, cwd=self.private,
                                  capture_output=True, text=True,
                                  timeout=self.config.reference_timeout)
        except subprocess.TimeoutExpired:
            raise GraderError(f"the reference's run took longer than "
                              f"{self.config.reference_timeout:g} s") from None
        if done.returncode != 0 or not out.is_file():
            raise GraderError(f"the reference's run failed:\n{done.stderr[-4000:]}")
        return json.loads(out.read_text(encoding="utf-8"))

    def _plans(self, checks: list, inputs: dict, reference: dict, applies: dict, data_of: dict
               ) -> dict[str, Plan]:
        config = self.config
        plans, void = {}, {}
        specs = self.private / "specs"
        specs.mkdir()
        for check in checks:
            ref = reference["checks"].get(check.name, {})
            if "error" in ref:
                void[check.name] = f"the reference fails it: {ref['error']}"
            elif "expected" in ref:  # the reference's own outputs must pass its judge
                try:
                    check.verdict(ref["outputs"], ref["expected"], inputs[check.name])
                except Exception as failure:
                    void[check.name] = f"the reference fails it: {one_line(str(failure), 300)}"
            if check.name in void:
                self.notes.append(f"{check.name} is void (worth nothing): {void[check.name]}; "
                                  f"a grader problem, tell the course's maintainers")
            preload = sorted(set(reference["base"]) | set(ref.get("needs", [])))
            seconds = ref.get("seconds", check.reference_seconds)
            if "expected" not in ref:  # the reference's observe is not the work a submission does
                seconds = max(seconds, check.reference_seconds)
            observe = min(config.max_seconds, max(config.min_seconds, config.time_factor * seconds))
            # CPU time is the limit (a loaded machine does not fail honest code); wall time, a
            # few times more, ends waits that use no CPU.
            limits = dataclasses.replace(
                config.limits, cpu_seconds=config.import_cpu_seconds + config.runs * observe,
                seconds=config.import_seconds + WALL_FACTOR * observe,
                first_frame_seconds=config.import_seconds)
            spec = specs / f"{check.name}.json"
            spec.write_text(json.dumps({
                "check": check.name, "registry": config.registry, "inputs": inputs[check.name],
                "preload": preload, "modules": ref.get("modules", ["hw_utils"]),
                "limits": {"address_space_bytes": limits.address_space_bytes,
                           "file_bytes": limits.file_bytes, "processes": limits.processes},
            }), encoding="utf-8")
            plans[check.name] = Plan(check, inputs[check.name], ref.get("expected"), spec, limits,
                                     0.0, void.get(check.name, ""),
                                     "" if applies[check.name] else
                                     "a quality bar: graded with --quality (make check QUALITY=1)"
                                     if check.quality_bar and not config.quality else
                                     f"does not apply to the '{data_of[check.name].name}' data set",
                                     expected_ready="expected" in ref, data=data_of[check.name])
        points = allocate((c.name, c.part, c.weight, c.name not in void and applies[c.name])
                          for c in checks)
        for name, plan in plans.items():
            plan.max_points = points[name]
        return plans

    # ---------------------------------------------------------------------------- grading

    def _expected(self, plan: Plan, outputs) -> Any:
        """The reference's side for ``plan``; computed on first need when it was deferred."""
        if plan.expected_ready:
            return plan.expected
        try:
            wanted = bool(plan.check.wants_expected(outputs))
        except Exception:  # untrusted outputs of a shape it cannot read: the judge says why
            wanted = False
        if not wanted:
            return None
        with plan.lock:
            if not plan.expected_ready:
                self._log(f"reference: computing the expected side of {plan.check.name}")
                result = self._reference([{"check": plan.check.name, "inputs": plan.inputs,
                                           "mode": "expect"}])["checks"][plan.check.name]
                if "error" in result:
                    raise GraderError(f"the reference's side of {plan.check.name} failed: "
                                      f"{result['error']}\n{result.get('traceback', '')}")
                plan.expected, plan.expected_ready = result["expected"], True
        return plan.expected

    @staticmethod
    def _data_paths(data) -> list[Path]:
        """A data set's folder and its files outside it (the real vectors), at their paths."""
        files = [data.train, data.validation, data.test, data.vectors]
        return [data.root] + [f for f in files if f.exists() and data.root not in f.parents]

    def _sandbox(self, plan: Plan, package: Path) -> sandbox.Outcome:
        if self.config.unsafe:
            layout = sandbox.Layout(mounts=(), env=_child_env(plan.data.name,
                                                              str(plan.data.root.parent)),
                                    workdir=str(package.parent / "tmp"))
            (package.parent / "tmp").mkdir(exist_ok=True)
            command = [sys.executable, "-s", "-P", "-c", CHILD, str(self.trusted), str(plan.spec),
                       str(package)]
        else:
            layout = sandbox.Layout(mounts=((self.trusted, SANDBOX_TRUSTED),
                                            (package, SANDBOX_SUBMISSION),
                                            *((path, str(path))
                                              for path in self._data_paths(plan.data)),
                                            (plan.spec, SANDBOX_SPEC)),
                                    env={**_child_env(plan.data.name,
                                                      str(plan.data.root.parent)),
                                         "HW_SANDBOX": self.private.name})
            command = [sys.executable, "-s", "-P", "-c", CHILD, SANDBOX_TRUSTED, SANDBOX_SPEC,
                       SANDBOX_SUBMISSION]
        return sandbox.run(command, layout, plan.limits, self.config.runs,
                           unsafe=self.config.unsafe)

    def _grade_check(self, plan: Plan, package: Path, skip: dict) -> CheckResult:
        check = plan.check
        base = dict(name=check.name, part=check.part, max_points=plan.max_points,
                    limit_seconds=round(plan.limits.seconds, 1),
                    cpu_limit_seconds=round(plan.limits.cpu_seconds or 0, 1))
        if plan.na:
            return CheckResult(status="n/a", points=0.0, reason=plan.na, **base)
        if plan.void:
            return CheckResult(status="void", points=0.0, reason=plan.void,
                               error_type="GraderError", **base)
        if skip.get("import"):
            return CheckResult(status="fail", points=0.0, error_type="ImportTimeout",
                               reason=f"not run: {skip['import']}", **base)
        outcome = self._sandbox(plan, package)
        if not outcome.started:
            raise GraderError(f"the sandbox did not start: {outcome.output_tail[-2000:]}")
        runs = [judging.judge_run(check, frames, outcome, lambda out: self._expected(plan, out),
                                  plan.inputs, plan.limits, self.config.import_seconds)
                for frames in outcome.frames]
        passed, kind, reason, trace, agree = judging.combine(runs)
        if all(run.error_type == "ImportTimeout" for run in runs):
            skip["import"] = f"importing hw_utils took longer than " \
                             f"{self.config.import_seconds:g} s in {check.name}"
        if outcome.output_bytes > plan.limits.output_tail_bytes:
            reason = (reason + "; " if reason else "") + (
                f"printed {outcome.output_bytes:,} bytes (the last "
                f"{plan.limits.output_tail_bytes >> 10} KB kept)")
        return CheckResult(status="pass" if passed else "fail",
                           points=plan.max_points if passed else 0.0, reason=reason,
                           error_type=kind, seconds=round(outcome.seconds, 2),
                           cpu_seconds=round(outcome.cpu_seconds, 2), runs_agree=agree,
                           output_tail=outcome.output_tail, output_bytes=outcome.output_bytes,
                           traceback=trace, **base)

    def grade_many(self, submissions: list[tuple[str, Path]], write: bool = True
                   ) -> list[Report | tuple[str, str]]:
        """Grade ``(name, path)`` submissions; (name, reason) for one that cannot be graded.
        Every submission is copied before any code runs."""
        names = [name for name, _ in submissions]
        if len(set(names)) != len(names):
            raise SubmissionError(f"two submissions share a name: {sorted(names)}")
        copies = Path(tempfile.mkdtemp(prefix="submissions-", dir=self.private))
        try:
            return self._grade_copies(submissions, copies, write)
        finally:
            shutil.rmtree(copies, ignore_errors=True)

    def _grade_copies(self, submissions: list[tuple[str, Path]], copies: Path, write: bool
                      ) -> list[Report | tuple[str, str]]:
        packages: dict[str, Path | str] = {}
        for index, (name, path) in enumerate(submissions):
            try:
                packages[name] = snapshot(Path(path), copies / str(index))
            except (SubmissionError, OSError) as error:
                packages[name] = f"{type(error).__name__}: {error}"
        graded = [(name, path) for name, path in submissions if isinstance(packages[name], Path)]
        prints = {name: fingerprint(packages[name]) for name, _ in graded}
        results: dict[str, dict[str, CheckResult]] = {name: {} for name, _ in graded}
        skips: dict[str, dict] = {name: {} for name, _ in graded}
        started: dict[str, float] = {}  # when a submission's first check began
        reports: dict[str, Report] = {}
        lock = threading.Lock()

        def one(task: tuple[str, Plan]) -> None:
            name, plan = task
            with lock:
                started.setdefault(name, time.perf_counter())
            result = self._grade_check(plan, packages[name], skips[name])
            self._log(f"[{name}] {plan.check.name}: {result.status} ({result.seconds:.1f} s)")
            with lock:
                results[name][plan.check.name] = result
                if len(results[name]) < len(self.plans):
                    return
            self._check_shared()
            report = self._report(name, dict(graded)[name], results[name],
                                  time.perf_counter() - started[name],
                                  fingerprint(packages[name]) != prints[name])
            if write:  # every sandbox of this submission is gone: run() returns after that
                write_reports(report, self.config.out_dir / name)
            reports[name] = report

        tasks = [(name, plan) for name, _ in graded for plan in self.plans.values()]
        # One more sandbox than the cores' share: its start (imports) overlaps others' runs.
        jobs = self.config.jobs or (os.cpu_count() or 1) // self.config.runs + 1
        with ThreadPoolExecutor(max_workers=jobs) as pool:
            list(pool.map(one, tasks))
        return [reports[name] if isinstance(packages[name], Path) else (name, packages[name])
                for name, _ in submissions]

    def _check_shared(self) -> None:
        """Raise if the trusted code or the data changed: read-only mounts make that impossible,
        so it means the sandbox did not hold, and no grade is handed out after it."""
        changed = [str(path) for path, digest in self.shared.items() if fingerprint(path) != digest]
        if changed:
            raise GraderError(f"files every submission is graded with changed during grading "
                              f"({', '.join(changed)}): the sandbox did not hold; grading stops")

    def grade(self, submission: Path | None = None, name: str | None = None,
              write: bool = True) -> Report:
        """Grade one submission (a folder holding hw_utils/, hw_utils/ itself, or a zip;
        ``None``: the reference)."""
        path = Path(submission) if submission is not None else self.config.root
        name = name or ("reference" if submission is None else
                        (path.parent.name if path.name == "hw_utils" else path.stem))
        [outcome] = self.grade_many([(name, path)], write=write)
        if not isinstance(outcome, Report):
            raise SubmissionError(outcome[1])
        return outcome

    def _report(self, name: str, path: Path, results: dict[str, CheckResult],
                seconds: float, tampered: bool) -> Report:
        notes = list(self.notes)
        if tampered:  # its own read-only copy changed: no result of it can be trusted
            notes.insert(0, "Tampering: the submission's copy changed while it was graded; "
                            "every check fails")
            for result in results.values():
                if result.status in ("pass", "fail"):
                    result.status, result.points, result.error_type = "fail", 0.0, "Tampering"
        if self.config.unsafe:
            notes.insert(0, "graded WITHOUT a sandbox (--unsafe): the submission's code could "
                            "read and change the grader's files; do not trust this grade")
        nondeterministic = [r.name for r in results.values() if r.runs_agree is False]
        if nondeterministic:
            notes.append("outputs differed between the two runs of: "
                         + ", ".join(nondeterministic))
        return Report(name=name, submission=str(path), dataset="+".join(self.datasets),
                      seed=self.seed, results=[results[n] for n in self.plans],
                      sandboxed=not self.config.unsafe, notes=notes, seconds=seconds,
                      graded_at=datetime.datetime.now().isoformat(timespec="seconds"))


def _applies(check, data) -> bool:
    try:
        return bool(check.applies(data))
    except Exception as error:
        raise GraderError(f"{check.name}: applies(data) failed: {error}") from None


def _child_env(dataset: str, data_dir: str) -> dict[str, str]:
    return {"HOME": "/tmp", "TMPDIR": "/tmp", "LANG": "C.UTF-8", "LC_ALL": "C.UTF-8",
            "PYTHONHASHSEED": "0", "PYTHONDONTWRITEBYTECODE": "1", "TQDM_DISABLE": "1",
            "MPLBACKEND": "Agg", "CUDA_VISIBLE_DEVICES": "", "HW_DATASET": dataset,
            "HW_DATA_DIR": data_dir, "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1",
            "OPENBLAS_NUM_THREADS": "1"}


def grade(submission: Path | None, config: GraderConfig, name: str | None = None) -> Report:
    """Grade one submission folder, hw_utils folder or zip (``None``: the reference) and write
    its reports. To grade several against the same hidden data (the release validation: the
    reference and the student release), use one ``Grader`` and its ``grade``."""
    with Grader(config) as grader:
        return grader.grade(submission, name)


def grade_batch(folder: Path, config: GraderConfig) -> list[Report | tuple[str, str]]:
    """Grade every sub-folder and zip of ``folder``; write each report and ``scores.csv``."""
    submissions = [(path.stem, path) for path in list_batch(folder)]
    with Grader(config) as grader:
        outcomes = grader.grade_many(submissions)
    write_csv(outcomes, config.out_dir / "scores.csv")
    return outcomes
