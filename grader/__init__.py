"""For course graders: grade submissions in sandboxes (``python -m grader``, ``make check``).

Modules: ``core`` (hidden data, inputs, the reference's side, grading), ``sandbox`` (bubblewrap
and the limits), ``child`` (the sandbox's entry point), ``reference`` (the trusted reference
process), ``judging``, ``points``, ``report``, ``submissions`` and ``cli``. The README's grader
section says what it promises and how.
"""
