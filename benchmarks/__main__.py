"""Run the benchmarks: ``python -m benchmarks [--quick] [names...]``.

Every module ``benchmarks/<name>.py`` with ``run(quick: bool) -> dict`` is a benchmark
(``names`` picks some; default all). Each one's figures are printed and written to
``benchmarks/results/<name>.json`` with the date and the machine (CPU count, Python, NumPy and
torch versions). ``--quick`` runs smaller versions (minutes instead of tens of minutes).
"""
import argparse
import datetime
import importlib
import json
import os
import platform
import sys
import time
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
BENCH_DIR = Path(__file__).resolve().parent
RESULTS_DIR = REPO_ROOT / "benchmarks" / "results"


def benchmark_names() -> list[str]:
    return sorted(path.stem for path in BENCH_DIR.glob("*.py") if not path.stem.startswith("_"))


def machine() -> dict:
    import numpy

    facts = {"cpu_count": os.cpu_count(), "python": platform.python_version(),
             "numpy": numpy.__version__, "platform": platform.platform()}
    if hasattr(os, "sched_getaffinity"):
        facts["usable_cpus"] = len(os.sched_getaffinity(0))
    try:
        import torch

        facts["torch"] = torch.__version__
        facts["torch_threads"] = torch.get_num_threads()
    except ImportError:  # torch is a dependency; keep the runner usable without it
        facts["torch"] = None
    return facts


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks")
    parser.add_argument("names", nargs="*", help=f"benchmarks to run (default all: {benchmark_names()})")
    parser.add_argument("--quick", action="store_true", help="smaller, faster versions")
    args = parser.parse_args(argv)
    names = args.names or benchmark_names()
    unknown = sorted(set(names) - set(benchmark_names()))
    if unknown:
        parser.error(f"unknown benchmark(s) {unknown}; available: {benchmark_names()}")
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    for name in names:
        module = importlib.import_module(f"benchmarks.{name}")
        print(f"== {name}{' (quick)' if args.quick else ''}", flush=True)
        started = time.perf_counter()
        figures = module.run(quick=args.quick)
        result = {"benchmark": name, "quick": args.quick,
                  "date": datetime.datetime.now().isoformat(timespec="seconds"),
                  "wall_s": round(time.perf_counter() - started, 1), "machine": machine(),
                  "figures": figures}
        for key, value in figures.items():
            print(f"  {key}: {value}")
        out = RESULTS_DIR / f"{name}{'-quick' if args.quick else ''}.json"
        out.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
        print(f"  -> {out.relative_to(REPO_ROOT)}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
