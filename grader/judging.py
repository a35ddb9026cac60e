"""One run of a check, driven from the grader's process, and the verdict of its runs.

The driver (``hw_checks``) calls the student's code through a ``RemoteHost``; everything that
comes back is data. A verdict passes only when the stage's judge, given the reference's
``expected`` on inputs the student never saw, raises nothing. The student's own story about a
failure (an exception's type and message) is shown, never believed for points. Each check runs
``runs`` times; runs that fail, or outputs that differ between runs, are reported, and the lower
result counts.
"""
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from grader.channel import MessageTooLarge
from grader.remote import HostGone
from grader.report import one_line
from grader.sandbox import Limits, Usage
from grader.stages.check import RunAgain
from hw_checks.host import Host, ProtocolError, StudentError
from hw_checks.stage import NotAttempted

KILLED = {
    "cpu": ("Timeout", "CPU time limit of {cpu:g} s exceeded (an endless loop, or far slower "
                       "than the reference)"),
    "import": ("ImportTimeout", "importing hw_utils took more than {import_cpu:g} s of CPU time "
                                "(work at import time?)"),
    "idle": ("Timeout", "waited {idle:g} s without working (a sleep, or a wait for something "
                        "that never comes)"),
    "processes": ("ProcessLimit", "started more than {processes} processes"),
    "memory": ("MemoryLimit", "used more than {memory_mb} MB of memory (all its processes)"),
    "output": ("OutputLimit", "printed more than {output_mb} MB"),
}


@dataclass
class RunVerdict:
    passed: bool
    error_type: str = ""
    reason: str = ""
    traceback: str = ""
    outputs: Any = None
    has_outputs: bool = False
    import_failed: bool = False
    again: dict | None = None  # the inputs of one more run (the judge raised ``RunAgain``)


def drive(stage, host: Host, inputs: dict) -> RunVerdict | Any:
    """The stage's outputs from the student's code, or the failed ``RunVerdict``."""
    try:
        host.imports(list(stage.modules))
    except Exception as error:  # noqa: BLE001 - reported as the run's failure
        verdict = failure(error)
        verdict.import_failed = True
        verdict.reason = f"while importing hw_utils: {verdict.reason}"
        return verdict
    try:
        return stage.drive(host, inputs)
    except Exception as error:  # noqa: BLE001 - reported as the run's failure
        return failure(error)


def failure(error: Exception) -> RunVerdict:
    """What an exception raised while driving the student's code means for the run."""
    if isinstance(error, StudentError):
        kind = error.type_name or "Error"
        message = error.message
        if kind == "MemoryError":
            message = f"{message or 'out of memory'} (the limit is per process)"
        return RunVerdict(False, kind, one_line(f"{kind}: {message}" if message else kind, 600),
                          error.traceback)
    if isinstance(error, HostGone):
        return RunVerdict(False, "Exit", "the process ended before returning a result "
                                         "(os._exit, a crash, or a signal)")
    if isinstance(error, MessageTooLarge):
        return RunVerdict(False, "ResultTooLarge", f"returned too much: {error}")
    if isinstance(error, ProtocolError):
        return RunVerdict(False, "ProtocolError", one_line(
            f"the student's side sent what the protocol does not allow: {error}", 600))
    return RunVerdict(False, "BadOutputs", one_line(  # the student's values broke the driver
        f"the outputs are not what the check expects ({type(error).__name__}: {error})", 600))


def judge(stage, outputs: Any, expected_for: Callable[[Any], Any], inputs: dict) -> RunVerdict:
    """The verdict on one run's outputs; ``expected_for(outputs)`` gives the reference's side."""
    try:
        stage.verdict(outputs, expected_for(outputs), inputs)
    except RunAgain as again:
        return RunVerdict(False, "RunAgain", str(again), outputs=outputs, has_outputs=True,
                          again=again.inputs)
    except NotAttempted as skipped:
        return RunVerdict(False, "NotAttempted", str(skipped)[:4000], outputs=outputs,
                          has_outputs=True)
    except AssertionError as failure:
        return RunVerdict(False, "Wrong", str(failure)[:4000], outputs=outputs, has_outputs=True)
    except Exception as error:  # noqa: BLE001 - outputs of a shape the judge cannot read
        return RunVerdict(False, "BadOutputs", one_line(
            f"the outputs are not what the check expects ({type(error).__name__}: {error})", 600),
            outputs=outputs, has_outputs=True)
    return RunVerdict(True, outputs=outputs, has_outputs=True)


def killed_verdict(usage: Usage, limits: Limits) -> RunVerdict:
    kind, text = KILLED[usage.killed]
    reason = text.format(
        cpu=round(limits.cpu_seconds, 1), import_cpu=round(limits.import_cpu_seconds, 1),
        idle=round(limits.idle_seconds, 1), processes=limits.processes,
        memory_mb=limits.memory_bytes >> 20, output_mb=limits.output_bytes >> 20)
    if usage.killed_importing and kind == "Timeout":
        kind, reason = "ImportTimeout", f"while importing hw_utils: {reason}"
    return RunVerdict(False, kind, reason, import_failed=usage.killed_importing)


def same(first: Any, second: Any) -> bool:
    """Deep equality of decoded outputs (arrays compared by value)."""
    if isinstance(first, np.ndarray) or isinstance(second, np.ndarray):
        return (isinstance(first, np.ndarray) and isinstance(second, np.ndarray)
                and first.shape == second.shape and np.array_equal(first, second, equal_nan=True))
    if isinstance(first, dict) and isinstance(second, dict):
        return first.keys() == second.keys() and all(same(first[k], second[k]) for k in first)
    if isinstance(first, list) and isinstance(second, list):
        return len(first) == len(second) and all(same(a, b) for a, b in zip(first, second))
    return type(first) is type(second) and first == second


def combine(runs: list[RunVerdict]) -> tuple[bool, str, str, str, bool | None]:
    """(passed, error type, reason, traceback, runs agree) from the runs: the lower counts."""
    agree = None
    if len(runs) > 1 and all(run.has_outputs for run in runs):
        agree = all(same(run.outputs, runs[0].outputs) for run in runs[1:])
    failed = [(index, run) for index, run in enumerate(runs) if not run.passed]
    if not failed:
        reason = "" if agree in (None, True) else (
            "passed, but the runs returned different outputs: the code is not reproducible "
            "(seed its randomness)")
        return True, "", reason, "", agree
    index, run = failed[0]
    if len(failed) < len(runs):
        return (False, "Nondeterministic", f"run {index + 1} of {len(runs)} failed while another "
                f"passed (the code is not reproducible; the lower result counts): {run.reason}",
                run.traceback, agree)
    return False, run.error_type, run.reason, run.traceback, agree
