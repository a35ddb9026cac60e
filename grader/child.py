"""The sandbox's entry point: run one check's ``observe`` on the submission, twice, in parallel.

Runs inside the sandbox as ``python -s -P -c CHILD TRUSTED SPEC SUBMISSION FD...`` (``CHILD`` in
grader/core.py puts ``TRUSTED`` first on ``sys.path`` and calls ``main``; no user site,
no script folder on ``sys.path``; the environment is the grader's, built from nothing).
Trusted until it imports ``hw_utils``:

1. read the spec (the check, its inputs, where things are mounted), set the per-process limits
   (address space, file size, no core files, processes);
2. ``sys.path``: the trusted code first, then the submission's folder (only ``hw_utils`` in it);
3. import the third-party modules the check needs (``preload``), never ``hw_utils``, then fork one
   process per result channel, each with fresh random state (as a fresh interpreter has);
4. each run imports the submission's ``hw_utils`` modules the check uses and sends an ``imported``
   frame, calls ``observe(inputs)`` and sends the raw outputs (or the error it raised).

From step 4 on the process runs the submission's code and is untrusted: the grader treats every
frame as data, judges outputs against the reference's on inputs the submission never saw, and
enforces every limit from outside.
"""
import importlib
import json
import os
import random
import resource
import struct
import sys
import traceback

FRAME_HEADER = struct.Struct(">I")


def send(fd: int, message: dict) -> None:
    """One frame: 4-byte big-endian length, then the JSON."""
    data = json.dumps(message).encode("utf-8")
    view = memoryview(FRAME_HEADER.pack(len(data)) + data)
    while view:
        view = view[os.write(fd, view):]


def set_limits(limits: dict) -> None:
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    for name, value in (("RLIMIT_AS", limits["address_space_bytes"]),
                        ("RLIMIT_FSIZE", limits["file_bytes"]),
                        ("RLIMIT_NPROC", limits["processes"])):
        resource.setrlimit(getattr(resource, name), (value, value))


def describe(error: BaseException) -> str:
    try:
        return str(error)[:4000]
    except BaseException:  # a submission's exception whose __str__ raises
        return "<unprintable>"


def observe(spec: dict, fd: int) -> None:
    """One run (in a forked process): import the submission, observe, send; never returns."""
    random.seed()  # a fresh interpreter's random state: two runs do not share it
    if "numpy" in sys.modules:
        sys.modules["numpy"].random.seed()
    try:
        try:
            for module in spec["modules"]:
                importlib.import_module(module)
        except Exception:  # the check's own import reports it with its traceback
            pass
        send(fd, {"event": "imported"})
        check = find_check(spec["registry"], spec["check"])
        outputs = check.observe(spec["inputs"])
        try:
            message = {"event": "outputs", "outputs": outputs}
            json.dumps(message)
        except (TypeError, ValueError) as error:
            message = {"event": "error", "type": "ResultError", "message":
                       f"observe returned a value that is not JSON-serialisable: "
                       f"{describe(error)}", "traceback": ""}
    except SystemExit as error:
        message = {"event": "error", "type": "SystemExit",
                   "message": f"the code called sys.exit({describe(error)})",
                   "traceback": traceback.format_exc()[-6000:]}
    except BaseException as error:
        message = {"event": "error", "type": type(error).__name__, "message": describe(error),
                   "traceback": traceback.format_exc()[-6000:]}
    try:
        send(fd, message)
    finally:
        for stream in (sys.stdout, sys.stderr):
            try:
                stream.flush()
            except BaseException:
                pass
        os._exit(0)


def find_check(registry: str, name: str):
    module_name, _, attribute = registry.partition(":")
    checks = getattr(importlib.import_module(module_name), attribute or "CHECKS")
    return next(check for check in checks if check.name == name)


def main(argv: list[str]) -> None:
    """``argv``: the spec, the folder holding the submission's ``hw_utils``, the channels' fds.
    The trusted code's folder is already first on ``sys.path``."""
    with open(argv[0], encoding="utf-8") as stream:
        spec = json.load(stream)
    channels = [int(fd) for fd in argv[2:]]
    set_limits(spec["limits"])
    sys.path.insert(1, argv[1])  # holds only hw_utils: it cannot shadow the trusted code
    for module in spec["preload"]:
        try:
            importlib.import_module(module)
        except Exception:
            pass
    find_check(spec["registry"], spec["check"])  # the check's own module, before the forks
    children = []
    for fd in channels:
        pid = os.fork()
        if pid == 0:
            for other in channels:
                if other != fd:
                    os.close(other)
            observe(spec, fd)
        children.append(pid)
    for fd in channels:
        os.close(fd)
    for pid in children:
        os.waitpid(pid, 0)


if __name__ == "__main__":
    main(sys.argv[1:])
