"""Ground truth and the conventions every part's checks follow.

Every graded check is written in two halves, so the grader can run the first half in the
submission's own process and the second in its own (the ground truth never reaches a submission):

    observe_<stage>(objects...) -> dict   static; runs the student's code; returns only
                                          JSON-serialisable values; never reads ground truth
    check_<stage>(observed) -> None       compares with ground truth or fixed expectations;
                                          raises AssertionError saying expected vs actual
    test_<stage>(objects...)              the course-facing method:
                                          ``self.check_<stage>(self.observe_<stage>(objects...))``

``test_gt.json`` holds data-independent keys at the top level and one section per data set
under ``"datasets"`` (``tiny``, ``sample``, ``real``, ...), each recording the files it was made on.
A file in the course's original format (top-level ``embedder``, ``scorer``, ``text_preprocessor``)
loads too: its data-dependent keys are taken to be the real data's.
"""
import json
import math
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parents[2]
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
        raise AssertionError(
            f"{self.source} has no ground truth '{key}' for data set '{self.dataset}' "
            f"(it has sections for: {available}). Run the notebook on one of those data sets "
            f"(set HW_DATASET), or regenerate the ground truth with `make gt`.")


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


def assert_close(actual: float, expected: float, *, name: str, atol: float = 0.0,
                 rtol: float = 0.0, note: str = "") -> None:
    """``AssertionError`` naming ``name``, the expected and the actual value when they differ."""
    if not isinstance(actual, (int, float)) or math.isnan(actual) or not math.isclose(
            actual, expected, rel_tol=rtol, abs_tol=atol):
        raise AssertionError(f"{name}: expected {expected!r} (atol={atol}, rtol={rtol}), "
                             f"got {actual!r}{note}")
