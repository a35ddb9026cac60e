"""Benchmarks: each ``tools/benchmarks/<name>.py`` defines ``run(quick: bool) -> dict`` of
JSON-serialisable figures; ``python -m tools.bench`` runs them and keeps the results."""
