"""Documentation of /api/v1 for the OpenAPI schema (drf-spectacular) that is not an answer shape.

The answers are declared once, in `feedback.shapes`, which both builds them and
documents them. Here: the authentication schemes, the bodies `inputs` cannot express
(bulk items, search), the error answers and the parameters the views' decorators name.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema_field,
)
from rest_framework import serializers

from feedback.models import ResponseStatus, SuggestionType
from feedback.shapes import ErrorOut, ValidationErrorOut

# ---------------------------------------------------------------------------
# Authentication


class ApiKeyAuthenticationScheme(OpenApiAuthenticationExtension):
    """`accounts.authentication.ApiKeyAuthentication`: either header carries the key."""

    target_class = "accounts.authentication.ApiKeyAuthentication"
    name = ["ApiKeyHeader", "ApiKeyBearer"]

    def get_security_requirement(self, auto_schema: Any) -> list[dict[str, list[Any]]]:
        return [{"ApiKeyHeader": []}, {"ApiKeyBearer": []}]

    def get_security_definition(self, auto_schema: Any) -> list[dict[str, Any]]:
        return [
            {"type": "apiKey", "in": "header", "name": "X-Argilla-Api-Key", "description": "An API key."},
            {"type": "http", "scheme": "bearer", "description": "An API key (not a JWT) as the bearer token."},
        ]


# ---------------------------------------------------------------------------
# Bodies that `inputs` does not describe (the views read them by hand)


@extend_schema_field({"oneOf": [{"type": "string"}, {"type": "integer"}], "nullable": True})
class ExternalId(serializers.Field):
    """A string of 1 to 500 characters (an integer is taken as its digits), or null."""


class RecordSuggestionItem(serializers.Serializer):
    question_id = serializers.UUIDField(required=False, allow_null=True)
    question_name = serializers.CharField(required=False, help_text="Instead of question_id.")
    value = serializers.JSONField()
    score = serializers.JSONField(required=False, allow_null=True)
    agent = serializers.CharField(required=False, allow_null=True)
    type = serializers.ChoiceField(choices=SuggestionType.choices, required=False, allow_null=True)


class RecordResponseItem(serializers.Serializer):
    user_id = serializers.UUIDField()
    values = serializers.DictField(required=False, allow_null=True)
    status = serializers.ChoiceField(choices=ResponseStatus.choices)


class RecordItem(serializers.Serializer):
    id = serializers.UUIDField(required=False, allow_null=True, help_text="Matches an existing record (PUT).")
    external_id = ExternalId(required=False, help_text="Matches an existing record first (PUT).")
    fields = serializers.DictField(
        required=False, allow_null=True, help_text="Required for a new record; null keeps an existing one's."
    )
    metadata = serializers.DictField(required=False, allow_null=True)
    suggestions = RecordSuggestionItem(many=True, required=False, allow_null=True)
    responses = RecordResponseItem(many=True, required=False, allow_null=True)
    vectors = serializers.DictField(
        child=serializers.ListField(child=serializers.FloatField()), required=False, allow_null=True
    )


class RecordsBulkWrite(serializers.Serializer):
    items = RecordItem(many=True, allow_empty=False, max_length=settings.FEEDLOOP_BULK_MAX_RECORDS)


class ResponsesBulkItem(serializers.Serializer):
    record_id = serializers.UUIDField()
    values = serializers.DictField(required=False, allow_null=True)
    status = serializers.ChoiceField(choices=ResponseStatus.choices)
    time_spent_seconds = serializers.FloatField(required=False, allow_null=True, min_value=0)


class ResponsesBulkWrite(serializers.Serializer):
    items = ResponsesBulkItem(many=True, allow_empty=False, max_length=settings.FEEDLOOP_BULK_MAX_RECORDS)


class SearchText(serializers.Serializer):
    q = serializers.CharField()
    field = serializers.CharField(required=False, allow_null=True, help_text="Search one field only.")


class SearchVector(serializers.Serializer):
    name = serializers.CharField(help_text="The vector settings' name.")
    value = serializers.ListField(
        child=serializers.FloatField(), required=False, allow_null=True, help_text="Either value or record_id."
    )
    record_id = serializers.UUIDField(required=False, allow_null=True)
    order = serializers.ChoiceField(
        choices=["most_similar", "least_similar"], required=False, allow_null=True, default="most_similar"
    )


class SearchQuery(serializers.Serializer):
    text = SearchText(required=False, allow_null=True)
    vector = SearchVector(required=False, allow_null=True)


class SearchRecordsQuery(serializers.Serializer):
    """The wire format's `SearchRecordsQuery`."""

    query = SearchQuery(required=False, allow_null=True)
    filters = serializers.DictField(
        required=False,
        allow_null=True,
        help_text='`{"and": [{"type": "terms", "scope": {...}, "values": [...]}, '
        '{"type": "range", "scope": {...}, "ge": n, "le": n}]}`; scopes name a record property, '
        "a metadata property, a question's response or a suggestion.",
    )
    sort = serializers.ListField(
        child=serializers.DictField(),
        required=False,
        allow_null=True,
        help_text='`[{"scope": {...}, "order": "asc" | "desc"}]`, by record properties or metadata.',
    )


def json_body(serializer: Any) -> dict[str, Any]:
    """A JSON request body (the API takes JSON; multipart is for file uploads only)."""
    return {"application/json": serializer}


# ---------------------------------------------------------------------------
# Error answers and parameters, for the decorators

_ERRORS: dict[int, tuple[type[serializers.Serializer], str]] = {
    400: (ErrorOut, "Malformed JSON (or nested too deep)."),
    401: (ErrorOut, "Missing, invalid or revoked credentials."),
    403: (ErrorOut, "The caller lacks the role, or the API key is read-only."),
    404: (ErrorOut, "Not found, or in a workspace the caller cannot see."),
    409: (ErrorOut, "Conflicts with stored data (for example a name taken)."),
    413: (ErrorOut, "The body is over the size limit, or there are too many items."),
    415: (ErrorOut, "The body is not JSON."),
    422: (ValidationErrorOut, "Well-formed but invalid: `errors` says where and why."),
    502: (ErrorOut, "A remote endpoint (a webhook's URL) did not take the request: `detail` says why."),
}


def errors(*codes: int) -> dict[int, OpenApiResponse]:
    """The error answers `codes` of an operation."""
    return {code: OpenApiResponse(_ERRORS[code][0], description=_ERRORS[code][1]) for code in codes}


BODY_ERRORS = (400, 413, 415, 422)
"""What reading a JSON body can answer."""

NO_CONTENT = OpenApiResponse(description="Done; no content.")


def path(name: str, description: str = "") -> OpenApiParameter:
    """An id in the path (anything else is a 422)."""
    return OpenApiParameter(name, OpenApiTypes.UUID, OpenApiParameter.PATH, description=description)


OFFSET = OpenApiParameter(
    "offset",
    {"type": "integer", "minimum": 0, "maximum": 2**31 - 1, "default": 0},
    OpenApiParameter.QUERY,
    description="How many to skip.",
)
LIMIT = OpenApiParameter(
    "limit",
    {"type": "integer", "minimum": 1, "maximum": 1000, "default": 50},
    OpenApiParameter.QUERY,
    description="How many at most.",
)
INCLUDE = OpenApiParameter(
    "include",
    {"type": "array", "items": {"type": "string", "pattern": r"^(responses|suggestions|vectors(:[^&]*)?)$"}},
    OpenApiParameter.QUERY,
    style="form",
    explode=True,
    description="Repeat to include `responses`, `suggestions` or `vectors` "
    "(all of them, or `vectors:name1,name2`) in each record.",
)
PAGE = [OFFSET, LIMIT]


def ids(description: str, *, required: bool, max_items: int | None = None) -> OpenApiParameter:
    """Comma-separated ids (the parameter may also repeat)."""
    schema: dict[str, Any] = {"type": "array", "items": {"type": "string", "format": "uuid"}}
    if required:
        schema["minItems"] = 1
    if max_items is not None:
        schema["maxItems"] = max_items
    return OpenApiParameter(
        "ids", schema, OpenApiParameter.QUERY, required=required, style="form", explode=False, description=description
    )
