"""Every API error as `{"detail": ...}` with the status codes of the API reference (docs/api.md).

422 answers add `errors`: a list of `{loc, msg}` saying which item, field or question
is wrong and why.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import Http404
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from accounts.api_keys import ApiKeyError
from feedback.errors import Conflict, InvalidData, Problem
from feedback.services.records import TooManyItems


class PayloadTooLarge(exceptions.APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_detail = "The request body is too large."


def _problems_from_drf(detail: Any, loc: tuple[Any, ...] = ()) -> list[Problem]:
    if isinstance(detail, dict):
        problems: list[Problem] = []
        for key, value in detail.items():
            inner = loc if key == "non_field_errors" else (*loc, key)
            problems += _problems_from_drf(value, inner)
        return problems
    if isinstance(detail, list):
        if all(isinstance(item, str) for item in detail):
            return [Problem(loc, " ".join(str(item) for item in detail))]
        problems = []
        for index, item in enumerate(detail):
            if item:
                problems += _problems_from_drf(item, (*loc, index))
        return problems
    return [Problem(loc, str(detail))]


def printable(value: Any) -> Any:
    """Hostile input can put unpaired surrogates into a location or message; JSON cannot
    carry them, so they are shown escaped."""
    if isinstance(value, str):
        return value.encode("utf-8", "backslashreplace").decode("utf-8")
    return value


def unprocessable(problems: list[Problem]) -> Response:
    problems = [Problem(tuple(printable(part) for part in p.loc), printable(p.msg)) for p in problems]
    summary = "; ".join(str(problem) for problem in problems[:20])
    if len(problems) > 20:
        summary += f"; and {len(problems) - 20} more"
    return Response(
        {"detail": summary, "errors": [problem.as_dict() for problem in problems]},
        status=status.HTTP_422_UNPROCESSABLE_ENTITY,
    )


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    if isinstance(exc, InvalidData):
        return unprocessable(exc.problems)
    if isinstance(exc, exceptions.ValidationError):
        return unprocessable(_problems_from_drf(exc.detail))
    if isinstance(exc, ApiKeyError):
        return unprocessable([Problem((), str(exc))])
    if isinstance(exc, Conflict):
        return Response({"detail": str(exc)}, status=status.HTTP_409_CONFLICT)
    if isinstance(exc, TooManyItems):
        return Response({"detail": str(exc)}, status=status.HTTP_413_REQUEST_ENTITY_TOO_LARGE)
    if isinstance(exc, (Http404, exceptions.NotFound)):
        return Response({"detail": "Not found."}, status=status.HTTP_404_NOT_FOUND)
    if isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied()
    return drf_exception_handler(exc, context)
