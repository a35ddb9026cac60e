"""The grader's registry: every check, with how its inputs and expected side are prepared."""
from grader.stages import bonus, part1, part2, part3, quality

CHECKS = [*part1.CHECKS, *part2.CHECKS, *part3.CHECKS, *quality.CHECKS, *bonus.CHECKS]
