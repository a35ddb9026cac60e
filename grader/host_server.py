"""The student's side of grading: one process per submission that forks one process per run of
a check, each serving the grader's requests on a socket of its own.

Started in the sandbox as ``python -s -P -c ENTRY TRUSTED SUBMISSION CONTROL_FD SCOPE`` (``ENTRY``
in grader/sandbox.py puts ``TRUSTED`` first on ``sys.path``):

1. the *zygote* (trusted: it never imports ``hw_utils``) makes itself undumpable (no process of
   the student's can trace it or read its memory) and a subreaper (orphans come back to it),
   imports the libraries the checks use, once, and waits for the grader on the control socket;
2. ``fork``: a child for one run of a check. It sets the per-process limits, moves into a fresh
   working folder, reseeds Python's and NumPy's random state (as a fresh interpreter would) and
   serves requests (``hw_checks.host.execute``) until the grader closes its socket. The zygote
   hands the grader the other end of the socket (``SCM_RIGHTS``) and forgets it;
3. ``reap``: after a check, every process but the zygote is killed (``SCOPE`` ``namespace``: all
   of the sandbox's PID namespace; ``tree``: the zygote's descendants) and the working folders
   are emptied, so nothing of one check survives into the next.

From the child's first request on, the process runs the student's code and is untrusted: the
grader treats every message as data and enforces every limit from outside.
"""
import ctypes
import importlib
import os
import random
import resource
import shutil
import signal
import socket
import sys
import tempfile
import traceback

from grader.channel import ChannelClosed, read_message
from hw_checks.host import Objects, decode, execute, pack

PR_SET_DUMPABLE, PR_SET_CHILD_SUBREAPER = 4, 36
CONTROL_CAP = 1 << 20
REQUEST_CAP = 1 << 30  # the grader's own requests


def prctl(option: int, value: int) -> None:
    ctypes.CDLL(None, use_errno=True).prctl(option, value, 0, 0, 0)


def send(sock: socket.socket, message: dict, fds: list[int] | None = None) -> None:
    frame = pack(message)
    if fds:
        socket.send_fds(sock, [frame], fds)
    else:
        sock.sendall(frame)


def receive(sock: socket.socket, cap: int):
    data, blobs = read_message(sock, cap)
    return decode(data, blobs, student_side=True, objects=Objects())


def main(argv: list[str]) -> None:
    submission, control_fd, scope = argv[0], int(argv[1]), argv[2]
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    prctl(PR_SET_DUMPABLE, 0)
    prctl(PR_SET_CHILD_SUBREAPER, 1)
    sys.path.insert(1, submission)  # it holds only hw_utils: it cannot shadow the trusted code
    control = socket.socket(fileno=control_fd)
    hello = receive(control, CONTROL_CAP)
    for module in hello["preload"]:
        try:
            importlib.import_module(module)
        except Exception:  # noqa: BLE001 - a check that needs it says so itself
            pass
    send(control, {"ready": os.getpid()})
    while True:
        try:
            order = receive(control, CONTROL_CAP)
        except ChannelClosed:  # the grader is done: leave nothing behind, then end
            reap(scope, hello["workdirs"])
            os._exit(0)
        if order["op"] == "fork":
            fork_run(control, order, hello["workdirs"])
        elif order["op"] == "reap":
            reap(scope, hello["workdirs"])
            send(control, {"clean": True})


def fork_run(control: socket.socket, order: dict, workdirs: str) -> None:
    ours, theirs = socket.socketpair()
    pid = os.fork()
    if pid == 0:
        control.close()
        ours.close()
        try:
            serve(theirs, order, workdirs)
        finally:
            os._exit(0)
    theirs.close()
    send(control, {"pid": pid}, fds=[ours.fileno()])
    ours.close()


def serve(sock: socket.socket, order: dict, workdirs: str) -> None:
    """One run: the limits, a fresh folder and random state, then the grader's requests."""
    limits = order["limits"]
    for name, value in (("RLIMIT_AS", limits["address_space_bytes"]),
                        ("RLIMIT_FSIZE", limits["file_bytes"]),
                        ("RLIMIT_NPROC", limits["processes"])):
        resource.setrlimit(getattr(resource, name), (value, value))
    prctl(PR_SET_CHILD_SUBREAPER, 1)
    folder = tempfile.mkdtemp(dir=workdirs)
    os.chdir(folder)
    os.environ.update(HOME=folder, TMPDIR=folder)
    tempfile.tempdir = folder
    random.seed()
    if "numpy" in sys.modules:
        sys.modules["numpy"].random.seed()
    objects = Objects()
    while True:
        try:
            data, blobs = read_message(sock, REQUEST_CAP)
        except ChannelClosed:
            return
        sock.sendall(respond(data, blobs, objects))


def respond(data, blobs, objects: Objects) -> bytes:
    """The reply to one request: ``{"ok": result}`` or ``{"error": {...}}``, packed."""
    try:
        result = execute(decode(data, blobs, student_side=True, objects=objects), objects)
    except SystemExit as error:
        return pack(failure("SystemExit", f"the code called sys.exit({describe(error)})"))
    except BaseException as error:  # noqa: BLE001 - the student's error, reported
        return pack(failure(type(error).__name__, describe(error)))
    try:
        return pack({"ok": result}, objects)
    except BaseException as error:  # noqa: BLE001 - a result that cannot be sent
        return pack(failure("ResultError", f"the result cannot be sent back: {describe(error)}"))


def failure(kind: str, message: str) -> dict:
    return {"error": {"type": kind[:80], "message": message,
                      "traceback": traceback.format_exc()[-6000:]}}


def describe(error: BaseException) -> str:
    try:
        return str(error)[:4000]
    except BaseException:  # noqa: BLE001 - an exception whose __str__ raises
        return "<unprintable>"


def reap(scope: str, workdirs: str) -> None:
    """Kill every process but this one (see the module's docstring); empty the working folders."""
    if scope == "namespace":
        os.kill(-1, signal.SIGKILL)  # everyone in the PID namespace but init and the caller
    else:
        for pid in descendants(os.getpid()):
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
    while True:
        try:
            os.waitpid(-1, 0)
        except ChildProcessError:
            break
    for name in os.listdir(workdirs):
        path = os.path.join(workdirs, name)
        if os.path.isdir(path) and not os.path.islink(path):
            shutil.rmtree(path, ignore_errors=True)
        else:
            try:
                os.unlink(path)
            except OSError:
                pass


def descendants(root: int) -> list[int]:
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
