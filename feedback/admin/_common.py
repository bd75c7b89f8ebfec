"""Helpers the admin modules share."""

from __future__ import annotations

from django.core.exceptions import ValidationError

from feedback.errors import Conflict, InvalidData


def form_error(error: InvalidData | Conflict) -> ValidationError:
    if isinstance(error, Conflict):
        return ValidationError(str(error))
    return ValidationError([str(problem) for problem in error.problems])
