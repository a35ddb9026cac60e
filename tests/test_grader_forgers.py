"""Zero work, forged: an untouched student release whose ``hw_utils/__init__.py`` rewrites, in its
own process, the student's side of the protocol so that every request gets a made-up answer
(the inputs echoed, empty or zero values, objects where objects are expected). The drivers run in
the grader's process and every verdict compares with the reference's answers on hidden inputs
(trainers: held-out data the sandbox never had), so none of it earns a point."""
import shutil
import sys
from pathlib import Path

import pytest

from grader.core import Grader, GraderConfig
from maintainers import release

pytestmark = [pytest.mark.slow,
              pytest.mark.skipif(not sys.platform.startswith("linux"), reason="needs Linux")]

PATCH = '''
import hw_checks.host as _host
import grader.host_server as _server


def _forged(request, objects):
    args = request.get("args") or []
    target = (request.get("target") or {}).get("name", "")
    if request.get("op") == "map":
        return [ANSWER(call, target) for call in args]
    if request.get("op") == "import":
        return None
    return ANSWER(args, target)


_host.execute = _server.execute = _forged
'''
FORGERS = {
    # the first argument back: a "predictions = targets" of any stage
    "echoes_its_inputs": "lambda args, target: args[0] if args else None",
    "empty_answers": "lambda args, target: []",
    "zero_answers": "lambda args, target: 0",
    # an object where the driver builds one (a class), an empty list otherwise
    "plausible_shapes": "lambda args, target: object() if target.split('.')[-1][:1].isupper() "
                        "else []",
}


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    base = tmp_path_factory.mktemp("forgers")
    stubs = base / "release"
    release.build(stubs)
    batch = []
    for name, answer in FORGERS.items():
        folder = base / name
        shutil.copytree(stubs / "hw_utils", folder / "hw_utils")
        init = folder / "hw_utils" / "__init__.py"
        init.write_text(init.read_text() + PATCH.replace("ANSWER", f"({answer})"))
        batch.append((name, folder))
    config = GraderConfig(seed=20261203, out_dir=base / "out", quiet=True)
    with Grader(config) as grader:
        return {report.name: report for report in grader.grade_many(batch)}


@pytest.mark.parametrize("name", sorted(FORGERS))
def test_a_forger_that_did_no_work_gets_nothing(graded, name):
    report = graded[name]
    passed = [r.name for r in report.results if r.status == "pass"]
    assert passed == [], passed
    assert report.total()[0] == 0 and report.part_points()["bonus"][0] == 0
