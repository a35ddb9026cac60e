"""For maintainers: the chores of keeping the course repository (never shipped to students).

- ``release``: cut the student release from the one source (``make student``, ``make validate``);
- ``make_gt``: regenerate ``test_gt.json`` (``make gt``);
- ``nbtools`` and ``colab``: execute the notebooks, check their outputs are fresh, write the
  Colab cell (``make notebooks``); ``nbval_sanitize.cfg``: what nbval ignores;
- ``standin_report``: the stand-in's titles against real ones.
"""
