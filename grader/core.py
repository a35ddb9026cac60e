"""Grading: hidden data, the reference's side, one sandbox per submission, verdicts, reports.

``Grader(config)`` prepares what every submission is graded against, once:

1. a seed (``config.seed``, else a random one; recorded in every report) and the stand-in
   generated with it into a folder only the grader can read (``sodata.standin.generate``);
2. in one trusted process (``grader.prepare``): each check's inputs, the reference's run of its
   driver (the student's CPU allowance is ``time_factor`` times it) and the expected side. A
   check the reference itself fails is void (worth nothing, noted).

``grade_many(submissions)`` copies every submission first (``grader.submissions``), then grades
each in a sandbox of its own (``grader.sandbox``): the stage's driver runs here, in the grader's
process, and calls the student's code in the sandbox (``grader.remote``); the verdict is computed
here (``grader.judging``). A submission's report is written when its sandbox is gone. Anything
that goes wrong with one submission ends that submission's row, never the batch.
"""
from __future__ import annotations

import compileall
import contextlib
import datetime
import importlib
import os
import secrets
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from grader import judging, launch
from grader.cache import ReferenceCache
from grader.points import allocate
from grader.provenance import code_fingerprint, environment, fingerprint
from grader.remote import RemoteHost
from grader.report import CheckResult, Report, write_csv, write_reports
from grader.sandbox import Limits, Sandbox, SandboxBroken, Usage
from grader.submissions import Submission, SubmissionError, batch_entries, intake
from grader.summary import write_summary
from grader.userspace import (ReferenceReadable, UserSpace, check_reference_hidden, expose_data,
                              share_tree)
from hw_checks.host import decode, pack, unpack_frame
from sodata.standin import SCALES

REPO_ROOT = Path(__file__).resolve().parents[1]
# The trusted code the student's side runs (the entry point, the protocol, the glue, the data
# readers), from the grader's own repository.
TRUSTED_CODE = ("grader", "hw_checks", "sodata")
SANDBOX_TRUSTED, SANDBOX_SUBMISSION = "/grader/trusted", "/grader/submission"
# Imported once per submission, before any student code: the libraries the checks use (torch's
# optimisers import torch._dynamo on their first step: 2 s a run otherwise).
PRELOAD = ("numpy", "scipy", "sklearn.model_selection", "sklearn.metrics.pairwise", "torch",
           "torch.optim", "torch._dynamo", "torch.utils.data", "torch.utils.tensorboard",
           "gensim.models", "tqdm", "tqdm.auto",
           "tensorboard.backend.event_processing.event_multiplexer", "hw_checks.host",
           "hw_checks.glue", "hw_checks.quality", "hw_checks.bonus", "sodata", "sodata.vectors")


GRADING_FAILED = "grading failed"  # a submission's row when the grader broke on it


class GraderError(RuntimeError):
    """The grader cannot grade at all (the reference's process failed, a bad registry)."""


@dataclass
class GraderConfig:
    # "auto": each check on its own scale (Check.scale: tiny for the stages, the calibrated
    # sample for the quality bars), generated with the seed; or one of tiny, sample, full, real.
    dataset: str = "auto"
    seed: int | None = None  # None: a random seed
    registry: str = "grader.stages.registry:CHECKS"  # module:attribute, a list of grader.stages Check
    root: Path = REPO_ROOT  # holds the reference hw_utils (and a test's registry)
    out_dir: Path = REPO_ROOT / "dist" / "grading"
    jobs: int = 0  # sandboxes at once (0: cores // 2 + 1)
    isolation: str = "bwrap"  # bwrap | user | unsafe (reports say so)
    quality: bool = False  # also the course's quality bars (whole parts trained)
    cache: Path | None = None  # a folder for the hidden data and the reference's side per seed
    time_factor: float = 100.0  # x the reference's CPU time
    min_seconds: float = 10.0  # the least CPU time a run gets
    max_seconds: float = 600.0  # the most (a bonus item's 100 x 60 s would be 100 minutes)
    import_cpu_seconds: float = 15.0  # CPU time for importing hw_utils, per run
    idle_seconds: float = 60.0  # waiting without working, per check
    time_retries: int = 1  # a check killed for time is run again this many times
    limits: Limits = field(default_factory=lambda: Limits(cpu_seconds=0.0))
    preload: tuple[str, ...] = PRELOAD
    reference_timeout: float = 3600.0
    quiet: bool = False


@dataclass
class Plan:
    """What one check needs, the same for every submission."""

    check: Any
    inputs: Any
    expected: Any
    limits: Limits
    max_points: float
    void: str = ""  # why the check is void (the reference fails it)
    na: str = ""  # why the check does not apply
    expected_ready: bool = True  # False: computed when a submission's outputs want it
    data: Any = None
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


def sandbox_env() -> dict[str, str]:
    return {"HOME": "/tmp", "TMPDIR": "/tmp", "LANG": "C.UTF-8", "LC_ALL": "C.UTF-8",
            "PYTHONHASHSEED": "0", "PYTHONDONTWRITEBYTECODE": "1", "TQDM_DISABLE": "1",
            "MPLBACKEND": "Agg", "CUDA_VISIBLE_DEVICES": "", "OMP_NUM_THREADS": "1",
            "MKL_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1"}


class Grader:
    """Grades submissions against one hidden data set; see the module's docstring."""

    def __init__(self, config: GraderConfig, data=None):
        if config.dataset not in ("auto", "real", *SCALES):
            raise GraderError(f"unknown data set {config.dataset!r}: use auto, real or one of "
                              f"{', '.join(SCALES)}")
        launch.probe(config.isolation)
        if config.isolation == "user" and config.cache is not None:
            raise GraderError("--cache cannot be used with --isolation user: its hidden data "
                              "would have to be reachable by the students' users")
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

    def _log(self, message: str) -> None:
        if not self.config.quiet:
            print(f"grader: {message}", file=sys.stderr, flush=True)

    # -------------------------------------------------------------------------- preparing

    def _prepare(self, data) -> None:
        config = self.config
        started = time.perf_counter()
        self.notes: list[str] = []
        self.trusted = self.private / "trusted"
        _copy_tree([(REPO_ROOT / p, p) for p in TRUSTED_CODE], self.trusted)
        compileall.compile_dir(self.trusted, quiet=1, workers=1)
        sys.path.insert(0, str(config.root))  # the registry: the trusted copy is the sandbox's
        try:
            checks = load_checks(config.registry)
        finally:
            sys.path.remove(str(config.root))
        self.code, self.environment = code_fingerprint(config.root, config.registry), environment()
        self.cache = (ReferenceCache(config.cache, self.code, self.environment)
                      if config.cache is not None else None)
        home = self.cache.data_folder(self.seed) if self.cache else self.private / "data"
        planned = {scale: data if data is not None else hidden_dataset(
            scale, self.seed, home, generate=False) for scale in {self._scale(c) for c in checks}}
        data_of = {c.name: planned[self._scale(c)] for c in checks}
        applies = {c.name: (config.quality or not c.quality_bar) and _applies(c, data_of[c.name])
                   for c in checks}
        # Only the scales some applicable check needs are generated (``sample`` takes a minute).
        needed = sorted(scale for scale in planned if any(
            applies[c.name] and self._scale(c) == scale for c in checks))
        with self.cache.lock(home.name) if self.cache else contextlib.nullcontext():
            self.datasets = {scale: planned[scale] if data is not None else hidden_dataset(
                scale, self.seed, home) for scale in needed}
        self._log(f"data: {', '.join(self.datasets)} generated with seed {self.seed} "
                  f"({time.perf_counter() - started:.1f} s)")
        # The data files the student's side reads (mounted in a sandbox, opened to its user).
        self.readable = {Path(getattr(data_of[c.name], name)) for c in checks
                         if applies[c.name] for name in c.files}
        if config.isolation == "user":
            self._open_to_students()
        self.shared = {path: fingerprint(path) for path in
                       {self.trusted, *(d.root for d in self.datasets.values())}}
        prepared = self._reference([{"check": c.name, "mode": "prepare", "scale": self._scale(c)}
                                    for c in checks if applies[c.name]])
        self._log(f"reference: {len(prepared)} checks prepared "
                  f"({time.perf_counter() - started:.1f} s)")
        self.plans = self._plans(checks, prepared, applies, data_of)

    def _open_to_students(self) -> None:
        """``--isolation user``: the trusted code and the data files the checks read, readable
        by the students' users; nothing else of the grader's (``grader.userspace``)."""
        try:
            check_reference_hidden(self.config.root / "hw_utils" / "__init__.py")
        except ReferenceReadable as error:
            raise GraderError(str(error)) from None
        self.userspace = UserSpace(self.private)
        share_tree(self.trusted, self.private)
        for dataset in self.datasets.values():
            if self.private in dataset.root.parents:
                expose_data(dataset.root, self.readable, self.private)

    def _scale(self, check) -> str:
        return check.scale if self.config.dataset == "auto" else self.config.dataset

    def _reference(self, items: list[dict]) -> dict:
        """The trusted preparation process's results for ``items`` (see ``grader.prepare``),
        from the cache when one is given and holds them."""
        datasets = {scale: {"name": d.name, "root": str(d.root), "train": str(d.train),
                            "validation": str(d.validation), "test": str(d.test),
                            "vectors": str(d.vectors), "vectors_limit": d.vectors_limit,
                            "is_standin": d.is_standin} for scale, d in self.datasets.items()}
        request = pack({"registry": self.config.registry, "seed": self.seed,
                        "datasets": datasets, "items": items})
        if self.cache is None:
            result = self._run_reference(request)
        else:
            data = {scale: self.shared[d.root] for scale, d in self.datasets.items()}
            result = self.cache.reference(request, data, lambda: self._run_reference(request))
        return decode(*unpack_frame(result), student_side=False)

    def _run_reference(self, request: bytes) -> bytes:
        job = Path(tempfile.mkstemp(prefix="reference-in-", dir=self.private)[1])
        out = job.with_name(job.name.replace("-in-", "-out-"))
        job.write_bytes(request)
        env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), **sandbox_env(),
               "HOME": str(self.private), "TMPDIR": str(self.private),
               "PYTHONPATH": os.pathsep.join([str(self.config.root), str(REPO_ROOT)])}
        try:
            done = subprocess.run([sys.executable, "-s", "-P", "-m", "grader.prepare", str(job),
                                   str(out)], env=env, cwd=self.private, capture_output=True,
                                  text=True, timeout=self.config.reference_timeout)
        except subprocess.TimeoutExpired:
            raise GraderError(f"the reference's run took longer than "
                              f"{self.config.reference_timeout:g} s") from None
        if done.returncode != 0 or not out.is_file():
            raise GraderError(f"the reference's run failed:\n{done.stderr[-4000:]}")
        return out.read_bytes()

    def _plans(self, checks: list, prepared: dict, applies: dict, data_of: dict
               ) -> dict[str, Plan]:
        config = self.config
        plans, void = {}, {}
        for check in checks:
            ref = prepared.get(check.name, {})
            if "error" in ref or "void" in ref:
                void[check.name] = ref.get("void") or f"the reference fails it: {ref['error']}"
                self.notes.append(f"{check.name} is void (worth nothing): {void[check.name]}; "
                                  f"a grader problem, tell the course's maintainers")
            allowance = min(config.max_seconds, max(config.min_seconds,
                                                    config.time_factor * ref.get("seconds", 0.0)))
            limits = replace(config.limits, cpu_seconds=check.runs * allowance,
                             import_cpu_seconds=config.import_cpu_seconds,
                             idle_seconds=config.idle_seconds,
                             message_bytes=check.stage.max_output_mb << 20)
            na = "" if applies[check.name] else (
                "a quality bar: graded with --quality (make check QUALITY=1)"
                if check.quality_bar and not config.quality else
                f"does not apply to the '{data_of[check.name].name}' data set")
            plans[check.name] = Plan(check, ref.get("inputs"), ref.get("expected"), limits, 0.0,
                                     void.get(check.name, ""), na,
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
        wants = plan.check.wants_expected
        if wants is not None and not wants(outputs):
            return None
        with plan.lock:
            if not plan.expected_ready:
                self._log(f"reference: computing the expected side of {plan.check.name}")
                result = self._reference([{"check": plan.check.name, "mode": "expect",
                                           "inputs": plan.inputs}])[plan.check.name]
                if "error" in result:
                    raise GraderError(f"the reference's side of {plan.check.name} failed: "
                                      f"{result['error']}\n{result.get('traceback', '')}")
                plan.expected, plan.expected_ready = result["expected"], True
        return plan.expected

    def _layout(self, package: Path) -> tuple[launch.Layout, Path, Path, str]:
        """(layout, trusted path, submission path, working folders) as the student's side sees
        them: in a sandbox, only the trusted code, the submission and the data files the checks
        read, each read-only; as another user, what ``grader.userspace`` opens to it."""
        marker = self.private.name  # in the environment: the sandbox's processes can be found
        if self.config.isolation == "bwrap":
            mounts = ((self.trusted, SANDBOX_TRUSTED), (package, SANDBOX_SUBMISSION),
                      *((Path(path), str(path)) for path in sorted(self.readable, key=str)))
            return (launch.Layout(mounts=mounts, env={**sandbox_env(), "HW_SANDBOX": marker}),
                    Path(SANDBOX_TRUSTED), Path(SANDBOX_SUBMISSION), "/tmp")
        if self.config.isolation == "user":
            user, workdirs = self.userspace.enter(package)
        else:
            user, workdirs = launch.SANDBOX_UID, Path(tempfile.mkdtemp(prefix="work-",
                                                                       dir=package.parent))
        env = {**sandbox_env(), "HOME": str(workdirs), "TMPDIR": str(workdirs),
               "HW_SANDBOX": marker, "USER": "student", "LOGNAME": "student"}
        return (launch.Layout(mounts=(), env=env, user=user), self.trusted, package,
                str(workdirs))

    def _sandbox(self, package: Path) -> Sandbox:
        layout, trusted, submission, workdirs = self._layout(package)
        return Sandbox(self.config.isolation, layout, trusted, submission,
                       list(self.config.preload), workdirs)

    def _run_check(self, sandbox: Sandbox, plan: Plan) -> tuple[list, Any]:
        """Run ``plan``'s check in ``sandbox``: the runs' verdicts and the usage. A judge that
        asks for one more run (``RunAgain``: within noise of a quality bar) gets it, with
        limits of its own; that run's verdicts count."""
        verdicts, usage = self._run_once(sandbox, plan, plan.inputs)
        again = next((run.again for run in verdicts if run.again is not None), None)
        if again is not None:
            self._log(f"{plan.check.name}: within noise of its bar; running it once more")
            verdicts, more = self._run_once(sandbox, plan, again)
            usage = add_usage(usage, more)
        return verdicts, usage

    def _run_once(self, sandbox: Sandbox, plan: Plan, inputs: dict) -> tuple[list, Any]:
        """The check's runs on ``inputs``, in parallel: their verdicts and the usage."""
        sandbox.begin(plan.limits)
        hosts = [RemoteHost(sandbox.fork(), sandbox, plan.limits.message_bytes)
                 for _ in range(plan.check.runs)]
        driven: list = [None] * len(hosts)

        def run(index: int) -> None:
            driven[index] = judging.drive(plan.check.stage, hosts[index], inputs)
            hosts[index].close()

        threads = [threading.Thread(target=run, args=(i,)) for i in range(len(hosts))]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        usage = sandbox.end()
        verdicts = []
        for outputs in driven:
            if usage.killed:
                verdicts.append(judging.killed_verdict(usage, plan.limits))
            elif isinstance(outputs, judging.RunVerdict):
                verdicts.append(outputs)
            else:
                verdicts.append(judging.judge(plan.check.stage, outputs,
                                              lambda out: self._expected(plan, out), inputs))
        return verdicts, usage

    def _grade_check(self, sandbox: Sandbox, plan: Plan, skip: dict) -> CheckResult:
        check = plan.check
        base = dict(name=check.name, part=check.part, max_points=plan.max_points,
                    cpu_limit_seconds=round(plan.limits.cpu_seconds, 1))
        if plan.na:
            return CheckResult(status="n/a", points=0.0, reason=plan.na, **base)
        if plan.void:
            return CheckResult(status="void", points=0.0, reason=plan.void,
                               error_type="GraderError", **base)
        if skip.get("import"):
            return CheckResult(status="fail", points=0.0, error_type="ImportTimeout",
                               reason=f"not run: {skip['import']}", **base)
        for attempt in range(1 + self.config.time_retries):
            runs, usage = self._run_check(sandbox, plan)
            if usage.killed not in ("cpu", "idle", "import"):
                break
            self._log(f"{check.name}: killed for time ({usage.killed}); "
                      f"{'running it again' if attempt < self.config.time_retries else 'counted'}")
        passed, kind, reason, trace, agree = judging.combine(runs)
        if all(run.import_failed and run.error_type == "ImportTimeout" for run in runs):
            skip["import"] = f"importing hw_utils took too long in {check.name}"
        if usage.output_bytes > plan.limits.output_tail_bytes:
            reason = (reason + "; " if reason else "") + (
                f"printed {usage.output_bytes:,} bytes (the last "
                f"{plan.limits.output_tail_bytes >> 10} KB kept)")
        status = "pass" if passed else "not attempted" if kind == "NotAttempted" else "fail"
        return CheckResult(status=status,
                           points=plan.max_points if passed else 0.0, reason=reason,
                           error_type=kind, seconds=round(usage.wall_seconds, 2),
                           cpu_seconds=round(usage.cpu_seconds, 2),
                           idle_seconds=round(usage.idle_seconds, 2), runs_agree=agree,
                           output_tail=usage.output_tail, output_bytes=usage.output_bytes,
                           traceback=trace, load_average=usage.load_average, **base)

    def _grade_one(self, submission: Submission) -> Report:
        """Every check of one submission in one sandbox; a sandbox the student's code broke is
        started again for the next check."""
        started = time.perf_counter()
        loads = [round(os.getloadavg()[0], 2)]
        before = fingerprint(submission.package)
        results, skip, sandbox, sandbox_cpu = {}, {}, None, 0.0
        try:
            for plan in self.plans.values():
                if not plan.na and not plan.void and sandbox is None:
                    sandbox = self._sandbox(submission.package)
                try:
                    results[plan.check.name] = self._grade_check(sandbox, plan, skip)
                except SandboxBroken as error:
                    results[plan.check.name] = CheckResult(
                        plan.check.name, plan.check.part, "fail", 0.0, plan.max_points,
                        reason=f"the student's side broke: {error}", error_type="SandboxBroken")
                    sandbox.close()
                    sandbox_cpu += sandbox.cpu_seconds
                    sandbox = None
                self._log(f"[{submission.name}] {plan.check.name}: "
                          f"{results[plan.check.name].status}")
        finally:
            if sandbox is not None:
                sandbox.close()
                sandbox_cpu += sandbox.cpu_seconds
        loads.append(round(os.getloadavg()[0], 2))
        self._check_shared()
        report = self._report(submission, results, time.perf_counter() - started,
                              fingerprint(submission.package) != before, loads)
        report.cpu_seconds = round(sandbox_cpu, 2)
        return report

    def grade_many(self, submissions: list[tuple[str, Path]], write: bool = True
                   ) -> list[Report | tuple[str, str]]:
        """Grade ``(name, path)`` submissions; (name, reason) for one that cannot be graded.
        Every submission is copied before any code runs; one that fails costs its row only."""
        copies = Path(tempfile.mkdtemp(prefix="submissions-", dir=self.private))
        try:
            taken = intake(submissions, copies, isolation=self.config.isolation)
            outcomes: dict[str, Report | tuple[str, str]] = {}

            def one(item: Submission | tuple[str, str]) -> None:
                if not isinstance(item, Submission):
                    outcomes[item[0]] = item
                    return
                try:
                    report = self._grade_one(item)
                except GraderError:
                    raise
                except Exception as error:  # noqa: BLE001 - this submission's row, not the batch
                    outcomes[item.name] = (item.name, f"{GRADING_FAILED}: "
                                                      f"{type(error).__name__}: {error}")
                    return
                if write:
                    write_reports(report, self.config.out_dir / "reports" / item.slug)
                outcomes[item.name] = report

            jobs = self.config.jobs or (os.cpu_count() or 1) // 2 + 1
            with ThreadPoolExecutor(max_workers=jobs) as pool:
                list(pool.map(one, taken))
            return [outcomes[item.name if isinstance(item, Submission) else item[0]]
                    for item in taken]
        finally:
            shutil.rmtree(copies, ignore_errors=True)

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

    def _report(self, submission: Submission, results: dict[str, CheckResult], seconds: float,
                tampered: bool, loads: list[float]) -> Report:
        notes = list(self.notes) + list(submission.notes)
        if tampered:  # its own read-only copy changed: no result of it can be trusted
            notes.insert(0, "Tampering: the submission's copy changed while it was graded; "
                            "every check fails")
            for result in results.values():
                if result.status in ("pass", "fail"):
                    result.status, result.points, result.error_type = "fail", 0.0, "Tampering"
        if self.config.isolation != "bwrap":
            notes.insert(0, {"unsafe": "graded WITHOUT a sandbox (--isolation unsafe): the "
                                       "submission's code could read and change the grader's "
                                       "files; do not trust this grade",
                             "user": "graded as an unprivileged user without a sandbox "
                                     "(--isolation user): the submission could not read the "
                                     "grader's files or the hidden data, but shared the "
                                     "machine's network and process table"}
                         [self.config.isolation])
        nondeterministic = [r.name for r in results.values() if r.runs_agree is False]
        if nondeterministic:
            notes.append("outputs differed between the runs of: " + ", ".join(nondeterministic))
        return Report(name=submission.name, submission=str(submission.origin),
                      dataset="+".join(self.datasets), seed=self.seed,
                      results=[results[n] for n in self.plans],
                      sandboxed=self.config.isolation == "bwrap", isolation=self.config.isolation,
                      notes=notes, seconds=seconds, load_averages=loads,
                      graded_at=datetime.datetime.now().isoformat(timespec="seconds"))


def add_usage(first: Usage, second: Usage) -> Usage:
    """What two runs of a check used together (peaks: the higher; the output: the last)."""
    return replace(second, cpu_seconds=first.cpu_seconds + second.cpu_seconds,
                   idle_seconds=first.idle_seconds + second.idle_seconds,
                   wall_seconds=first.wall_seconds + second.wall_seconds,
                   peak_processes=max(first.peak_processes, second.peak_processes),
                   peak_memory_bytes=max(first.peak_memory_bytes, second.peak_memory_bytes),
                   output_bytes=first.output_bytes + second.output_bytes)


def _applies(check, data) -> bool:
    try:
        return bool(check.applies(data))
    except Exception as error:
        raise GraderError(f"{check.name}: applies(data) failed: {error}") from None


def grade(submission: Path | None, config: GraderConfig, name: str | None = None) -> Report:
    """Grade one submission folder, hw_utils folder or zip (``None``: the reference) and write
    its reports."""
    with Grader(config) as grader:
        return grader.grade(submission, name)


def grade_batch(folder: Path, config: GraderConfig) -> list[Report | tuple[str, str]]:
    """Grade every sub-folder and zip of ``folder``; write each report, ``scores.csv`` and the
    summary (``grader.summary``)."""
    submissions = batch_entries(folder)
    with Grader(config) as grader:
        outcomes = grader.grade_many(submissions)
        facts = {"seed": grader.seed, "isolation": config.isolation, "quality": config.quality,
                 "code": grader.code[:12]}
    write_csv(outcomes, config.out_dir / "scores.csv")
    write_summary(config.out_dir, facts)
    return outcomes
