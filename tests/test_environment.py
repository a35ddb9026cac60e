"""The conda environment, the pip metadata and the Makefile's install path agree."""
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10
    import tomli as tomllib

import pytest
import yaml
from packaging.requirements import Requirement
from packaging.specifiers import SpecifierSet
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parents[1]
CONDA_NAMES = {"pyyaml": "pyyaml"}  # conda-forge names that differ from PyPI's go here
PYTHON_CLASSIFIER = re.compile(r"Programming Language :: Python :: (3\.\d+)$")


def project() -> dict:
    return tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]


def pip_requirements() -> dict[str, Requirement]:
    lines = project()["dependencies"] + project()["optional-dependencies"]["dev"]
    return {canonicalize_name(r.name): r for r in map(Requirement, lines)}


def conda_entries() -> list:
    return yaml.safe_load((ROOT / "environment.yml").read_text())["dependencies"]


def conda_python() -> SpecifierSet:
    (spec,) = [entry[len("python"):] for entry in conda_entries()
               if isinstance(entry, str) and re.match(r"python\b", entry)]
    return SpecifierSet(spec)


def conda_requirements() -> dict[str, Requirement]:
    lines: list[str] = []
    for entry in conda_entries():
        if isinstance(entry, dict):
            lines.extend(entry["pip"])
        elif entry != "pip" and not re.match(r"python\b", entry):
            lines.append(entry)
    requirements = map(Requirement, lines)
    return {canonicalize_name(CONDA_NAMES.get(r.name, r.name)): r for r in requirements}


def classified_pythons() -> list[str]:
    found = [m.group(1) for c in project()["classifiers"] if (m := PYTHON_CLASSIFIER.match(c))]
    assert found, "pyproject.toml lists no 'Programming Language :: Python :: 3.x' classifier"
    return found


def makefile_variable(name: str) -> str:
    match = re.search(rf"^{name} :?= (.+)$", (ROOT / "Makefile").read_text(), re.MULTILINE)
    assert match, f"Makefile: no `{name} := ...` line"
    return match.group(1).strip()


def test_same_packages() -> None:
    pip, conda = pip_requirements(), conda_requirements()
    assert sorted(pip) == sorted(conda), (
        f"only in pyproject.toml: {sorted(set(pip) - set(conda))}; "
        f"only in environment.yml: {sorted(set(conda) - set(pip))}")


def test_same_versions_and_markers() -> None:
    pip, conda = pip_requirements(), conda_requirements()
    differing = {name: (str(pip[name]), str(conda[name])) for name in pip
                 if name in conda and (pip[name].specifier, str(pip[name].marker))
                 != (conda[name].specifier, str(conda[name].marker))}
    assert not differing, f"requirements differ (pyproject, environment.yml): {differing}"


def test_python_range_is_the_tested_one_everywhere() -> None:
    """pyproject.toml's classifiers are the one list; requires-python, environment.yml, the
    Makefile (which reads them) and the README's set-up line agree with it."""
    tested = classified_pythons()
    assert tested == [f"3.{minor}" for minor in range(10, 10 + len(tested))], tested
    readme = (ROOT / "README.md").read_text()
    assert f"Python {tested[0]} to {tested[-1]}" in readme
    requires = SpecifierSet(project()["requires-python"])
    minors = [f"3.{minor}" for minor in range(0, 20)]
    below = [v for v in minors if float(v.split(".")[1]) < 10]
    assert all(f"{v}.0" in requires for v in tested), f"requires-python {requires} excludes {tested}"
    assert not any(f"{v}.0" in requires for v in below), f"requires-python {requires} admits < 3.10"
    conda = conda_python()
    assert [v for v in minors if f"{v}.0" in conda] == tested, (
        f"environment.yml's python{conda} should admit exactly the tested versions {tested}")


def test_torch_is_a_range_that_the_makefile_pin_satisfies() -> None:
    torch = pip_requirements()["torch"]
    assert not any(spec.operator in ("==", "===", "<", "<=", "~=") for spec in torch.specifier), (
        f"pyproject.toml's {torch} would make `pip install` replace Colab's or a CUDA user's torch")
    pin = Requirement(makefile_variable("TORCH_PIN"))
    (pinned,) = pin.specifier
    assert pinned.operator == "==" and pinned.version in torch.specifier
    assert Requirement(makefile_variable("TORCH_RANGE")).specifier == torch.specifier, (
        "the Makefile's TORCH_RANGE (torch on a Python other than 3.11) differs from pyproject's")


def make_python(path_dir: Path) -> str:
    """The Python the Makefile picks with only ``path_dir`` on PATH (``make -n`` prints it)."""
    shutil.copy(ROOT / "Makefile", path_dir.parent / "Makefile")
    shutil.copy(ROOT / "pyproject.toml", path_dir.parent / "pyproject.toml")
    result = subprocess.run([shutil.which("make"), "-n", "-s", "setup"], cwd=path_dir.parent,
                            env={"PATH": str(path_dir), "HOME": os.environ.get("HOME", "/")},
                            capture_output=True, text=True, check=True)
    match = re.search(r'test -n "([^"]*)"', result.stdout)
    assert match, result.stdout
    return match.group(1)


def fake_pythons(tmp_path: Path, working: list[str], broken: list[str] = ()) -> Path:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for name, body in [(n, f'exec {sys.executable} "$@"') for n in working] + [
            (n, "echo 'pyenv: version not installed' >&2; exit 127") for n in broken]:
        (bin_dir / name).write_text(f"#!/bin/sh\n{body}\n")
        (bin_dir / name).chmod(0o755)
    for tool in ("sed", "sort"):  # the Makefile reads pyproject.toml's list with them
        (bin_dir / tool).symlink_to(shutil.which(tool))
    return bin_dir


@pytest.mark.skipif(shutil.which("make") is None, reason="needs make")
@pytest.mark.parametrize("working, broken, expected", [
    (["python3.10", "python3.11", "python3.13"], [], "python3.11"),
    (["python3.10", "python3.12"], ["python3.13"], "python3.12"),
    (["python3.10", "python3.9", "python3"], [], "python3.10"),
    (["python3.9", "python3"], [], ""),
])
def test_makefile_picks_python(tmp_path: Path, working: list[str], broken: list[str],
                               expected: str) -> None:
    bin_dir = fake_pythons(tmp_path, working, broken)
    assert make_python(bin_dir) == (str(bin_dir / expected) if expected else "")


@pytest.mark.skipif(shutil.which("make") is None, reason="needs make")
def test_makefile_says_what_to_install_when_no_python_fits(tmp_path: Path) -> None:
    bin_dir = fake_pythons(tmp_path, ["python3.9"])
    shutil.copy(ROOT / "Makefile", tmp_path / "Makefile")
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    result = subprocess.run([shutil.which("make"), "setup"], cwd=tmp_path,
                            env={"PATH": str(bin_dir)}, capture_output=True, text=True)
    assert result.returncode != 0 and "Install Python 3.11" in result.stdout + result.stderr
    assert not (tmp_path / ".venv").exists()
