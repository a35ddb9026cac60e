"""TaskTests for part3 (see base.py for the observe/check convention)."""


class Part3Tests:
    """Checks for part3."""
