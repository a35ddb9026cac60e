"""The grader (``python -m tools.grader``); ``tools/grader.py`` lists its modules."""
