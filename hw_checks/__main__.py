"""Self-checks of every graded stage: ``python -m hw_checks [STAGE ...]`` (``make selfcheck``).

Runs ``TaskTests.test_stage`` for each stage stored in ``test_gt.json`` (your ``hw_utils`` on the
stored inputs, judged against the stored answers) and prints one line per stage: PASS, TODO (a
template still raises ``NotImplementedError``) or FAIL with what was expected. Exits 1 unless
every stage passes. On GitHub Actions (the release's Classroom workflow runs it on every push)
each failing stage is also an error annotation and the table goes to the job's summary.

These are self-checks on stored inputs: the grader's final grades use hidden data of its own and
the course's quality bars.
"""
import argparse
import os
import sys
from pathlib import Path

from hw_checks import TaskTests
from hw_checks.stages import STAGES

STATUS_WIDTH = 5


def outcome(tests: TaskTests, name: str) -> tuple[str, str]:
    """(PASS | TODO | FAIL, the first line of what went wrong) for one stage."""
    try:
        tests.test_stage(name)
    except NotImplementedError as error:
        return "TODO", str(error).splitlines()[0] if str(error) else "NotImplementedError"
    except AssertionError as error:
        return "FAIL", str(error).strip().splitlines()[0] if str(error).strip() else "failed"
    except Exception as error:  # noqa: BLE001 - the student's code raised: that stage fails
        return "FAIL", f"{type(error).__name__}: {error}".splitlines()[0]
    return "PASS", ""


def annotate(results: list[tuple[str, str, str]]) -> None:
    """GitHub Actions: an error annotation per failing stage, the table in the job's summary."""
    for name, status, message in results:
        if status != "PASS":
            clean = message.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
            print(f"::error title={name} {status}::{clean}")
    summary = os.environ.get("GITHUB_STEP_SUMMARY")
    if summary:
        with open(summary, "a", encoding="utf-8") as stream:
            stream.write("| stage | result | what went wrong |\n|---|---|---|\n")
            for name, status, message in results:
                cell = message.replace("|", "\\|")[:300]
                stream.write(f"| `{name}` | {status} | {cell} |\n")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m hw_checks", description=__doc__
                                     .splitlines()[0])
    parser.add_argument("stages", nargs="*", help="stages to check (default: every stored one)")
    parser.add_argument("--gt", type=Path, default=Path("test_gt.json"),
                        help="the ground truth file (default: test_gt.json)")
    args = parser.parse_args(argv)
    tests = TaskTests.from_json(args.gt)
    stored = [stage.name for stage in STAGES if stage.name in tests.gt["checks"]]
    unknown = sorted(set(args.stages) - set(stored))
    if unknown:
        parser.error(f"no stored stage {', '.join(unknown)}: the stages are {', '.join(stored)}")
    results = [(name, *outcome(tests, name)) for name in (args.stages or stored)]
    width = max(len(name) for name, _, _ in results)
    for name, status, message in results:
        print(f"{name:<{width}}  {status:<{STATUS_WIDTH}} {message[:160]}".rstrip())
    passed = sum(status == "PASS" for _, status, _ in results)
    print(f"\n{passed} of {len(results)} stages pass")
    if os.environ.get("GITHUB_ACTIONS") == "true":
        annotate(results)
    return 0 if passed == len(results) else 1


if __name__ == "__main__":
    sys.exit(main())
