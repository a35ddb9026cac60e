"""The reference's side of every check, in one trusted process of the grader's own.

``python -m tools.grading.reference IN OUT`` (run by the grader with the reference's folder first
on ``PYTHONPATH``, outside any sandbox): for each ``{"check", "inputs"}`` of ``IN`` it runs the
check's ``observe`` with the reference ``hw_utils`` (timed: the submission's time limit is a
multiple of it), and ``expect`` where that is not ``observe``. It records which ``hw_utils``
modules the check imports and which other top-level modules it needed (the sandbox imports
those before forking its two runs, so they are paid for once). Writes ``OUT`` (JSON).

``hw_utils`` is dropped from ``sys.modules`` before each check, so every check starts from a
freshly imported reference, as it does in the sandbox.
"""
import importlib
import json
import sys
import time
import traceback
from pathlib import Path

from tools.grading.child import find_check


def _top_level(names) -> set[str]:
    return {name.partition(".")[0] for name in names if not name.startswith("_")}


def run_one(check, inputs) -> dict:
    for name in [n for n in sys.modules if n == "hw_utils" or n.startswith("hw_utils.")]:
        del sys.modules[name]
    before = set(sys.modules)
    try:
        started = time.perf_counter()
        outputs = check.observe(inputs)
        seconds = time.perf_counter() - started
        json.dumps(outputs)
        expected = outputs if check.expect == "observe" else check.expected(inputs)
        json.dumps(expected)
    except BaseException as error:  # a broken reference or check: the grader voids the check
        return {"error": f"{type(error).__name__}: {error}",
                "traceback": traceback.format_exc()[-6000:]}
    new = set(sys.modules) - before
    return {"outputs": outputs, "expected": expected, "seconds": seconds,
            "modules": sorted(n for n in new if n == "hw_utils" or n.startswith("hw_utils.")),
            "needs": sorted(_top_level(new) - {"hw_utils", "__main__"})}


def main(argv: list[str]) -> int:
    source, target = Path(argv[0]), Path(argv[1])
    job = json.loads(source.read_text(encoding="utf-8"))
    registry = job["registry"]
    module = registry.partition(":")[0]
    before = set(sys.modules)
    importlib.import_module(module)
    base = sorted(_top_level(set(sys.modules) - before) - {"hw_utils"})
    results = {}
    for item in job["checks"]:
        results[item["check"]] = run_one(find_check(registry, item["check"]), item["inputs"])
    tmp = target.with_suffix(".tmp")
    tmp.write_text(json.dumps({"base": base, "checks": results}), encoding="utf-8")
    tmp.replace(target)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
