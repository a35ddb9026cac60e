"""The grader's table of checks: each part registers its ``CHECKS`` in ``tools/grading/partN.py``."""
