"""A batch in shards (grader/shards.py) and through a real Slurm job array (grader/slurm.py,
grader/sbatch/): the merged scores.csv is the one-process batch's, row for row; merge refuses
shards that do not belong together; the reference's cache is made once and refused to other
code. The red team's small grader root keeps each grading quick."""
import contextlib
import csv
import dataclasses
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from grader.cache import CacheRefused, ReferenceCache
from grader.core import grade_batch
from grader.shards import Shard, ShardError, grade_shard, merge
from grader.slurm import SlurmError, submit
from tests.slurm_cluster import ClusterUnavailable, one_node_cluster
from tests.test_grader_redteam import GOOD, HONEST, REGISTRY, config_for, make_package

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="needs Linux")
REPO = Path(__file__).resolve().parents[1]
MODULE = "checks_for_shard_tests"  # a name of its own: other tests import theirs
SEED = 424242


@pytest.fixture(scope="module")
def batch(tmp_path_factory) -> dict:
    base = tmp_path_factory.mktemp("shards")
    root = base / "root"
    make_package(root, GOOD)
    (root / f"{MODULE}.py").write_text(REGISTRY)
    folder = base / "batch"
    make_package(folder / "alice", GOOD)
    make_package(folder / "bob", HONEST)
    make_package(folder / "carol", "def total(values):\n    return sum(values) +\n")  # broken
    make_package(folder / "dave dee", HONEST.replace("return sum(values)", "return 0"))
    make_package(folder / "dave_dee", GOOD)  # the same slug as "dave dee": numbered
    (folder / "erin").mkdir()  # no hw_utils: a row, not graded
    make_package(base / "zipped", GOOD)
    shutil.make_archive(str(folder / "frank"), "zip", base / "zipped")
    return {"base": base, "root": root, "batch": folder}


def config(batch: dict, out: Path, **changes):
    return config_for(batch["root"], out, registry=f"{MODULE}:CHECKS", seed=SEED, **changes)


def rows(path: Path) -> list[list[str]]:
    with path.open(newline="") as stream:
        return list(csv.reader(stream))


@pytest.fixture(scope="module")
def one_process(batch) -> Path:
    out = batch["base"] / "one"
    grade_batch(batch["batch"], config(batch, out))
    return out


def test_shard_numbers_are_checked_with_a_hint():
    assert Shard.parse("2/8") == Shard(2, 8) and Shard.parse(" 1 / 1 ").pick([5]) == [5]
    assert Shard(2, 3).pick(list(range(8))) == [1, 4, 7]
    with pytest.raises(ShardError, match="--array=1-8"):
        Shard.parse("0/8")
    with pytest.raises(ShardError, match="write it I/N"):
        Shard.parse("2-8")


def test_shards_merged_equal_the_one_process_batch(batch, one_process, tmp_path):
    out = tmp_path / "array"
    for index in (3, 1, 2):  # in any order
        grade_shard(batch["batch"], Shard(index, 3), config(batch, out, cache=out / "cache"))
    summary = merge(out)
    assert rows(out / "scores.csv") == rows(one_process / "scores.csv")
    names = [row[0] for row in rows(out / "scores.csv")[1:]]
    assert names == ["alice", "bob", "carol", "dave dee", "dave_dee", "erin", "frank"]
    assert summary["graded"] == 6 and summary["full_marks"] == 3 and summary["shards"] == 3
    assert "erin" in summary["not_graded"]
    reports = sorted(p.name for p in (out / "reports").iterdir())
    assert reports == sorted(p.name for p in (one_process / "reports").iterdir())
    assert "dave_dee-2" in reports
    assert (out / "summary.md").read_text().count("\n") > 5
    assert json.loads((one_process / "summary.json").read_text())["graded"] == 6
    # The cache: the reference's side computed by the first shard, read by the others.
    assert len(list((out / "cache").glob("reference-*.bin"))) == 1
    assert len(list((out / "cache").glob("data-seed*/standin-tiny/train.tsv"))) == 1


def test_merge_refuses_shards_that_do_not_belong_together(batch, tmp_path):
    out = tmp_path / "array"
    for index in (1, 2):
        grade_shard(batch["batch"], Shard(index, 2), config(batch, out))
    manifest = out / "shard-2-of-2" / "shard.json"
    content = json.loads(manifest.read_text())
    manifest.write_text(json.dumps({**content, "seed": SEED + 1}))
    with pytest.raises(ShardError, match="seed differ"):
        merge(out)
    manifest.write_text(json.dumps({**content, "code": "0" * 64}))
    with pytest.raises(ShardError, match="code differ"):
        merge(out)
    manifest.unlink()
    with pytest.raises(ShardError, match="shards 2 of 2 are missing"):
        merge(out)
    assert not (out / "scores.csv").exists()
    with pytest.raises(ShardError, match="needs --seed"):
        grade_shard(batch["batch"], Shard(1, 2), dataclasses.replace(config(batch, out),
                                                                     seed=None))


def test_a_cache_of_other_code_is_refused(tmp_path):
    ReferenceCache(tmp_path / "cache", "a" * 64, {"torch": "1"})
    with pytest.raises(CacheRefused, match="made by other grading code"):
        ReferenceCache(tmp_path / "cache", "b" * 64, {"torch": "1"})
    with pytest.raises(CacheRefused, match="made by other grading code"):
        ReferenceCache(tmp_path / "cache", "a" * 64, {"torch": "2"})
    (tmp_path / "busy").mkdir()
    (tmp_path / "busy" / "notes.txt").write_text("mine")
    with pytest.raises(CacheRefused, match="not a grader's cache"):
        ReferenceCache(tmp_path / "busy", "a" * 64, {})


def test_the_command_line_needs_a_seed_and_an_out_for_a_shard(batch, capsys):
    from grader import cli

    assert cli.main(["--batch", str(batch["batch"]), "--shard", "1/2"]) == 2
    assert "--shard needs --batch, --out" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        cli.main(["--batch", str(batch["batch"]), "--shard", "3/2", "--seed", "1"])
    assert "between 1 and N" in capsys.readouterr().err
    assert cli.main(["merge", str(batch["base"] / "nothing-here")]) == 2
    assert "nothing to merge" in capsys.readouterr().err


def test_slurm_refuses_an_empty_batch_and_more_shards_than_submissions(batch, tmp_path):
    (tmp_path / "empty").mkdir()
    with pytest.raises(SlurmError, match="holds no submissions"):
        submit(tmp_path / "empty", 2, tmp_path / "out", SEED, [])
    with pytest.raises(SlurmError, match=r"--shards 99: use 1 to \d+"):
        submit(batch["batch"], 99, tmp_path / "out", SEED, [])
    assert not (tmp_path / "out").exists()  # refused before anything was written or submitted


@pytest.mark.slow
def test_a_slurm_job_array_grades_the_batch_as_one_process_does(batch, one_process, tmp_path):
    """The real sbatch path (one-node cluster, three array tasks and the merge) kept cheap: the
    small grader root's checks, no quality bars (--no-quality), the tiny batch above."""
    out = tmp_path / "slurm"
    command = [sys.executable, "-m", "grader.slurm", "--batch", str(batch["batch"]),
               "--shards", "3", "--seed", str(SEED), "--out", str(out), "--wait",
               "--grader-args", f"--registry {MODULE}:CHECKS --root {batch['root']} "
                                f"--time-factor 10 --no-quality",
               "--", "--cpus-per-task=1", "--mem=1G", "--time=30"]
    with contextlib.ExitStack() as stack:
        try:
            env = stack.enter_context(one_node_cluster(tmp_path / "cluster"))
        except ClusterUnavailable as reason:
            pytest.skip(f"no one-node Slurm cluster here: {reason}")
        done = subprocess.run(command, cwd=REPO, env={**env, "GRADER_PYTHON": sys.executable},
                              capture_output=True, text=True, timeout=1800)
    logs = "\n".join(p.read_text()[-1500:] for p in sorted(out.glob("slurm-*.out")))
    assert done.returncode == 0, done.stdout + done.stderr + logs
    assert sorted(p.name for p in out.glob("shard-*")) == [f"shard-{i}-of-3" for i in (1, 2, 3)]
    assert rows(out / "scores.csv") == rows(one_process / "scores.csv"), logs
    assert json.loads((out / "summary.json").read_text())["shards"] == 3
