"""For maintainers: speed and calibration benchmarks (``make bench``); figures kept in results/.

Benchmarks: each ``benchmarks/<name>.py`` defines ``run(quick: bool) -> dict`` of
JSON-serialisable figures; ``python -m benchmarks`` runs them and keeps the results."""
