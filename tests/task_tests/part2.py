"""TaskTests for part2 (see base.py for the observe/check convention)."""


class Part2Tests:
    """Checks for part2."""
