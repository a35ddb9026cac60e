"""What grading produces: per-check results, a terminal table, report.json, report.md, scores.csv.

Reports are written by the grader after every process of the submission is dead, into the
grader's output folder, which no sandbox mounts.
"""
import csv
import dataclasses
import json
import os
from dataclasses import dataclass, field
from pathlib import Path

from grader.points import MAIN_PARTS, PART_POINTS, PART_TITLES, part_totals


@dataclass
class CheckResult:
    name: str
    part: str
    status: str  # "pass" | "fail" | "n/a" (not for this data set) | "void" (a grader problem)
    points: float
    max_points: float
    reason: str = ""
    error_type: str = ""  # the exception's class, "Timeout", "Crash", "Nondeterministic", ...
    seconds: float = 0.0
    cpu_seconds: float = 0.0  # both runs and the sandbox's start, all processes
    limit_seconds: float = 0.0  # wall clock
    cpu_limit_seconds: float = 0.0  # CPU time of the whole sandbox (both runs)
    runs_agree: bool | None = None  # the two runs' outputs were equal (None: not both ran)
    output_tail: str = ""
    output_bytes: int = 0
    traceback: str = ""


@dataclass
class Report:
    name: str
    submission: str
    dataset: str
    seed: int
    results: list[CheckResult]
    sandboxed: bool = True
    notes: list[str] = field(default_factory=list)
    graded_at: str = ""
    seconds: float = 0.0

    def part_points(self) -> dict[str, tuple[float, float]]:
        return part_totals((r.part, r.points, r.max_points) for r in self.results)

    def total(self) -> tuple[float, float]:
        parts = self.part_points()
        return (round(sum(parts[p][0] for p in MAIN_PARTS), 4),
                sum(parts[p][1] for p in MAIN_PARTS))

    @property
    def full_marks(self) -> bool:
        """Every check of Parts 1-3 passes (or does not apply); the bonus is extra."""
        main = [r for r in self.results if r.part in MAIN_PARTS]
        return bool(main) and all(r.status in ("pass", "n/a") for r in main)

    def to_json(self) -> dict:
        parts = self.part_points()
        total, available = self.total()
        return {
            "name": self.name, "submission": self.submission, "dataset": self.dataset,
            "seed": self.seed, "sandboxed": self.sandboxed, "graded_at": self.graded_at,
            "seconds": round(self.seconds, 1),
            "points": {part: {"earned": e, "max": m} for part, (e, m) in parts.items()},
            "total": {"earned": total, "max": available, "bonus": parts["bonus"][0]},
            "checks": [dataclasses.asdict(result) for result in self.results],
            "notes": self.notes,
        }


def _points(value: float) -> str:
    return f"{value:.2f}".rstrip("0").rstrip(".")


def one_line(text: str, limit: int = 160) -> str:
    line = " ".join(str(text).split())
    return line if len(line) <= limit else line[:limit - 1] + "…"


def _header(report: Report) -> str:
    where = "in a sandbox" if report.sandboxed else "UNSAFE: without a sandbox (--unsafe)"
    data = ("the real data" if report.dataset == "real" else
            f"stand-in data ({report.dataset.replace('+', ', ')}) generated with seed {report.seed}")
    return f"Grading '{report.name}' on {data}, {where}"


def format_table(report: Report) -> str:
    rows = [("check", "points", "result", "reason")]
    for r in report.results:
        rows.append((r.name, f"{_points(r.points)}/{_points(r.max_points)}", r.status.upper(),
                     one_line(r.reason, 90)))
    widths = [max(len(row[i]) for row in rows) for i in range(3)]
    lines = [_header(report), ""]
    for index, row in enumerate(rows):
        lines.append("  ".join(cell.ljust(widths[i]) for i, cell in enumerate(row[:3]))
                     + "  " + row[3])
        if index == 0:
            lines.append("  ".join("-" * w for w in widths) + "  " + "-" * 6)
    lines.append("")
    parts = report.part_points()
    for part, (earned, available) in parts.items():
        lines.append(f"{PART_TITLES[part]:<48} {earned:g} / {available:g}")
    total, available = report.total()
    lines.append(f"{'Total':<48} {total:g} / {available:g}  (+ bonus {parts['bonus'][0]:g})")
    lines += [f"note: {note}" for note in report.notes]
    return "\n".join(lines)


def _md(text: str) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def format_markdown(report: Report) -> str:
    total, available = report.total()
    parts = report.part_points()
    lines = [f"# Grading report: {report.name}", "", f"- {_header(report)}",
             f"- Graded at {report.graded_at} in {report.seconds:.0f} s", "",
             f"**Total: {total:g} / {available:g}**, bonus {parts['bonus'][0]:g} / "
             f"{parts['bonus'][1]:g}", "", "| Part | Points |", "|---|---|"]
    lines += [f"| {PART_TITLES[p]} | {e:g} / {m:g} |" for p, (e, m) in parts.items()]
    lines += ["", "| Check | Points | Result | Reason |", "|---|---|---|---|"]
    lines += [f"| `{r.name}` | {_points(r.points)} / {_points(r.max_points)} | "
              f"{r.status.upper()} | {_md(one_line(r.reason, 300))} |" for r in report.results]
    failed = [r for r in report.results if r.status == "fail"]
    if failed:
        lines += ["", "## What went wrong", ""]
    for r in failed:
        lines += [f"### `{r.name}`", "", "```", *r.reason.strip().splitlines()[:20], "```", ""]
        if r.traceback:
            lines += ["Traceback (last lines):", "", "```",
                      *r.traceback.strip().splitlines()[-12:], "```", ""]
        if r.output_tail.strip():
            lines += ["Output (last lines):", "", "```",
                      *[line[:200] for line in r.output_tail.strip().splitlines()[-15:]],
                      "```", ""]
    if report.notes:
        lines += ["", "## Notes", ""] + [f"- {note}" for note in report.notes]
    return "\n".join(lines) + "\n"


def _write(path: Path, text: str) -> None:
    """Whole or not at all: a temporary file renamed into place."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(path)


def write_reports(report: Report, folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    _write(folder / "report.json", json.dumps(report.to_json(), indent=1))
    _write(folder / "report.md", format_markdown(report))


def write_csv(outcomes: list, path: Path) -> None:
    """One row per submission: ``Report``s and (name, reason) for those not graded at all."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    with tmp.open("w", newline="", encoding="utf-8") as stream:
        writer = csv.writer(stream)
        writer.writerow(["submission", *PART_POINTS, "total", "max", "status", "failed_checks",
                         "seed", "sandboxed"])
        for outcome in outcomes:
            if isinstance(outcome, Report):
                parts = outcome.part_points()
                total, available = outcome.total()
                failed = [r.name for r in outcome.results if r.status == "fail"]
                writer.writerow([outcome.name, *(f"{parts[p][0]:g}" for p in PART_POINTS),
                                 f"{total:g}", f"{available:g}", "graded", " ".join(failed),
                                 outcome.seed, outcome.sandboxed])
            else:
                name, reason = outcome
                writer.writerow([name, *("0" for _ in PART_POINTS), "0", "",
                                 f"not graded: {reason}", "", "", ""])
    tmp.replace(path)
