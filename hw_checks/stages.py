"""Every graded stage the notebooks can check, in order (the grader adds the quality bars)."""
from hw_checks import bonus, part1, part2, part3

STAGES = [*part1.STAGES, *part2.STAGES, *part3.STAGES, *bonus.STAGES]
