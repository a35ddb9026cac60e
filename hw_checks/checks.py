"""Every graded check of the homework, in order: the grader's registry."""
from hw_checks import bonus, part1, part2, part3, quality

CHECKS = [*part1.CHECKS, *part2.CHECKS, *part3.CHECKS, *quality.CHECKS, *bonus.CHECKS]
