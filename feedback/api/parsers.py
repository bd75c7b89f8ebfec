"""A strict JSON parser: bounded size and depth, no NaN or Infinity."""

from __future__ import annotations

import json
from typing import Any

from django.conf import settings
from rest_framework.exceptions import ParseError
from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.parsers import JSONParser

from feedback.api.errors import PayloadTooLarge

MAX_REQUEST_DEPTH = 64


def _reject_constant(name: str) -> Any:
    raise ParseError(f"{name} is not valid JSON; send a number or null")


def _depth_exceeds(value: Any, limit: int) -> bool:
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if depth > limit:
            return True
        if isinstance(item, dict):
            stack.extend((child, depth + 1) for child in item.values())
        elif isinstance(item, list):
            stack.extend((child, depth + 1) for child in item)
    return False


class StrictJSONParser(JSONParser):
    def parse(self, stream: Any, media_type: str | None = None, parser_context: Any = None) -> Any:
        limit = settings.FEEDLOOP_API_MAX_BODY_BYTES
        request = (parser_context or {}).get("request")
        declared = request.META.get("CONTENT_LENGTH") if request is not None else None
        if declared and declared.isdigit() and int(declared) > limit:
            raise PayloadTooLarge(f"The request body is over the limit of {limit} bytes.")
        raw = stream.read(limit + 1)
        if len(raw) > limit:
            raise PayloadTooLarge(f"The request body is over the limit of {limit} bytes.")
        try:
            data = json.loads(raw.decode("utf-8"), parse_constant=_reject_constant)
        except RecursionError:
            raise ParseError(f"JSON nested deeper than {MAX_REQUEST_DEPTH} levels") from None
        except UnicodeDecodeError:
            raise ParseError("the body is not UTF-8") from None
        except ValueError as error:
            raise ParseError(f"malformed JSON: {error}") from None
        if _depth_exceeds(data, MAX_REQUEST_DEPTH):
            raise ParseError(f"JSON nested deeper than {MAX_REQUEST_DEPTH} levels")
        return data


class JSONWhenUndeclared(DefaultContentNegotiation):
    """A body sent without a Content-Type is read as JSON.

    Some Argilla clients send one: LiteLLM's async Argilla logger PUTs
    `records/bulk` with `data=json.dumps(...)` and no Content-Type header, and the
    reference server takes it. A declared type still has to be one we parse (else 415).
    """

    def select_parser(self, request: Any, parsers: Any) -> Any:
        if not request.META.get("CONTENT_TYPE") and not request.META.get("HTTP_CONTENT_TYPE"):
            for parser in parsers:
                if isinstance(parser, JSONParser):
                    return parser
        return super().select_parser(request, parsers)
