"""What grading produces: per-check results, a terminal table, report.json, report.md, scores.csv.

Reports are written by the grader after every process of the submission is dead, into the
grader's output folder, which no sandbox mounts: ``reports/<slug>/report.{json,md}`` beside
``scores.csv``. What came from a submission (its name, its errors' messages, what it printed) is
escaped where it becomes a line, a CSV cell or Markdown: control characters and newlines shown
as escapes, a cell that a spreadsheet would read as a formula neutralised, and text fenced so
that it cannot write the report's own headings.
"""
import csv
import dataclasses
import json
import os
import re
from dataclasses import dataclass, field
from pathlib import Path

from grader.points import MAIN_PARTS, PART_POINTS, PART_TITLES, part_totals


@dataclass
class CheckResult:
    name: str
    part: str
    # "pass" | "fail" | "not attempted" (an optional bonus item) | "n/a" (not for this data set)
    # | "void" (a grader problem)
    status: str
    points: float
    max_points: float
    reason: str = ""
    error_type: str = ""  # the exception's class, "Timeout", "Crash", "Nondeterministic", ...
    seconds: float = 0.0  # wall clock, for information: no limit counts it
    cpu_seconds: float = 0.0  # of all the check's processes (every run)
    idle_seconds: float = 0.0  # waited on without working
    cpu_limit_seconds: float = 0.0
    runs_agree: bool | None = None  # the runs' outputs were equal (None: not every run had some)
    output_tail: str = ""
    output_bytes: int = 0
    traceback: str = ""
    load_average: float = 0.0  # the machine's (1 minute) when the check ended


@dataclass
class Report:
    name: str
    submission: str
    dataset: str
    seed: int
    results: list[CheckResult]
    sandboxed: bool = True
    isolation: str = "bwrap"
    notes: list[str] = field(default_factory=list)
    graded_at: str = ""
    seconds: float = 0.0
    load_averages: list[float] = field(default_factory=list)  # when grading began and ended
    cpu_seconds: float = 0.0  # of the student's side: the sandbox's every process

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
            "seed": self.seed, "sandboxed": self.sandboxed, "isolation": self.isolation,
            "graded_at": self.graded_at, "seconds": round(self.seconds, 1),
            "load_averages": self.load_averages, "cpu_seconds": self.cpu_seconds,
            "points": {part: {"earned": e, "max": m} for part, (e, m) in parts.items()},
            "total": {"earned": total, "max": available, "bonus": parts["bonus"][0]},
            "checks": [dataclasses.asdict(result) for result in self.results],
            "notes": self.notes,
        }


def _points(value: float) -> str:
    return f"{value:.2f}".rstrip("0").rstrip(".")


def printable(text: str) -> str:
    """``text`` with control characters, newlines and undecodable bytes shown as escapes."""
    return "".join(ch if ch.isprintable() else repr(ch)[1:-1] for ch in str(text))


def one_line(text: str, limit: int = 160) -> str:
    line = printable(" ".join(str(text).split()))
    return line if len(line) <= limit else line[:limit - 1] + "…"


def csv_cell(text: str) -> str:
    """A cell a spreadsheet shows as text: escaped, and never read as a formula."""
    cell = printable(text)
    return "'" + cell if cell[:1] in ("=", "+", "-", "@", "\t", "\r") else cell


def fenced(text: str) -> list[str]:
    """``text`` as a Markdown code block whose fence no line of it can close."""
    lines = [printable(line) for line in str(text).splitlines()]
    longest = max((len(run) for line in lines for run in re.findall(r"`+", line)), default=0)
    fence = "`" * max(3, longest + 1)
    return [fence, *lines, fence]


def inline_code(text: str) -> str:
    text = printable(text)
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    ticks = "`" * (longest + 1)
    return f"{ticks} {text} {ticks}" if longest else f"`{text}`"


ISOLATION = {"bwrap": "in a sandbox", "user": "as an unprivileged user, without a sandbox",
             "unsafe": "UNSAFE: without a sandbox"}


def _header(report: Report) -> str:
    data = ("the real data" if report.dataset == "real" else
            f"stand-in data ({report.dataset.replace('+', ', ')}) generated with seed {report.seed}")
    load = (f"; load average {report.load_averages[0]:g} to {report.load_averages[-1]:g}"
            if report.load_averages else "")
    return f"Grading '{printable(report.name)}' on {data}, {ISOLATION[report.isolation]}{load}"


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
    lines += [f"note: {one_line(note, 400)}" for note in report.notes]
    return "\n".join(lines)


def _md(text: str) -> str:
    return one_line(text, 300).replace("|", "\\|").replace("`", "'")


def format_markdown(report: Report) -> str:
    total, available = report.total()
    parts = report.part_points()
    lines = [f"# Grading report: {inline_code(report.name)}", "", f"- {_md(_header(report))}",
             f"- Graded at {report.graded_at} in {report.seconds:.0f} s", "",
             f"**Total: {total:g} / {available:g}**, bonus {parts['bonus'][0]:g} / "
             f"{parts['bonus'][1]:g}", "", "| Part | Points |", "|---|---|"]
    lines += [f"| {PART_TITLES[p]} | {e:g} / {m:g} |" for p, (e, m) in parts.items()]
    lines += ["", "| Check | Points | Result | Reason |", "|---|---|---|---|"]
    lines += [f"| `{r.name}` | {_points(r.points)} / {_points(r.max_points)} | "
              f"{r.status.upper()} | {_md(r.reason)} |" for r in report.results]
    failed = [r for r in report.results if r.status == "fail"]
    if failed:
        lines += ["", "## What went wrong", ""]
    for r in failed:
        lines += [f"### `{r.name}`", "", *fenced("\n".join(r.reason.strip().splitlines()[:20])),
                  ""]
        if r.traceback:
            lines += ["Traceback (last lines):", "",
                      *fenced("\n".join(r.traceback.strip().splitlines()[-12:])), ""]
        if r.output_tail.strip():
            lines += ["Output (last lines):", "", *fenced("\n".join(
                line[:200] for line in r.output_tail.strip().splitlines()[-15:])), ""]
    if report.notes:
        lines += ["", "## Notes", ""] + [f"- {_md(note)}" for note in report.notes]
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
                         "seed", "isolation"])
        for outcome in outcomes:
            if isinstance(outcome, Report):
                parts = outcome.part_points()
                total, available = outcome.total()
                failed = [r.name for r in outcome.results if r.status == "fail"]
                writer.writerow([csv_cell(outcome.name), *(f"{parts[p][0]:g}" for p in PART_POINTS),
                                 f"{total:g}", f"{available:g}", "graded", " ".join(failed),
                                 outcome.seed, outcome.isolation])
            else:
                name, reason = outcome
                writer.writerow([csv_cell(name), *("0" for _ in PART_POINTS), "0", "",
                                 csv_cell(f"not graded: {one_line(reason, 300)}"), "", "", ""])
    tmp.replace(path)
