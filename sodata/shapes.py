"""What the real corpus's files must hold, and the check ``make data`` runs on them.

A ``TableShape`` in the asset table says how many rows a tab-separated member holds (when the
course published it), how many fields each row has at least, and how many on average. With the
readers' row rules (UTF-8, no NUL byte, no empty field, no over-long title), ``shape_problem``
says why an extracted file is not the course's, before anything is marked verified.
"""
import math
from dataclasses import dataclass
from pathlib import Path

from sodata.readers import CorpusFormatError, iter_rows

MEAN_RTOL = 0.01  # the course's own check of the validation set's mean uses this tolerance


@dataclass(frozen=True)
class TableShape:
    """``rows`` lines (None: not known, at least one), each of at least ``min_fields`` non-empty
    fields, ``mean_fields`` on average (None: not checked; within ``MEAN_RTOL``)."""

    rows: int | None
    min_fields: int
    mean_fields: float | None = None


def shape_problem(path: Path, shape: TableShape, name: str | None = None) -> str | None:
    """Why the file at ``path`` (called ``name`` in messages) does not have ``shape``; None when it
    does. Streams the rows: memory holds one row at a time."""
    name = name or path.name
    rows = fields = 0
    try:
        for row in iter_rows(path, shape.min_fields, empty_fields=False):
            rows += 1
            fields += len(row)
    except CorpusFormatError as error:
        return f"{name}, line {error.line}: {error.reason}"
    if shape.rows is not None and rows != shape.rows:
        return f"{name} holds {rows:,} rows, expected {shape.rows:,}"
    if rows == 0:
        return f"{name} holds 0 rows"
    mean = fields / rows
    if shape.mean_fields is not None and not math.isclose(mean, shape.mean_fields,
                                                          rel_tol=MEAN_RTOL):
        return (f"{name}: its rows hold {mean:.2f} fields on average, expected "
                f"{shape.mean_fields:.2f}")
    return None
