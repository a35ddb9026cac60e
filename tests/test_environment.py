"""The conda environment and the pip metadata describe the same environment."""
import tomllib
from pathlib import Path

import yaml
from packaging.requirements import Requirement
from packaging.specifiers import SpecifierSet
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parents[1]
CONDA_NAMES = {"pyyaml": "pyyaml"}  # conda-forge names that differ from PyPI's go here


def pip_requirements() -> dict[str, SpecifierSet]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    lines = project["dependencies"] + project["optional-dependencies"]["dev"]
    return {canonicalize_name(r.name): r.specifier for r in map(Requirement, lines)}


def conda_requirements() -> dict[str, SpecifierSet]:
    environment = yaml.safe_load((ROOT / "environment.yml").read_text())
    lines: list[str] = []
    for entry in environment["dependencies"]:
        if isinstance(entry, dict):
            lines.extend(entry["pip"])
        elif entry != "pip" and not entry.startswith("python="):
            lines.append(entry)
    return {canonicalize_name(CONDA_NAMES.get(r.name, r.name)): r.specifier
            for r in map(Requirement, lines)}


def test_same_packages() -> None:
    pip, conda = pip_requirements(), conda_requirements()
    assert sorted(pip) == sorted(conda), (
        f"only in pyproject.toml: {sorted(set(pip) - set(conda))}; "
        f"only in environment.yml: {sorted(set(conda) - set(pip))}")


def test_same_versions() -> None:
    pip, conda = pip_requirements(), conda_requirements()
    differing = {name: (str(pip[name]), str(conda[name])) for name in pip
                 if name in conda and pip[name] != conda[name]}
    assert not differing, f"version ranges differ (pyproject, environment.yml): {differing}"


def test_torch_is_pinned_in_both() -> None:
    assert str(pip_requirements()["torch"]) == "==2.13.0"
    assert str(conda_requirements()["torch"]) == "==2.13.0"


def test_conda_python_matches_requires_python() -> None:
    environment = yaml.safe_load((ROOT / "environment.yml").read_text())
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert "python=3.11" in environment["dependencies"]
    assert "3.11.0" in SpecifierSet(project["requires-python"])
