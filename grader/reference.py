"""The reference's side of every check, in one trusted process of the grader's own.

``python -m grader.reference IN OUT`` (run by the grader with the reference's folder first
on ``PYTHONPATH``, outside any sandbox). ``IN`` holds the registry and ``{"check", "inputs",
"mode"}`` items:

- ``"prepare"``: run the check's ``observe`` with the reference ``hw_utils`` (timed, imports
  left out: the submission's time limit is a multiple of it) and its ``expect`` where that is ``observe`` or
  ``None``, or where ``wants_expected`` holds for the reference's own outputs (else the expected
  side waits until a submission's outputs want it: a bonus item's baseline is trained only
  when some submission attempts the item). Records which ``hw_utils`` modules the check imports
  and the top-level modules its import statements name (the sandbox imports those before
  forking its two runs, so they are paid for once).
- ``"expect"``: only ``check.expected(inputs)``.

``hw_utils`` is dropped from ``sys.modules`` before each check, so every check starts from a
freshly imported reference, as it does in the sandbox. Writes ``OUT`` (JSON).
"""
import builtins
import contextlib
import importlib
import json
import sys
import time
import traceback
from pathlib import Path

from grader.child import find_check


def _top_level(names) -> set[str]:
    return {name.partition(".")[0] for name in names if not name.startswith("_")}


def _fresh_reference() -> None:
    for name in [n for n in sys.modules if n == "hw_utils" or n.startswith("hw_utils.")]:
        del sys.modules[name]


def _wants(check, outputs) -> bool:
    if check.expect == "observe" or check.expect is None:
        return True
    try:
        return bool(check.wants_expected(outputs))
    except Exception:
        return False


@contextlib.contextmanager
def imports_seen():
    """The top-level names of every import statement run inside (loaded before or not), and
    the seconds spent importing (``seen["seconds"]``; the sandbox imports before timing)."""
    seen: dict = {"names": set(), "seconds": 0.0, "depth": 0}
    original = builtins.__import__

    def recording(name, globals=None, locals=None, fromlist=(), level=0):
        if level == 0:
            seen["names"].add(name.partition(".")[0])
        seen["depth"] += 1
        started = time.perf_counter()
        try:
            return original(name, globals, locals, fromlist, level)
        finally:
            seen["depth"] -= 1
            if seen["depth"] == 0:
                seen["seconds"] += time.perf_counter() - started

    builtins.__import__ = recording
    try:
        yield seen
    finally:
        builtins.__import__ = original


def prepare(check, inputs) -> dict:
    _fresh_reference()
    before = set(sys.modules)
    with imports_seen() as seen:
        started = time.perf_counter()
        outputs = check.observe(inputs)
        seconds = time.perf_counter() - started - seen["seconds"]
    json.dumps(outputs)
    new = set(sys.modules) - before
    needs = (_top_level(new) | seen["names"]) & set(sys.modules)
    result = {"outputs": outputs, "seconds": seconds,
              "modules": sorted(n for n in new if n == "hw_utils" or n.startswith("hw_utils.")),
              "needs": sorted(needs - {"hw_utils", "__main__", "builtins", "sys"})}
    if _wants(check, outputs):
        result.update(expect(check, inputs))
    return result


def expect(check, inputs) -> dict:
    started = time.perf_counter()
    expected = check.expected(inputs)
    json.dumps(expected)
    return {"expected": expected, "expect_seconds": time.perf_counter() - started}


def main(argv: list[str]) -> int:
    source, target = Path(argv[0]), Path(argv[1])
    job = json.loads(source.read_text(encoding="utf-8"))
    registry = job["registry"]
    before = set(sys.modules)
    importlib.import_module(registry.partition(":")[0])
    base = sorted(_top_level(set(sys.modules) - before) - {"hw_utils"})
    results = {}
    for item in job["checks"]:
        check = find_check(registry, item["check"])
        try:
            run = prepare if item.get("mode", "prepare") == "prepare" else expect
            results[item["check"]] = run(check, item["inputs"])
        except BaseException as error:  # a broken reference or check: the grader voids it
            results[item["check"]] = {"error": f"{type(error).__name__}: {error}",
                                      "traceback": traceback.format_exc()[-6000:]}
    tmp = target.with_suffix(".tmp")
    tmp.write_text(json.dumps({"base": base, "checks": results}), encoding="utf-8")
    tmp.replace(target)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
