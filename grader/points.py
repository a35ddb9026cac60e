"""The one table of points.

- Parts 1-3 are worth ``PART_POINTS`` each; a check's ``weight`` is its share of its part: the
  part's points are divided among its checks in proportion to their weights (weight 0: run and
  reported, worth nothing). A check passes or fails as a whole.
- The bonus is worth up to ``PART_POINTS["bonus"]``: a bonus check earns ``weight`` x
  ``BONUS_POINTS_PER_WEIGHT`` (the course: a point per bonus item) and the sum is capped.
- A check the grader voids (the reference itself fails it on the grader's inputs, a grader
  problem) is worth nothing and its weight goes to the part's other checks.
"""
from collections.abc import Iterable

PART_POINTS: dict[str, float] = {"part1": 2.0, "part2": 4.0, "part3": 4.0, "bonus": 3.0}
PART_TITLES: dict[str, str] = {
    "part1": "Part 1: pretrained word vectors",
    "part2": "Part 2: vectors for unknown words",
    "part3": "Part 3: task-specific vectors (DSSM, NT-Xent)",
    "bonus": "Bonus (Part 4)",
}
MAIN_PARTS = ("part1", "part2", "part3")
BONUS_POINTS_PER_WEIGHT = 1.0


def allocate(checks: Iterable[tuple[str, str, float, bool]]) -> dict[str, float]:
    """Maximum points of each check; ``checks`` holds (name, part, weight, counts)."""
    checks = list(checks)
    unknown = sorted({part for _, part, _, _ in checks} - set(PART_POINTS))
    if unknown:
        raise ValueError(f"checks registered for unknown parts {unknown}; "
                         f"use one of {sorted(PART_POINTS)}")
    negative = [name for name, _, weight, _ in checks if weight < 0]
    if negative:
        raise ValueError(f"checks with a negative weight: {negative}")
    points: dict[str, float] = {}
    for part, part_points in PART_POINTS.items():
        members = [(name, weight if counts else 0.0)
                   for name, check_part, weight, counts in checks if check_part == part]
        total = sum(weight for _, weight in members)
        for name, weight in members:
            if part == "bonus":
                points[name] = weight * BONUS_POINTS_PER_WEIGHT
            else:
                points[name] = part_points * weight / total if total else 0.0
    return points


def part_totals(results: Iterable[tuple[str, float, float]]) -> dict[str, tuple[float, float]]:
    """(earned, available) per part from (part, points, max points) of each check."""
    results = list(results)
    totals = {}
    for part, cap in PART_POINTS.items():
        earned = sum(points for p, points, _ in results if p == part)
        totals[part] = (round(min(earned, cap), 4), cap)
    return totals
