"""A batch split across jobs (a Slurm array): shard ``i`` of ``n`` grades every ``n``-th
submission of the batch's sorted list into a folder of its own, and ``merge`` builds one
``scores.csv`` and one summary from the shards.

    python -m grader --batch DIR --shard I/N --seed S --out OUT [--cache OUT/cache]
    python -m grader merge OUT

Shard ``i`` writes ``OUT/shard-<i>-of-<n>/``: its reports, its ``scores.csv`` and ``shard.json``
(the seed, the grading code's fingerprint and libraries, the settings that change a grade, the
whole batch's names and the shard's). Every shard generates the same hidden data (a fixed seed
gives the same data everywhere); a shared ``--cache`` makes it and the reference's side once.

``merge`` refuses shards that cannot be put side by side: graded with another seed, other code,
other libraries or settings, of another batch or split, or some missing. It writes
``OUT/scores.csv`` (the batch's order, the rows a one-process batch writes), ``OUT/reports/``
and ``OUT/summary.{md,json}``.
"""
from __future__ import annotations

import csv
import datetime
import json
import os
import re
import shutil
from dataclasses import dataclass, replace
from pathlib import Path

from grader.core import Grader, GraderConfig
from grader.report import write_csv
from grader.submissions import batch_entries, slug_of
from grader.summary import write_summary

MANIFEST = "shard.json"
FOLDER = re.compile(r"shard-(\d+)-of-(\d+)")
# What a grade follows from besides the submission: shards that differ in one cannot be merged.
SAME = ("seed", "code", "environment", "quality", "dataset", "isolation", "time_factor",
        "shards", "batch")


class ShardError(ValueError):
    """A shard that cannot be graded as asked, or shards that cannot be merged."""


@dataclass(frozen=True)
class Shard:
    index: int  # 1 .. count
    count: int

    @classmethod
    def parse(cls, text: str) -> Shard:
        """``"I/N"`` (1 <= I <= N): Slurm's ``$SLURM_ARRAY_TASK_ID/$SLURM_ARRAY_TASK_COUNT``
        with ``--array=1-N``."""
        match = re.fullmatch(r"\s*(\d+)\s*/\s*(\d+)\s*", text)
        if not match:
            raise ShardError(f"--shard {text!r}: write it I/N, e.g. 2/8 (shard 2 of 8)")
        index, count = int(match[1]), int(match[2])
        if not 1 <= index <= count:
            raise ShardError(f"--shard {text}: I must be between 1 and N ({count}); with Slurm, "
                             f"submit the array as --array=1-{max(count, 1)}")
        return cls(index, count)

    @property
    def folder_name(self) -> str:
        return f"shard-{self.index}-of-{self.count}"

    def pick(self, entries: list) -> list:
        """This shard's share of the batch's sorted entries: every ``count``-th from its index."""
        return entries[self.index - 1::self.count]


def grade_shard(folder: Path, shard: Shard, config: GraderConfig) -> list:
    """Grade shard ``shard`` of the batch ``folder`` into ``config.out_dir/shard-I-of-N``."""
    if config.seed is None:
        raise ShardError("--shard needs --seed: every shard must grade on the same hidden data")
    entries = batch_entries(folder)
    out = config.out_dir / shard.folder_name
    if out.exists():
        shutil.rmtree(out)  # a job run again (a requeued array task) starts clean
    config = replace(config, out_dir=out)
    mine = shard.pick(entries)
    with Grader(config) as grader:
        outcomes = grader.grade_many(mine)
        facts = {"seed": grader.seed, "code": grader.code, "environment": grader.environment}
    write_csv(outcomes, out / "scores.csv")
    manifest = {**facts, "shard": shard.index, "shards": shard.count, "quality": config.quality,
                "dataset": config.dataset, "isolation": config.isolation,
                "time_factor": config.time_factor, "batch": [name for name, _ in entries],
                "graded": [name for name, _ in mine],
                "graded_at": datetime.datetime.now().isoformat(timespec="seconds")}
    _write_json(out / MANIFEST, manifest)
    return outcomes


def read_shards(folder: Path) -> list[dict]:
    """Every shard's manifest under ``folder``, checked to belong together; sorted by index."""
    manifests = []
    for path in sorted(folder.glob(f"shard-*-of-*/{MANIFEST}")):
        try:
            manifest = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as error:
            raise ShardError(f"{path}: unreadable ({error}); grade that shard again") from None
        manifest["folder"] = path.parent
        manifests.append(manifest)
    if not manifests:
        raise ShardError(f"{folder}: no shard-I-of-N/{MANIFEST}: nothing to merge (did the "
                         f"array's jobs run with --out {folder}?)")
    first = manifests[0]
    for manifest in manifests[1:]:
        differs = [key for key in SAME if manifest.get(key) != first.get(key)]
        if differs:
            raise ShardError(
                f"{manifest['folder'].name} and {first['folder'].name} cannot be merged: their "
                f"{', '.join(differs)} differ ({_shown(differs, manifest)} against "
                f"{_shown(differs, first)}); grade every shard with the same code, seed and "
                f"settings")
    indices = sorted(m["shard"] for m in manifests)
    missing = sorted(set(range(1, first["shards"] + 1)) - set(indices))
    if missing:
        raise ShardError(f"{folder}: shards {', '.join(map(str, missing))} of "
                         f"{first['shards']} are missing (still running, or failed): grade them "
                         f"(sbatch --array={','.join(map(str, missing))} ...), then merge")
    return sorted(manifests, key=lambda m: m["shard"])


def _shown(keys: list[str], manifest: dict) -> str:
    return "; ".join(f"{key} {str(manifest.get(key))[:40]}" for key in keys)


def merge(folder: Path) -> dict:
    """One ``scores.csv``, ``reports/`` and summary in ``folder`` from its shards; the summary."""
    manifests = read_shards(folder)
    rows: dict[str, list[str]] = {}
    for manifest in manifests:
        with (manifest["folder"] / "scores.csv").open(newline="", encoding="utf-8") as stream:
            reader = csv.reader(stream)
            header = next(reader)
            shard_rows = list(reader)
        if len(shard_rows) != len(manifest["graded"]):
            raise ShardError(f"{manifest['folder']}/scores.csv has {len(shard_rows)} rows for "
                             f"{len(manifest['graded'])} submissions: grade that shard again")
        rows.update(zip(manifest["graded"], shard_rows))
    batch = manifests[0]["batch"]
    temporary = folder / f".scores.csv.{os.getpid()}.tmp"
    with temporary.open("w", newline="", encoding="utf-8") as stream:
        writer = csv.writer(stream)
        writer.writerow(header)
        writer.writerows(rows[name] for name in batch)
    temporary.replace(folder / "scores.csv")
    _merge_reports(folder, manifests, batch)
    first = manifests[0]
    return write_summary(folder, {key: first[key] for key in ("seed", "isolation", "quality")}
                         | {"code": first["code"][:12], "shards": first["shards"]})


def _merge_reports(folder: Path, manifests: list[dict], batch: list[str]) -> None:
    """``folder/reports/<slug>`` for every report of the shards, slugged as one process would."""
    found: dict[str, Path] = {}
    for manifest in manifests:
        for report in sorted((manifest["folder"] / "reports").glob("*/report.json")):
            found[json.loads(report.read_text(encoding="utf-8"))["name"]] = report.parent
    target = folder / "reports"
    staging = folder / f".reports.{os.getpid()}"
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir()
    slugs: set[str] = set()
    for name in (name for name in batch if name in found):
        shutil.copytree(found[name], staging / slug_of(name, slugs))
    shutil.rmtree(target, ignore_errors=True)
    staging.rename(target)


def _write_json(path: Path, content: dict) -> None:
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    temporary.write_text(json.dumps(content, indent=1) + "\n", encoding="utf-8")
    temporary.replace(path)
