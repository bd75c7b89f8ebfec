"""What PostgreSQL's JSONB and text columns can hold.

PostgreSQL cannot store NUL characters or unpaired surrogates in text, and JSON has no
NaN or infinity. Inputs holding them are refused with a clear location instead of
failing inside the database with a 500.
"""

from __future__ import annotations

import math
import re
from typing import Any

from feedback.errors import Loc, Problem

MAX_JSON_DEPTH = 32
_SURROGATE = re.compile("[\ud800-\udfff]")


def text_problem(text: str) -> str | None:
    """Why `text` cannot be stored, or None."""
    if "\x00" in text:
        return "text contains a NUL character (\\u0000), which cannot be stored"
    if _SURROGATE.search(text):
        return "text contains an unpaired surrogate, which is not valid Unicode"
    return None


def json_problems(value: Any, loc: Loc, *, depth: int = 0) -> list[Problem]:
    """Every place in a JSON-like `value` that cannot be stored, with its location."""
    if depth > MAX_JSON_DEPTH:
        return [Problem(loc, f"nested deeper than {MAX_JSON_DEPTH} levels")]
    if isinstance(value, str):
        problem = text_problem(value)
        return [Problem(loc, problem)] if problem else []
    if isinstance(value, float):
        return [] if math.isfinite(value) else [Problem(loc, "not a finite number")]
    if value is None or isinstance(value, (bool, int)):
        return []
    if isinstance(value, (list, tuple)):
        problems: list[Problem] = []
        for index, item in enumerate(value):
            problems += json_problems(item, (*loc, index), depth=depth + 1)
        return problems
    if isinstance(value, dict):
        problems = []
        for key, item in value.items():
            if not isinstance(key, str):
                problems.append(Problem(loc, f"key {key!r} is not a string"))
                continue
            key_problem = text_problem(key)
            if key_problem:
                problems.append(Problem((*loc, key), f"key: {key_problem}"))
                continue
            problems += json_problems(item, (*loc, key), depth=depth + 1)
        return problems
    return [Problem(loc, f"{type(value).__name__} is not a JSON value")]


def too_long(chars: int, limit: int) -> str | None:
    """The problem with `chars` characters where `limit` are allowed, or None."""
    return f"is {chars:,} characters long; the limit is {limit:,} characters" if chars > limit else None
