"""Text cells (CSV) read as typed values: numbers and JSON, with a message when they are not.

Shared by the import mapping (fields, metadata, scores) and the question-type registry
(each type reads its own suggested values from text).
"""

from __future__ import annotations

import json
import math
from typing import Any


class CellError(ValueError):
    """A cell that cannot become the value its column feeds; the message says why."""


def _refuse_constant(name: str) -> Any:
    raise CellError(f"{name} is not a JSON number")


def json_cell(text: str, what: str) -> Any:
    try:
        return json.loads(text, parse_constant=_refuse_constant)
    except ValueError as error:
        raise CellError(f"must be JSON ({what}): {error}") from None


def number_cell(text: str, integer: bool) -> int | float:
    try:
        value = int(text) if integer else float(text)
    except ValueError:
        raise CellError(f"{text!r} is not {'an integer' if integer else 'a number'}") from None
    if isinstance(value, float) and not math.isfinite(value):
        raise CellError(f"{text!r} is not a finite number")
    return value
