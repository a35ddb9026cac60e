"""Verdicts, computed in the grader's process from what came back from the sandbox.

Everything the sandbox sent is untrusted data: frames are decoded defensively, an ``error`` frame
is the submission's own story about its failure (shown, never believed for points), and only an
``outputs`` frame can pass, when ``check.verdict(outputs, expected, inputs)`` (the judge, with
the reference's ``expected`` on inputs the submission never saw) raises nothing. Each check runs
twice; a run that fails, or outputs that differ between the runs, are reported, and the lower
result counts.
"""
import json
from dataclasses import dataclass

from grader.report import one_line
from grader.sandbox import Frame, Limits, Outcome

KILLED = {
    "time": ("Timeout", "time limit of {seconds:g} s exceeded (an endless loop or a wait, or "
                        "far slower than the reference)"),
    "cpu": ("Timeout", "CPU time limit of {cpu_seconds:g} s exceeded (an endless loop, or far "
                       "slower than the reference)"),
    "first-frame": ("ImportTimeout", "importing hw_utils took longer than {import_seconds:g} s "
                                     "(work or waiting at import time?)"),
    "processes": ("ProcessLimit", "started more than {processes} processes"),
    "memory": ("MemoryLimit", "used more than {memory_mb} MB of memory (all its processes)"),
    "output": ("OutputLimit", "printed more than {output_mb} MB"),
    "channel": ("ResultTooLarge", "returned more than {channel_mb} MB of outputs"),
}


@dataclass
class RunVerdict:
    passed: bool
    error_type: str = ""
    reason: str = ""
    traceback: str = ""
    outputs: object = None
    has_outputs: bool = False


def decode(frame: Frame) -> dict | None:
    try:
        message = json.loads(frame.data.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        return None
    return message if isinstance(message, dict) else None


def follows_protocol(messages: list[dict | None]) -> bool:
    """What grader/child.py sends: ``imported``, then ``outputs`` or ``error``."""
    if len(messages) > 2 or any(m is None for m in messages):
        return False
    if messages and messages[0] != {"event": "imported"}:
        return False
    return len(messages) < 2 or messages[1].get("event") in ("outputs", "error")


def _text(value, limit: int = 4000) -> str:
    return value[:limit] if isinstance(value, str) else ""


def judge_run(check, frames: list[Frame], outcome: Outcome, expected_for, inputs,
              limits: Limits, import_seconds: float) -> RunVerdict:
    """One run's verdict from its frames (and why the sandbox ended, if it was killed);
    ``expected_for(outputs)`` gives the reference's side."""
    messages = [decode(frame) for frame in frames]
    if not follows_protocol(messages):
        return RunVerdict(False, "Tampering", (
            f"its result channel carried {len(messages)} frame(s) the grader's entry point never "
            f"sends: the submission's code wrote to the grader's channel"))
    final = messages[1] if len(messages) == 2 else None
    if final is None:
        if outcome.killed:
            kind, text = KILLED[outcome.killed]
            return RunVerdict(False, kind, text.format(
                seconds=round(limits.seconds, 1), import_seconds=round(import_seconds, 1),
                cpu_seconds=round(limits.cpu_seconds or 0, 1),
                processes=limits.processes, memory_mb=limits.memory_bytes >> 20,
                output_mb=limits.output_bytes >> 20, channel_mb=limits.channel_bytes >> 20))
        return RunVerdict(False, "Exit", "the process ended before returning a result "
                                         "(os._exit, a crash, or a signal)")
    if final["event"] == "error":
        kind = one_line(_text(final.get("type")) or "Error", 60)
        message = _text(final.get("message"))
        if kind == "MemoryError":
            message = (f"{message or 'out of memory'} (limit: {limits.address_space_bytes >> 20} "
                       f"MB of address space per process)")
        return RunVerdict(False, kind, one_line(f"{kind}: {message}" if message else kind, 600),
                          _text(final.get("traceback"), 6000))
    outputs = final.get("outputs")
    expected = expected_for(outputs)
    try:
        check.verdict(outputs, expected, inputs)
    except AssertionError as failure:
        return RunVerdict(False, "Wrong", str(failure)[:4000], outputs=outputs, has_outputs=True)
    except Exception as error:  # the outputs are not of the shape the judge reads
        return RunVerdict(False, "BadOutputs", one_line(
            f"the outputs are not what the check expects ({type(error).__name__}: {error})", 600),
            outputs=outputs, has_outputs=True)
    return RunVerdict(True, outputs=outputs, has_outputs=True)


def combine(runs: list[RunVerdict]) -> tuple[bool, str, str, str, bool | None]:
    """(passed, error type, reason, traceback, runs agree) from the runs: the lower counts."""
    agree = None
    if len(runs) > 1 and all(run.has_outputs for run in runs):
        agree = all(run.outputs == runs[0].outputs for run in runs[1:])
    failed = [(index, run) for index, run in enumerate(runs) if not run.passed]
    if not failed:
        reason = "" if agree in (None, True) else (
            "passed, but the two runs returned different outputs: the code is not "
            "reproducible (seed its randomness)")
        return True, "", reason, "", agree
    index, run = failed[0]
    if len(failed) < len(runs):
        return (False, "Nondeterministic", f"run {index + 1} of {len(runs)} failed while another "
                f"passed (the code is not reproducible; the lower result counts): {run.reason}",
                run.traceback, agree)
    return False, run.error_type, run.reason, run.traceback, agree
