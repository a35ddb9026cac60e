"""A batch's summary, from its ``scores.csv``: how many were graded, full marks, the mean of each
part, who was not graded. Written beside ``scores.csv`` as ``summary.md`` and ``summary.json`` by
a one-process batch and by the merge of a sharded one (``grader.shards``), so both say the same."""
from __future__ import annotations

import csv
import json
import os
from pathlib import Path

from grader.points import PART_POINTS, PART_TITLES
from grader.report import one_line


def read_scores(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as stream:
        return list(csv.DictReader(stream))


def summarise(rows: list[dict[str, str]], facts: dict) -> dict:
    """The figures of a batch's ``scores.csv`` rows; ``facts`` (seed, code, shards) kept as
    given."""
    graded = [row for row in rows if row["status"] == "graded"]
    columns = [*PART_POINTS, "total"]
    mean = {column: round(sum(float(row[column]) for row in graded) / len(graded), 3)
            if graded else 0.0 for column in columns}
    return {**facts, "submissions": len(rows), "graded": len(graded),
            "full_marks": sum(row["total"] == row["max"] for row in graded),
            "mean_points": mean,
            "max_points": {part: points for part, points in PART_POINTS.items()},
            "not_graded": {row["submission"]: row["status"] for row in rows
                           if row["status"] != "graded"}}


def markdown(summary: dict) -> str:
    lines = ["# Grading summary", ""]
    lines += [f"- {key}: {value}" for key, value in summary.items()
              if key in ("seed", "isolation", "quality", "code", "shards")]
    lines += [f"- {summary['graded']} of {summary['submissions']} submissions graded, "
              f"{summary['full_marks']} with full marks (Parts 1-3)", "",
              "| part | mean points | of |", "|---|---|---|"]
    for part, points in summary["max_points"].items():
        lines.append(f"| {PART_TITLES[part]} | {summary['mean_points'][part]:g} | {points:g} |")
    lines.append(f"| Total (Parts 1-3) | {summary['mean_points']['total']:g} | "
                 f"{sum(v for p, v in summary['max_points'].items() if p != 'bonus'):g} |")
    if summary["not_graded"]:
        lines += ["", "## Not graded", ""]
        lines += [f"- `{one_line(name, 80)}`: {one_line(status, 300)}"
                  for name, status in summary["not_graded"].items()]
    return "\n".join(lines) + "\n"


def write_summary(folder: Path, facts: dict) -> dict:
    """``summary.json`` and ``summary.md`` from ``folder/scores.csv``; the summary."""
    summary = summarise(read_scores(folder / "scores.csv"), facts)
    for name, text in (("summary.json", json.dumps(summary, indent=1) + "\n"),
                       ("summary.md", markdown(summary))):
        temporary = folder / f".{name}.{os.getpid()}.tmp"
        temporary.write_text(text, encoding="utf-8")
        temporary.replace(folder / name)
    return summary
