"""Plain values in and out of checks: what ``observe`` returns and what ``judge`` compares.

``observe`` turns whatever the student's code returned (a tensor, an array, a list, a NumPy
scalar) into JSON-able values with ``plain``; ``judge`` compares them with the helpers below,
which raise ``CheckFailure`` with the expected and the actual value in full.
"""
import math
from typing import Any

import numpy as np

from hw_checks.framework import CheckFailure


def plain(value: Any) -> Any:
    """Tensors and arrays -> nested lists; NumPy scalars -> Python numbers; containers kept.

    A value that is none of these comes back as ``{"unexpected": "<type>: <repr>"}``, so the
    judge can say what came instead of crashing on it.
    """
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


def as_array(value: Any, what: str) -> np.ndarray:
    """``value`` (plain) as a float64 array; ``CheckFailure`` when it is not numbers."""
    try:
        array = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError):
        raise CheckFailure(f"{what}: expected numbers (an array or a tensor), got "
                           f"{_short(value)}") from None
    return array


def as_int_list(value: Any, what: str) -> list[int]:
    """``value`` (plain) as a flat list of ints; ``CheckFailure`` when it is not one."""
    array = as_array(value, what)
    if array.ndim != 1 or not np.all(array == np.round(array)):
        raise CheckFailure(f"{what}: expected a flat list (or 1-D tensor) of integers, got "
                           f"{_short(value)}")
    return [int(x) for x in array]


def assert_vector(actual: Any, expected: Any, what: str, rtol: float = 1e-4,
                  atol: float = 1e-6) -> None:
    """``actual`` has ``expected``'s shape and values within the tolerances."""
    expected = np.asarray(expected, dtype=np.float64)
    actual = as_array(actual, what)
    if actual.shape != expected.shape:
        raise CheckFailure(f"{what}: expected shape {expected.shape}, got {actual.shape}")
    close = np.isclose(actual, expected, rtol=rtol, atol=atol)
    if not close.all():
        first = int(np.flatnonzero(~close.ravel())[0])
        raise CheckFailure(
            f"{what}: {int((~close).sum())} of {expected.size} values differ (rtol={rtol}, "
            f"atol={atol}); at index {first} expected {float(expected.ravel()[first])!r}, got "
            f"{float(actual.ravel()[first])!r}.\nexpected: {np.round(expected, 6).tolist()}\n"
            f"got:      {np.round(actual, 6).tolist()}")


def assert_number(actual: Any, what: str) -> float:
    """``actual`` as a finite float; ``CheckFailure`` otherwise."""
    if isinstance(actual, bool) or not isinstance(actual, (int, float)) or not math.isfinite(
            actual):
        raise CheckFailure(f"{what}: expected a finite number, got {_short(actual)}")
    return float(actual)


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 2000 else text[:2000] + f"... ({len(text)} characters)"


def packed_rows(rows: Any) -> dict:
    """A matrix of vectors as float16 bytes in base64: a tenth of its size as JSON numbers."""
    import base64

    array = np.asarray(plain(rows) if hasattr(rows, "detach") else rows, dtype=np.float16)
    return {"float16_base64": base64.b64encode(array.tobytes()).decode("ascii"),
            "shape": list(array.shape)}


def unpacked_rows(packed: Any, what: str) -> np.ndarray:
    """``packed_rows``' matrix back as float32; ``CheckFailure`` when it is not one."""
    import base64

    try:
        array = np.frombuffer(base64.b64decode(packed["float16_base64"]), dtype=np.float16)
        return array.reshape(packed["shape"]).astype(np.float32)
    except (KeyError, TypeError, ValueError) as error:
        raise CheckFailure(f"{what}: expected packed vectors, got {_short(packed)} "
                           f"({error})") from None
