"""One sandbox per submission: the student's side (``grader/host_server.py``) started once, a run
of a check forked from it at a time, every limit enforced from outside.

Limits count the work done, never the wall clock, so a busy machine never costs a student points:

- CPU time summed over the check's processes (both runs), and a smaller share for importing
  ``hw_utils``;
- *idle* time: wall time during which the grader waits for an answer and none of the check's
  processes is runnable (sleeping, stopped, blocked on a pipe): a ``sleep`` or a dead wait ends
  there; a process waiting for a core under load is runnable and costs nothing;
- processes and resident memory summed over the check's processes, bytes printed, and (per
  process, set by the zygote) address space, file size and process count.

A watchdog polls ``/proc`` every ``POLL_S``; a check over a limit has its processes killed (the
zygote survives) and is reported with the limit it broke.
"""
from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from pathlib import Path

from grader import launch
from grader.channel import ChannelClosed, read_message
from hw_checks.host import decode, pack

POLL_S = 0.05
PAGE = os.sysconf("SC_PAGE_SIZE")
TICKS = os.sysconf("SC_CLK_TCK")
ENTRY = ("import sys; sys.path.insert(0, sys.argv[1]); from grader.host_server import main; "
         "main(sys.argv[2:])")
STARTUP_S = 900.0  # the zygote's imports (trusted code, no student code) on a very busy machine
CLOSE_S = 10.0  # for the zygote to end by itself when told


class SandboxBroken(RuntimeError):
    """The student's side is gone (its zygote was killed) or never started."""


@dataclass(frozen=True)
class Limits:
    """One check's limits (see the module's docstring)."""

    cpu_seconds: float
    import_cpu_seconds: float = 15.0
    idle_seconds: float = 60.0
    processes: int = 64
    memory_bytes: int = 6 * 2**30
    address_space_bytes: int = 4 * 2**30
    output_bytes: int = 8 * 2**20
    output_tail_bytes: int = 32 * 1024
    message_bytes: int = 8 * 2**20
    file_bytes: int = 256 * 2**20


@dataclass
class Usage:
    """What one check used, as the watchdog saw it."""

    cpu_seconds: float = 0.0
    idle_seconds: float = 0.0
    wall_seconds: float = 0.0
    peak_processes: int = 0
    peak_memory_bytes: int = 0
    output_bytes: int = 0
    output_tail: str = ""
    killed: str = ""  # "" | "cpu" | "import" | "idle" | "processes" | "memory" | "output"
    killed_importing: bool = False  # killed while a run was importing hw_utils
    load_average: float = 0.0


@dataclass
class _Check:
    """The watchdog's state for the check being run."""

    limits: Limits
    started: float = field(default_factory=time.monotonic)
    cpu: dict[int, float] = field(default_factory=dict)
    usage: Usage = field(default_factory=Usage)
    waiting: int = 0  # requests the grader waits on
    importing: int = 0  # runs in their import phase
    tail: deque = field(default_factory=deque)
    tail_bytes: int = 0


class Sandbox:
    """The student's side of one submission. ``begin(limits)``, ``fork()`` per run, ``end()``
    (kills what is left, empties the working folders) around each check; ``close()`` at last."""

    def __init__(self, kind: str, layout: launch.Layout, trusted: Path, submission: Path,
                 preload: list[str], workdirs: str):
        self.kind, self.layout, self.preload, self.workdirs = kind, layout, preload, workdirs
        self.trusted, self.submission = trusted, submission
        self.lock = threading.Lock()
        self.check: _Check | None = None
        self.process: subprocess.Popen | None = None
        self.cpu_seconds = 0.0  # of the zygote and every run it reaped, when closed
        self._start()

    # ---------------------------------------------------------------------------- lifecycle

    def _start(self) -> None:
        self.control, theirs = socket.socketpair()
        info_read, info_write = os.pipe() if self.kind == "bwrap" else (None, None)
        argv = [sys.executable, "-s", "-P", "-c", ENTRY, str(self.trusted), str(self.submission),
                str(theirs.fileno()), "namespace" if self.kind == "bwrap" else "tree"]
        command, env, fds = launch.command(self.kind, self.layout, argv, info_write)
        passed = [theirs.fileno(), *fds] + ([info_write] if info_write is not None else [])
        try:
            self.process = subprocess.Popen(
                command, env=env, cwd="/" if self.kind == "bwrap" else self.workdirs,
                stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                close_fds=True, pass_fds=passed, start_new_session=True)
        finally:
            for fd in [theirs.fileno(), *fds] + ([info_write] if info_write is not None else []):
                os.close(fd)
            theirs.detach()
        self.root = _read_info(info_read) if info_read is not None else self.process.pid
        self.alive = True
        self.startup_output = b""  # what it printed outside any check (why it did not start)
        drain = threading.Thread(target=self._drain_output, daemon=True)
        drain.start()
        try:
            self.control.sendall(pack({"preload": self.preload, "workdirs": self.workdirs}))
            self.control.settimeout(STARTUP_S)
            ready = self._receive()
            self.control.settimeout(None)
        except (OSError, ChannelClosed) as error:
            self.close()
            drain.join(timeout=5)
            printed = self.startup_output.decode("utf-8", "replace").strip()[-1500:]
            raise SandboxBroken(f"the student's side did not start: {error}"
                                + (f"; it printed: {printed}" if printed else "")) from None
        self.zygote = self._host_pid(ready["ready"])
        threading.Thread(target=self._watch, daemon=True).start()

    def _receive(self) -> dict:
        data, blobs = read_message(self.control, 1 << 20)
        return decode(data, blobs, student_side=False)

    def _host_pid(self, inner: int) -> int:
        """The host's PID of the process that is ``inner`` in the sandbox's namespace."""
        if self.kind != "bwrap":
            return inner
        for pid in [self.root, *_descendants(self.root)]:
            if _nspid(pid) == inner:
                return pid
        raise SandboxBroken(f"the sandbox's process {inner} cannot be found")

    def close(self) -> None:
        """End the sandbox: the zygote, told by its closed socket, kills what is left and exits
        (its processes' CPU time then adds up in the grader's); whatever still runs after
        ``CLOSE_S`` is killed: the sandbox's first process (the kernel then kills its whole PID
        namespace) and everything below it."""
        if self.alive and getattr(self, "zygote", None):
            self.cpu_seconds += _total_cpu(self.zygote)
        self.alive = False
        self.control.close()
        if self.process is None:
            return
        try:
            self.process.wait(timeout=CLOSE_S)
            return
        except subprocess.TimeoutExpired:
            pass
        for pid in [self.root, *_descendants(self.root)]:
            try:
                os.kill(pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
        try:
            os.killpg(self.process.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
        self.process.wait()

    # ---------------------------------------------------------------------------- one check

    def begin(self, limits: Limits) -> None:
        if not self.alive or self.process.poll() is not None:
            raise SandboxBroken("the student's side is gone")
        with self.lock:
            self.check = _Check(limits)

    def fork(self) -> socket.socket:
        """A new run of the current check: its socket."""
        limits = self.check.limits
        self.control.sendall(pack({"op": "fork", "limits": {
            "address_space_bytes": limits.address_space_bytes,
            "file_bytes": limits.file_bytes, "processes": limits.processes}}))
        try:
            frame, fds, _, _ = socket.recv_fds(self.control, 1 << 16, 1)
        except OSError as error:
            raise SandboxBroken(f"the student's side did not fork: {error}") from None
        if not fds or not frame:
            raise SandboxBroken("the student's side is gone (its zygote died)")
        return socket.socket(fileno=fds[0])

    def waiting(self, change: int) -> None:
        """The grader starts (+1) or stops (-1) waiting for an answer: idle time counts then."""
        with self.lock:
            if self.check:
                self.check.waiting += change

    def importing(self, change: int) -> None:
        with self.lock:
            if self.check:
                self.check.importing += change

    def end(self) -> Usage:
        """Kill what is left of the check, empty its folders; what it used."""
        with self.lock:
            check, self.check = self.check, None
        check.usage.wall_seconds = time.monotonic() - check.started
        check.usage.output_tail = b"".join(check.tail)[-check.limits.output_tail_bytes:].decode(
            "utf-8", "replace")
        check.usage.load_average = round(os.getloadavg()[0], 2)
        try:
            self.control.sendall(pack({"op": "reap"}))
            self._receive()
        except (OSError, ChannelClosed):
            self.alive = False
        return check.usage

    # ------------------------------------------------------------------------------ watching

    def _drain_output(self) -> None:
        """stdout + stderr: counted for the current check, its last bytes kept."""
        while chunk := self.process.stdout.read1(65536):
            with self.lock:
                check = self.check
                if check is None:
                    self.startup_output = (self.startup_output + chunk)[-4096:]
                    continue
                check.usage.output_bytes += len(chunk)
                check.tail.append(chunk)
                check.tail_bytes += len(chunk)
                while len(check.tail) > 1 and \
                        check.tail_bytes - len(check.tail[0]) >= check.limits.output_tail_bytes:
                    check.tail_bytes -= len(check.tail.popleft())

    def _watch(self) -> None:
        last = time.monotonic()
        while self.alive and self.process.poll() is None:
            time.sleep(POLL_S)
            now, elapsed = time.monotonic(), time.monotonic() - last
            last = now
            with self.lock:
                check = self.check
            if check is None:
                continue
            pids = [p for p in _descendants(self.root) if p != self.zygote]
            busy, count, memory = _measure(pids, check.cpu)
            with self.lock:
                usage = check.usage
                usage.cpu_seconds = sum(check.cpu.values())
                usage.peak_processes = max(usage.peak_processes, count)
                usage.peak_memory_bytes = max(usage.peak_memory_bytes, memory)
                if check.waiting and not busy:
                    usage.idle_seconds += elapsed
                reason = _broken_limit(check, count, memory)
                if reason and not usage.killed:
                    usage.killed, usage.killed_importing = reason, check.importing > 0
            if reason:
                for pid in pids:
                    try:
                        os.kill(pid, signal.SIGKILL)
                    except (ProcessLookupError, PermissionError):
                        pass


def _broken_limit(check: _Check, count: int, memory: int) -> str:
    limits, usage = check.limits, check.usage
    if check.importing and usage.cpu_seconds > limits.import_cpu_seconds * max(1, check.importing):
        return "import"
    if usage.cpu_seconds > limits.cpu_seconds:
        return "cpu"
    if usage.idle_seconds > limits.idle_seconds:
        return "idle"
    if count > limits.processes:
        return "processes"
    if memory > limits.memory_bytes:
        return "memory"
    if usage.output_bytes > limits.output_bytes:
        return "output"
    return ""


def _descendants(root: int) -> list[int]:
    """``root``'s descendants, from ``/proc/<pid>/task/<tid>/children`` (orphans come back to a
    subreaper, so they are found too). Cheap: it reads the sandbox's processes only."""
    found, todo = [], [root]
    while todo:
        pid = todo.pop()
        try:
            tasks = os.listdir(f"/proc/{pid}/task")
        except OSError:
            continue
        for tid in tasks:
            try:
                with open(f"/proc/{pid}/task/{tid}/children", encoding="ascii") as stream:
                    children = [int(child) for child in stream.read().split()]
            except OSError:
                continue
            found += children
            todo += children
    return found


def _measure(pids: list[int], cpu: dict[int, float]) -> tuple[bool, int, int]:
    """(any runnable or in uninterruptible wait, live processes, summed resident bytes); records
    each one's CPU seconds in ``cpu``."""
    busy, count, memory = False, 0, 0
    for pid in pids:
        try:
            with open(f"/proc/{pid}/stat", encoding="ascii", errors="replace") as stream:
                fields = stream.read().rpartition(")")[2].split()
        except OSError:
            continue
        if not fields or fields[0] in ("Z", "X"):
            continue
        busy = busy or fields[0] in ("R", "D")
        count += 1
        memory += int(fields[21]) * PAGE  # rss, in pages
        cpu[pid] = (int(fields[11]) + int(fields[12])) / TICKS  # utime + stime
    return busy, count, memory


def _total_cpu(pid: int) -> float:
    """CPU seconds of ``pid`` and of the children it waited for."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii", errors="replace") as stream:
            fields = stream.read().rpartition(")")[2].split()
        return sum(int(fields[i]) for i in (11, 12, 13, 14)) / TICKS
    except (OSError, IndexError, ValueError):
        return 0.0


def _nspid(pid: int) -> int | None:
    """A process's PID in the innermost PID namespace it belongs to."""
    try:
        with open(f"/proc/{pid}/status", encoding="ascii", errors="replace") as stream:
            for line in stream:
                if line.startswith("NSpid:"):
                    return int(line.split()[-1])
    except (OSError, ValueError):
        pass
    return None


def _read_info(fd: int, timeout: float = 60.0) -> int:
    """The host's PID of the sandbox's first process, from bwrap's ``--info-fd`` JSON."""
    data = b""
    deadline = time.monotonic() + timeout
    with os.fdopen(fd, "rb", buffering=0) as stream:
        while time.monotonic() < deadline:
            chunk = stream.read(4096)
            if not chunk:
                break
            data += chunk
            try:
                return int(json.loads(data)["child-pid"])
            except (ValueError, KeyError):
                continue
    raise SandboxBroken("bubblewrap did not start the sandbox")
