"""Ground-truth producers: ``tools/gt/partN.py`` each define ``ground_truth(dataset) -> dict``
(keys of that data set's section of ``test_gt.json``) and may define ``common() -> dict``
(data-independent, top-level keys). ``python -m tools.make_gt`` runs them on the reference."""
