"""File locks that say when they wait: a second download or generation of the same thing."""
import sys

from filelock import FileLock, Timeout


def acquire_saying(lock: FileLock, doing: str) -> None:
    """Take ``lock``; when another process holds it, say that it is ``doing`` and wait for it."""
    try:
        lock.acquire(timeout=0)
    except Timeout:
        print(f"another process is {doing} (it holds {lock.lock_file}); waiting for it to finish "
              f"(Ctrl-C to stop waiting)", file=sys.stderr, flush=True)
        lock.acquire()
