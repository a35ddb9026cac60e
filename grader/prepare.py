"""The reference's side of every check, in one trusted process of the grader's own.

``python -m grader.prepare JOB OUT`` (run by the grader with the reference's root first on
``PYTHONPATH``, outside any sandbox). ``JOB`` (``hw_checks.host`` format) holds the registry,
the seed, the data sets and ``items``: ``{"check", "mode"}`` with

- ``"prepare"``: the check's inputs (``make_inputs`` on its data set, with the random generator
  seeded ``"{seed}:{check}"``), the reference's run of the stage's driver on them (its CPU
  seconds, its imports apart: the student's limit is a multiple of them) and the expected side,
  unless it waits for a submission that wants it; a check the reference fails is void;
- ``"expect"``: only the expected side, for the ``inputs`` given.

``hw_utils`` is dropped from ``sys.modules`` before each check, so each starts from a freshly
imported reference, as a run in the sandbox does. Writes ``OUT``.
"""
import importlib
import random
import sys
import time
import traceback
from pathlib import Path
from typing import Any

from grader.stages.check import RunAgain
from hw_checks.host import LocalHost, decode, pack, unpack_frame


def load_registry(registry: str) -> list:
    module_name, _, attribute = registry.partition(":")
    return list(getattr(importlib.import_module(module_name), attribute or "CHECKS"))


def fresh_reference() -> None:
    for name in [n for n in sys.modules if n == "hw_utils" or n.startswith("hw_utils.")]:
        del sys.modules[name]


def expected_side(check, inputs: dict, outputs: Any) -> Any:
    if check.expect == "reference":
        return outputs
    if check.expect is None:
        return None
    return check.expect(inputs, outputs)


def prepare(check, data, seed: int) -> dict:
    inputs = check.make_inputs(data, random.Random(f"{seed}:{check.name}"))
    inputs = decode(*unpack_frame(pack(inputs)), student_side=False)  # as the judge sees them
    fresh_reference()
    host = LocalHost()
    host.imports(list(check.stage.modules))
    started = time.process_time()
    outputs = check.stage.drive(host, inputs)
    result = {"inputs": inputs, "seconds": time.process_time() - started}
    if check.wants_expected is not None and not check.wants_expected(outputs):
        return result
    expected = expected_side(check, inputs, outputs)
    try:
        check.stage.verdict(outputs, expected, inputs)
    except RunAgain:
        pass  # within noise of a bar: not a failure (the quality bars' never is, by design)
    except AssertionError as failure:
        result["void"] = f"the reference fails it: {str(failure)[:600]}"
    result["expected"] = expected
    return result


def read(path: Path) -> Any:
    return decode(*unpack_frame(path.read_bytes()), student_side=False)


def main(argv: list[str]) -> int:
    from sodata import Dataset

    job = read(Path(argv[0]))
    checks = {check.name: check for check in load_registry(job["registry"])}
    datasets = {scale: Dataset(**{**fields, **{key: Path(fields[key]) for key in
                                               ("root", "train", "validation", "test",
                                                "vectors")}})
                for scale, fields in job["datasets"].items()}
    results = {}
    for item in job["items"]:
        check = checks[item["check"]]
        try:
            if item["mode"] == "prepare":
                results[check.name] = prepare(check, datasets[item["scale"]], job["seed"])
            else:
                results[check.name] = {"expected": expected_side(check, item["inputs"], None)}
        except BaseException as error:  # noqa: BLE001 - a broken reference or check: void
            results[check.name] = {"error": f"{type(error).__name__}: {error}"[:2000],
                                   "traceback": traceback.format_exc()[-6000:]}
    target = Path(argv[1])
    target.with_suffix(".tmp").write_bytes(pack(results))
    target.with_suffix(".tmp").replace(target)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
