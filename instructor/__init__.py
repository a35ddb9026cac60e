"""For instructors: the reference flows and models, never shipped to students.

- ``pipeline``: each part's notebook flow as functions of the reference classes (the demo, the
  ground truth, the grader's expected side and the benchmarks run the homework through it);
- ``bonus``: the reference's five bonus models and the classical baselines, and their comparison;
- ``demo``: ``make demo``, every method on the default data in one table and one plot.
"""
