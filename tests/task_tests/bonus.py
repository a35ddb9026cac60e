"""TaskTests for bonus (see base.py for the observe/check convention)."""


class BonusTests:
    """Checks for bonus."""
