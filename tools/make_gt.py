"""Regenerate ``test_gt.json`` from the reference solution.

``python -m tools.make_gt [--datasets tiny sample ...] [--modules part1 ...] [--out test_gt.json]``

Every ground-truth module ``tools/gt/part*.py`` and ``tools/gt/bonus.py`` is imported (an import
error fails loudly). For each data set (default: ``tiny`` and ``sample``, plus ``real`` when it is
downloaded) each module's ``ground_truth(dataset)`` fills that data set's section, which also
records ``made_on``: the sha256 of every file of the data set (from the stand-in's manifest, or
computed for the real data). Modules' ``common()`` give the top-level keys. Sections of data sets
not regenerated are kept; with ``--modules`` only those modules' keys are replaced. The file is
written atomically.
"""
import argparse
import importlib
import json
import sys
import time
from pathlib import Path

from hw_utils import set_seed
from sodata import Dataset, get_dataset
from sodata.assets import sha256sum
from sodata.datasets import REPO_ROOT, real_data_present

GT_DIR = Path(__file__).resolve().parent / "gt"
DEFAULT_OUT = REPO_ROOT / "test_gt.json"


def module_names() -> list[str]:
    """``part1``, ``part2``, ... then ``bonus``: the ground-truth modules present."""
    names = sorted(path.stem for path in GT_DIR.glob("part*.py"))
    return names + (["bonus"] if (GT_DIR / "bonus.py").is_file() else [])


def file_digests(dataset: Dataset) -> dict[str, str]:
    """sha256 of the data set's files: the stand-in's manifest has them, the real data's are hashed."""
    manifest = dataset.root / "manifest.json"
    if dataset.is_standin and manifest.is_file():
        return dict(json.loads(manifest.read_text(encoding="utf-8"))["files"])
    paths = [dataset.train, dataset.validation, dataset.test, dataset.vectors]
    return {path.name: sha256sum(path) for path in paths if path.is_file()}


def make_section(dataset: Dataset, modules: dict) -> dict:
    section: dict = {}
    for name, module in modules.items():
        started = time.perf_counter()
        set_seed(0)
        section.update(module.ground_truth(dataset))
        print(f"  {dataset.name}: {name} in {time.perf_counter() - started:.1f} s", flush=True)
    section["made_on"] = {"files": file_digests(dataset)}
    return section


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.make_gt", description=__doc__.split("\n\n")[0])
    parser.add_argument("--datasets", nargs="+", help="default: tiny sample (+ real if downloaded)")
    parser.add_argument("--modules", nargs="+", help=f"default: all of {module_names()}")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    args = parser.parse_args(argv)
    names = args.modules or module_names()
    unknown = sorted(set(names) - set(module_names()))
    if unknown:
        parser.error(f"no ground-truth module {unknown}; found {module_names()}")
    modules = {name: importlib.import_module(f"tools.gt.{name}") for name in names}
    datasets = args.datasets or ["tiny", "sample", *(["real"] if real_data_present() else [])]

    content = json.loads(args.out.read_text(encoding="utf-8")) if args.out.is_file() else {}
    if "datasets" not in content:  # a file in the course's original format: start afresh
        content = {}
    sections = content.setdefault("datasets", {})
    for name, module in modules.items():
        if hasattr(module, "common"):
            content.update(module.common())
    for name in datasets:
        dataset = get_dataset(name)
        print(f"{name}: {dataset.describe()}", flush=True)
        fresh = make_section(dataset, modules)
        sections[name] = {**sections.get(name, {}), **fresh} if args.modules else fresh
    content["datasets"] = dict(sorted(sections.items()))

    temporary = args.out.with_suffix(".json.tmp")
    temporary.write_text(json.dumps(content, indent=1, sort_keys=False) + "\n", encoding="utf-8")
    temporary.replace(args.out)
    print(f"wrote {args.out} (data sets: {', '.join(content['datasets'])})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
