"""The one table of points: per part, per check, and the quality bars per data set.

How a grade is made (``tools/grader.py``):

- Parts 1-3 are worth ``PART_POINTS`` each. A part's points are shared among its graded checks in
  proportion to ``CHECK_WEIGHTS`` (default weight 1); a check passes or fails as a whole.
- The bonus is worth up to ``PART_POINTS["bonus"]``: each bonus check earns ``BONUS_POINTS``
  (default 1) and the sum is capped.
- Quality bars: a check whose ``check`` is ``"quality:<bar>"`` (see ``quality_check``) passes when
  the observed Hits@500 reaches ``QUALITY_BARS[dataset][<bar>]``. On data sets without a bar (the
  stand-ins: their numbers are not the real data's) the check is "n/a": it is left out and its
  weight goes to the part's other checks, so the stand-in never decides a grade by quality.
"""
from typing import Callable

from tools.grading.base import GradedCheck

PART_POINTS: dict[str, float] = {"part1": 2.0, "part2": 4.0, "part3": 4.0, "bonus": 3.0}
PART_TITLES: dict[str, str] = {
    "part1": "Part 1: pretrained word vectors",
    "part2": "Part 2: vectors for unknown words",
    "part3": "Part 3: task-specific vectors (DSSM, NT-Xent)",
    "bonus": "Bonus (Part 4)",
}
MAIN_PARTS = ("part1", "part2", "part3")

# Relative weight of a check within its part (checks not listed weigh 1). Weight 0: a sanity
# check of the data or the set-up, run and reported but worth no points (the student release
# passes it without any student code, so it must not carry points).
CHECK_WEIGHTS: dict[str, float] = {
    "part1.validation_corpus": 0.0,
}

# Points of a bonus check (not listed: 1); the bonus total is capped at PART_POINTS["bonus"].
BONUS_POINTS: dict[str, float] = {}

# Hits@500 needed for full marks, per data set (DESIGN.md). Stand-ins have none on purpose.
QUALITY_BARS: dict[str, dict[str, float]] = {
    "real": {
        "part1.raw": 0.82,
        "part1.preprocessed": 0.85,
        "part2": 0.89,
        "part3": 0.98,
    },
}
QUALITY_K = 500


def quality_bar(dataset: str, bar: str) -> float | None:
    """The Hits@500 bar ``bar`` on ``dataset``; ``None`` where the data set has none."""
    return QUALITY_BARS.get(dataset, {}).get(bar)


def quality_check(name: str, part: str, bar: str, observe: Callable, timeout_s: float = 300.0
                  ) -> GradedCheck:
    """A graded quality bar: ``observe(dataset)`` returns ``{"hits": {"500": value, ...}}`` (or
    ``{"hits@500": value}``); the grader compares with ``QUALITY_BARS[dataset][bar]``."""
    if bar not in {key for bars in QUALITY_BARS.values() for key in bars}:
        raise ValueError(f"unknown quality bar {bar!r}; add it to QUALITY_BARS")
    return GradedCheck(name=name, part=part, observe=observe, check=f"quality:{bar}",
                       timeout_s=timeout_s)


def observed_hits(observed: dict, k: int = QUALITY_K) -> float:
    """Hits@k from an observed dict (``{"hits": {"500": x}}`` or ``{"hits@500": x}``)."""
    if f"hits@{k}" in observed:
        return float(observed[f"hits@{k}"])
    hits = observed.get("hits", {})
    value = hits.get(str(k), hits.get(k)) if isinstance(hits, dict) else None
    if value is None:
        raise AssertionError(f"expected Hits@{k} in the result, got keys {sorted(observed)}")
    return float(value)


def allocate(checks: list[tuple[str, str, bool]]) -> dict[str, float]:
    """Maximum points of each check: ``checks`` is (name, part, applicable) for every check.

    Inapplicable checks (a quality bar on a stand-in) get 0 and their weight goes to the others.
    """
    points: dict[str, float] = {}
    for part in PART_POINTS:
        members = [(name, applicable) for name, check_part, applicable in checks
                   if check_part == part]
        if part == "bonus":
            for name, applicable in members:
                points[name] = BONUS_POINTS.get(name, 1.0) if applicable else 0.0
            continue
        total = sum(CHECK_WEIGHTS.get(name, 1.0) for name, applicable in members if applicable)
        for name, applicable in members:
            points[name] = (PART_POINTS[part] * CHECK_WEIGHTS.get(name, 1.0) / total
                            if applicable and total else 0.0)
    unknown = {part for _, part, _ in checks} - set(PART_POINTS)
    if unknown:
        raise ValueError(f"checks registered for unknown parts {sorted(unknown)}; "
                         f"use one of {sorted(PART_POINTS)}")
    return points
