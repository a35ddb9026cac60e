"""Reading what came back, strictly, for the judges: each helper raises ``CheckFailure`` saying
what was expected and what came (short: a long value is cut, never dumped whole)."""
import math
from typing import Any

import numpy as np

from hw_checks.stage import CheckFailure

SHOWN_VALUES = 8  # numbers shown around a mismatch


def plain(value: Any) -> Any:
    """A student's value as data: tensors and arrays -> nested lists, NumPy scalars -> numbers,
    tuples -> lists, dict keys -> strings (what the grader receives); anything else is described
    as ``{"unexpected": "<type>: <repr>"}`` so a judge can say what came instead."""
    if hasattr(value, "detach"):  # a torch tensor
        value = value.detach().cpu().numpy()
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    if isinstance(value, dict):
        return {str(key): plain(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain(item) for item in value]
    return {"unexpected": f"{type(value).__name__}: {value!r}"[:300]}


def short(value: Any, limit: int = 300) -> str:
    """``repr(value)``, cut to ``limit`` characters."""
    if isinstance(value, np.ndarray):
        text = f"array of shape {value.shape}: {np.array2string(value.ravel()[:SHOWN_VALUES])}"
    else:
        text = repr(value)
    return text if len(text) <= limit else text[:limit] + f"... ({len(text):,} characters)"


def expect_list(value: Any, length: int, what: str) -> list:
    """``value`` as a list (or 1-D array) of exactly ``length`` items."""
    if isinstance(value, np.ndarray) and value.ndim >= 1:
        value = list(value)
    if not isinstance(value, list):
        raise CheckFailure(f"{what}: expected a list of {length}, got {short(value)}")
    if len(value) != length:
        raise CheckFailure(f"{what}: expected {length} items, got {len(value)}: {short(value)}")
    return value


def expect_dict(value: Any, keys: list[str], what: str) -> dict:
    """``value`` as a dict with exactly ``keys``."""
    if not isinstance(value, dict) or sorted(value) != sorted(keys):
        got = sorted(value) if isinstance(value, dict) else short(value)
        raise CheckFailure(f"{what}: expected a dict with keys {keys}, got {got}")
    return value


def as_array(value: Any, what: str) -> np.ndarray:
    """``value`` as a float64 array of finite numbers."""
    try:
        array = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError):
        raise CheckFailure(f"{what}: expected numbers (an array or a tensor), got "
                           f"{short(value)}") from None
    if not np.all(np.isfinite(array)):
        raise CheckFailure(f"{what}: expected finite numbers, got NaN or infinity "
                           f"({short(array)})")
    return array


def as_int_list(value: Any, what: str) -> list[int]:
    """``value`` as a flat list of ints (a list or 1-D tensor; empty is fine)."""
    if isinstance(value, (list, np.ndarray)) and len(value) == 0:
        return []
    array = as_array(value, what)
    if array.ndim != 1 or not np.all(array == np.round(array)):
        raise CheckFailure(f"{what}: expected a flat list (or 1-D tensor) of integers, got "
                           f"{short(value)}")
    return [int(x) for x in array]


def assert_number(actual: Any, what: str) -> float:
    """``actual`` as a finite float (a 0-d or one-element array counts as a number)."""
    if isinstance(actual, np.ndarray) and actual.size == 1:
        actual = actual.item()
    if isinstance(actual, bool) or not isinstance(actual, (int, float)) or not math.isfinite(
            actual):
        raise CheckFailure(f"{what}: expected a finite number, got {short(actual)}")
    return float(actual)


def assert_int(actual: Any, what: str) -> int:
    """``actual`` as an int (not a bool; a whole float is not an int either)."""
    if isinstance(actual, np.ndarray) and actual.size == 1 and actual.dtype.kind in "iu":
        actual = int(actual.item())
    if isinstance(actual, bool) or not isinstance(actual, int):
        raise CheckFailure(f"{what}: expected an integer, got {short(actual)}")
    return actual


def assert_vector(actual: Any, expected: Any, what: str, rtol: float = 1e-4,
                  atol: float = 1e-6, hint: str = "") -> None:
    """``actual`` has ``expected``'s shape and values within the tolerances; on a mismatch the
    message shows the first differing values (and ``hint``, when given)."""
    expected = np.asarray(expected, dtype=np.float64)
    actual = as_array(actual, what)
    if actual.shape != expected.shape:
        raise CheckFailure(f"{what}: expected shape {expected.shape}, got {actual.shape}")
    close = np.isclose(actual, expected, rtol=rtol, atol=atol)
    if close.all():
        return
    first = int(np.flatnonzero(~close.ravel())[0])
    window = slice(max(0, first - 2), first + SHOWN_VALUES - 2)
    raise CheckFailure(
        f"{what}: {int((~close).sum())} of {expected.size} values differ (rtol={rtol}, "
        f"atol={atol}); from index {window.start}: expected "
        f"{np.round(expected.ravel()[window], 6).tolist()}, got "
        f"{np.round(actual.ravel()[window], 6).tolist()}" + (f".\nHint: {hint}" if hint else ""))


def scale_between(actual: Any, expected: Any) -> float | None:
    """The factor ``c`` with ``actual == c * expected`` (within 1e-4), if there is one."""
    actual, expected = np.asarray(actual, dtype=np.float64), np.asarray(expected,
                                                                        dtype=np.float64)
    if actual.shape != expected.shape or not np.any(expected) or not np.all(np.isfinite(actual)):
        return None
    factor = float(actual @ expected / (expected @ expected))
    return factor if np.allclose(actual, factor * expected, rtol=1e-4, atol=1e-7) else None
