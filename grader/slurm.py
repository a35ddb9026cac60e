"""Submit a batch to Slurm: the job array of ``grader/sbatch/grade.sbatch`` (one shard a task) and,
after it, ``grader/sbatch/merge.sbatch`` (one ``scores.csv`` and summary).

    python -m grader.slurm --batch DIR --shards N [--seed S] [--out OUT] [--wait] [-- SBATCH...]
    make slurm SUBMISSIONS=DIR SHARDS=N [SEED=S] [OUT=dir]

Without ``--seed`` a random seed is drawn here, once, and given to every task. Options after
``--`` go to both ``sbatch`` calls (``--partition``, ``--account``, ...). ``--wait`` returns when
the merge has run (its exit status).
"""
from __future__ import annotations

import argparse
import datetime
import os
import secrets
import shutil
import subprocess
import sys
from pathlib import Path

from grader.submissions import SubmissionError, batch_entries

REPO_ROOT = Path(__file__).resolve().parents[1]
SCRIPTS = REPO_ROOT / "grader" / "sbatch"


class SlurmError(RuntimeError):
    """sbatch is missing or refused a job."""


def sbatch(arguments: list[str], env: dict[str, str]) -> str:
    """Run ``sbatch --parsable ARGUMENTS`` from the repository's root; the job's id."""
    if shutil.which("sbatch") is None:
        raise SlurmError("sbatch is not on PATH: run this on a Slurm login node (or grade on "
                         "one machine: make check SUBMISSIONS=dir/)")
    done = subprocess.run(["sbatch", "--parsable", *arguments], cwd=REPO_ROOT, env=env,
                          capture_output=True, text=True)
    if done.returncode != 0:
        raise SlurmError(f"sbatch {' '.join(arguments)} failed: {done.stderr.strip()}")
    return done.stdout.strip().split(";")[0]


def submit(batch: Path, shards: int, out: Path, seed: int, extra: list[str],
           grader_args: str = "", wait: bool = False) -> tuple[str, str]:
    """Submit the array and the merge after it; (array job id, merge job id)."""
    count = len(batch_entries(batch))
    if count == 0:
        raise SlurmError(f"--batch {batch} holds no submissions (sub-folders or zips): nothing "
                         f"to grade")
    if not 1 <= shards <= count:
        raise SlurmError(f"--shards {shards}: use 1 to {count} (the batch holds {count} "
                         f"submissions)")
    out.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, "GRADER_ARGS": grader_args}
    array = sbatch([f"--array=1-{shards}", f"--output={out}/slurm-grade-%A_%a.out", *extra,
                    str(SCRIPTS / "grade.sbatch"), str(batch), str(out), str(seed)], env)
    merge = sbatch([f"--dependency=afterok:{array}", "--kill-on-invalid-dep=yes",
                    f"--output={out}/slurm-merge-%j.out",
                    *(["--wait"] if wait else []), *extra, str(SCRIPTS / "merge.sbatch"),
                    str(out)], env)
    return array, merge


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    extra = argv[argv.index("--") + 1:] if "--" in argv else []
    parser = argparse.ArgumentParser(prog="python -m grader.slurm", description=__doc__
                                     .splitlines()[0])
    parser.add_argument("--batch", type=Path, required=True, help="the folder of submissions")
    parser.add_argument("--shards", type=int, required=True, help="array tasks (shards)")
    parser.add_argument("--seed", type=int, default=None, help="default: drawn once, here")
    parser.add_argument("--out", type=Path, default=None,
                        help="the array's common folder (default dist/grading/slurm-<time>)")
    parser.add_argument("--grader-args", default="",
                        help="more options of python -m grader for every task (--no-quality)")
    parser.add_argument("--wait", action="store_true", help="return when the merge has run")
    args = parser.parse_args(argv[:argv.index("--")] if "--" in argv else argv)
    seed = args.seed if args.seed is not None else secrets.randbelow(2**31)
    out = (args.out or REPO_ROOT / "dist" / "grading" /
           f"slurm-{datetime.datetime.now():%Y%m%d-%H%M%S}").resolve()
    try:
        array, merge = submit(args.batch.resolve(), args.shards, out, seed, extra,
                              args.grader_args, args.wait)
    except (SlurmError, SubmissionError) as error:
        print(f"grader.slurm: {error}", file=sys.stderr)
        return 2
    print(f"array job {array} ({args.shards} shards, seed {seed}), merge job {merge}: "
          f"{out}/scores.csv and {out}/summary.md when done")
    return 0


if __name__ == "__main__":
    sys.exit(main())
