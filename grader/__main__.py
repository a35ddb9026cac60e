"""``python -m grader [--submission P | --batch DIR] [--seed N] [--unsafe]``: see ``grader.cli``."""
import sys

from grader.cli import run

sys.exit(run())
