"""Ground truth for the notebooks' self-checks (``TaskTests``).

``test_gt.json`` holds data-independent keys at the top level and one section per data set
under ``"datasets"`` (``tiny``, ``sample``, ``real``, ...), each recording the files it was made on.
A file in the course's original format (top-level ``embedder``, ``scorer``, ``text_preprocessor``)
loads too: its data-dependent keys are taken to be the real data's. A check whose ground truth is
missing for the data set in use says so and is skipped (``skips_without_ground_truth``).

The grader does not use this file: it grades on data of its own (see framework.py).
"""
import functools
import json
from pathlib import Path
from typing import Any, Callable

REPO_ROOT = Path(__file__).resolve().parents[1]
ORIGINAL_DATA_KEYS = ("embedder", "scorer")


class GroundTruth:
    """The expected values for one data set, looked up by key."""

    def __init__(self, content: dict, dataset: str, source: str = "<dict>"):
        self.content = content
        self.dataset = dataset
        self.source = source
        sections = content.get("datasets")
        if sections is None:  # the course's original single-data-set format
            sections = {"real": {key: content[key] for key in ORIGINAL_DATA_KEYS if key in content}}
        self.sections: dict[str, dict] = sections

    @property
    def section(self) -> dict:
        return self.sections.get(self.dataset, {})

    def describe_data(self) -> str:
        """Which data the ground truth for the current data set was made on."""
        made_on = self.section.get("made_on")
        if made_on is None:
            return f"data set '{self.dataset}'"
        files = ", ".join(f"{name} sha256 {digest[:12]}" for name, digest in
                          sorted(made_on.get("files", {}).items()))
        return f"data set '{self.dataset}' ({files})"

    def _is_common(self, key: str) -> bool:
        """A data-independent top-level key (the original format's data keys belong to 'real')."""
        return key in self.content and key != "datasets" and (
            "datasets" in self.content or key not in ORIGINAL_DATA_KEYS)

    def __contains__(self, key: str) -> bool:
        return key in self.section or self._is_common(key)

    def __getitem__(self, key: str) -> Any:
        if key in self.section:
            return self.section[key]
        if self._is_common(key):
            return self.content[key]
        available = ", ".join(sorted(self.sections)) or "none"
        raise MissingGroundTruth(
            f"{self.source} has no ground truth '{key}' for data set '{self.dataset}' (it has "
            f"sections for: {available}); the check is skipped. Its ground truth needs the "
            f"data: an instructor makes it with `make gt DATASET={self.dataset}`.")

    def get(self, key: str, default: Any = None) -> Any:
        return self[key] if key in self else default


class MissingGroundTruth(KeyError):
    """No ground truth for this check on this data set: the check is skipped, not failed."""

    def __str__(self) -> str:
        return str(self.args[0])


def skips_without_ground_truth(method: Callable) -> Callable:
    """A ``test_*`` method that says so and returns when its ground truth is missing."""
    @functools.wraps(method)
    def wrapper(self, *args, **kwargs):
        try:
            return method(self, *args, **kwargs)
        except MissingGroundTruth as missing:
            print(f"SKIPPED {method.__name__}: {missing}")
            return None
    return wrapper


class TaskTestsBase:
    """Loading the ground truth; the part mixins add the ``test_*`` methods."""

    def __init__(self, ground_truth: GroundTruth):
        self.gt = ground_truth

    @classmethod
    def from_json(cls, path: str | Path = "test_gt.json", dataset: str | None = None):
        """Load ``path`` (relative to the working folder, else to the repository root).

        ``dataset`` picks the section; by default the data set the notebooks use
        (``$HW_DATASET``, else the real data when downloaded, else the ``sample`` stand-in).
        """
        from sodata import resolve_dataset_name

        path = Path(path)
        if not path.is_file() and not path.is_absolute() and (REPO_ROOT / path.name).is_file():
            path = REPO_ROOT / path.name
        try:
            content = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise FileNotFoundError(f"ground truth file {path} not found: pass the path to "
                                    f"test_gt.json at the repository root") from None
        except json.JSONDecodeError as error:
            raise ValueError(f"{path}: not valid JSON (line {error.lineno}): {error.msg}") from None
        return cls(GroundTruth(content, resolve_dataset_name(dataset), source=str(path)))

    def _data_note(self) -> str:
        """Appended to data-dependent failures: results depend on the data they were computed on."""
        return (f" [ground truth made on {self.gt.describe_data()}; on other data or vectors "
                f"the numbers differ, so check that HW_DATASET matches]")
