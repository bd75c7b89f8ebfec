"""Documentation of /api/v1 for the OpenAPI schema (drf-spectacular): never used to answer.

The views build their answers as plain dicts (`shapes`) and read bodies with `inputs`.
The serializers here describe those answers exactly as `shapes` builds them, and the
bodies `inputs` cannot express (bulk items, search); the views' `@extend_schema`
decorators name them. Keep them in step with `shapes.py` when a shape changes.
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

from feedback.api.inputs import ROLES
from feedback.models import (
    DatasetStatus,
    FieldType,
    JobStatus,
    MetadataType,
    QuestionType,
    RecordStatus,
    ResponseStatus,
    SuggestionType,
)

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
# Answers: the shapes of `feedback.shapes`


class _Stamps(serializers.Serializer):
    inserted_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()


class UserOut(_Stamps):
    id = serializers.UUIDField()
    username = serializers.CharField()
    first_name = serializers.CharField(help_text="The username when the user has no first name.")
    last_name = serializers.CharField(allow_null=True)
    role = serializers.ChoiceField(
        choices=ROLES, help_text="owner: superuser; admin: admin of at least one workspace; else annotator."
    )
    api_key = serializers.CharField(allow_null=True, help_text="Always null: keys are stored hashed.")


class WorkspaceOut(_Stamps):
    id = serializers.UUIDField()
    name = serializers.CharField()


class ApiKeyOut(serializers.Serializer):
    id = serializers.UUIDField()
    name = serializers.CharField()
    prefix = serializers.CharField(help_text="The key's public start, `fl_<prefix>_`.")
    workspace_id = serializers.UUIDField(allow_null=True)
    read_only = serializers.BooleanField()
    inserted_at = serializers.DateTimeField()
    last_used_at = serializers.DateTimeField(allow_null=True)
    revoked_at = serializers.DateTimeField(allow_null=True)


class ApiKeyCreatedOut(ApiKeyOut):
    key = serializers.CharField(help_text="The secret key, shown this once only.")


class DistributionOut(serializers.Serializer):
    strategy = serializers.ChoiceField(choices=["overlap"])
    min_submitted = serializers.IntegerField()


class DatasetOut(_Stamps):
    id = serializers.UUIDField()
    name = serializers.CharField()
    guidelines = serializers.CharField(allow_null=True)
    allow_extra_metadata = serializers.BooleanField()
    status = serializers.ChoiceField(choices=DatasetStatus.choices)
    distribution = DistributionOut()
    metadata = serializers.DictField(allow_null=True)
    workspace_id = serializers.UUIDField()
    last_activity_at = serializers.DateTimeField()
    lease_seconds = serializers.IntegerField()
    allow_labeler_records = serializers.BooleanField()
    shuffle_ranking_options = serializers.BooleanField()
    annotators_restricted = serializers.BooleanField()


class FieldSettingsOut(serializers.Serializer):
    """The field's settings with its `type`; other keys depend on the type."""

    type = serializers.ChoiceField(choices=FieldType.choices)


class FieldOut(_Stamps):
    id = serializers.UUIDField()
    name = serializers.CharField()
    title = serializers.CharField()
    required = serializers.BooleanField()
    settings = FieldSettingsOut()
    dataset_id = serializers.UUIDField()


class QuestionSettingsOut(serializers.Serializer):
    """The question's settings with its `type`; other keys (options, …) depend on the type."""

    type = serializers.ChoiceField(choices=QuestionType.choices)


class QuestionOut(_Stamps):
    id = serializers.UUIDField()
    name = serializers.CharField()
    title = serializers.CharField()
    description = serializers.CharField(allow_null=True)
    required = serializers.BooleanField()
    settings = QuestionSettingsOut()
    dataset_id = serializers.UUIDField()


class MetadataPropertySettingsOut(serializers.Serializer):
    """The property's settings with its `type`: `values` for terms, `min`/`max` for numbers."""

    type = serializers.ChoiceField(choices=MetadataType.choices)


class MetadataPropertyOut(_Stamps):
    id = serializers.UUIDField()
    name = serializers.CharField()
    title = serializers.CharField()
    settings = MetadataPropertySettingsOut()
    visible_for_annotators = serializers.BooleanField()
    dataset_id = serializers.UUIDField()


class VectorSettingsOut(_Stamps):
    id = serializers.UUIDField()
    name = serializers.CharField()
    title = serializers.CharField()
    dimensions = serializers.IntegerField()
    dataset_id = serializers.UUIDField()


class ResponseOut(_Stamps):
    id = serializers.UUIDField()
    values = serializers.DictField(allow_null=True, help_text='By question name: `{"value": ...}`.')
    status = serializers.ChoiceField(choices=ResponseStatus.choices)
    record_id = serializers.UUIDField()
    user_id = serializers.UUIDField()
    time_spent_seconds = serializers.FloatField(allow_null=True)


class SuggestionOut(_Stamps):
    id = serializers.UUIDField()
    question_id = serializers.UUIDField()
    type = serializers.ChoiceField(choices=SuggestionType.choices, allow_null=True)
    value = serializers.JSONField()
    agent = serializers.CharField(allow_null=True)
    score = serializers.JSONField(allow_null=True, help_text="A number in [0, 1], a list of them, or null.")


class RecordOut(_Stamps):
    id = serializers.UUIDField()
    status = serializers.ChoiceField(choices=RecordStatus.choices)
    fields = serializers.DictField()
    metadata = serializers.DictField(allow_null=True)
    external_id = serializers.CharField(allow_null=True)
    dataset_id = serializers.UUIDField()
    responses = ResponseOut(many=True, required=False, help_text="When included.")
    suggestions = SuggestionOut(many=True, required=False, help_text="When included.")
    vectors = serializers.DictField(
        child=serializers.ListField(child=serializers.FloatField()),
        required=False,
        help_text="When included: by vector settings name.",
    )


def _items(name: str, item: type[serializers.Serializer]) -> type[serializers.Serializer]:
    """`{"items": [item, ...]}`."""
    return type(name, (serializers.Serializer,), {"items": item(many=True)})


UserListOut = _items("UserListOut", UserOut)
WorkspaceListOut = _items("WorkspaceListOut", WorkspaceOut)
ApiKeyListOut = _items("ApiKeyListOut", ApiKeyOut)
DatasetListOut = _items("DatasetListOut", DatasetOut)
FieldListOut = _items("FieldListOut", FieldOut)
QuestionListOut = _items("QuestionListOut", QuestionOut)
MetadataPropertyListOut = _items("MetadataPropertyListOut", MetadataPropertyOut)
VectorSettingsListOut = _items("VectorSettingsListOut", VectorSettingsOut)
SuggestionListOut = _items("SuggestionListOut", SuggestionOut)


class RecordsOut(serializers.Serializer):
    items = RecordOut(many=True)
    total = serializers.IntegerField()


class BulkCreatedOut(serializers.Serializer):
    items = RecordOut(many=True, help_text="The new records, with their suggestions and responses.")


class BulkOut(serializers.Serializer):
    items = RecordOut(many=True, help_text="The batch's records, with their suggestions and responses.")
    updated_item_ids = serializers.ListField(child=serializers.UUIDField(), help_text="The records that existed.")


class SearchItemOut(serializers.Serializer):
    record = RecordOut()
    query_score = serializers.FloatField(allow_null=True)


class SearchOut(serializers.Serializer):
    items = SearchItemOut(many=True)
    total = serializers.IntegerField()


class ProgressOut(serializers.Serializer):
    total = serializers.IntegerField()
    completed = serializers.IntegerField()
    pending = serializers.IntegerField()


class ResponseCountsOut(serializers.Serializer):
    submitted = serializers.IntegerField()
    draft = serializers.IntegerField()
    discarded = serializers.IntegerField()


class UserProgressOut(ResponseCountsOut):
    username = serializers.CharField()
    completed = ResponseCountsOut(help_text="Responses on completed records.")
    pending = ResponseCountsOut(help_text="Responses on pending records.")


class UsersProgressOut(serializers.Serializer):
    users = UserProgressOut(many=True)


class AgreementOut(serializers.Serializer):
    metric = serializers.CharField(help_text="krippendorff_alpha")
    level = serializers.ChoiceField(choices=["nominal", "interval"])
    value = serializers.FloatField(allow_null=True, help_text="None when nothing is pairable or nothing varies")
    units = serializers.IntegerField(help_text="records (or record options) with two answers or more")
    pairable_values = serializers.IntegerField()


class QuestionMetricsOut(serializers.Serializer):
    name = serializers.CharField()
    type = serializers.CharField()
    answered_records = serializers.IntegerField()
    agreement = AgreementOut(allow_null=True)
    unified = serializers.DictField(
        allow_null=True, help_text="the strategy and the distribution of each record's unified answer"
    )


class AnnotatorMetricsOut(ResponseCountsOut):
    user_id = serializers.UUIDField()
    username = serializers.CharField()
    time_spent_seconds = serializers.FloatField()
    seconds_per_submission = serializers.FloatField(allow_null=True)


class MetricsOut(serializers.Serializer):
    records = ProgressOut()
    responses = ResponseCountsOut()
    questions = QuestionMetricsOut(many=True)
    annotators = AnnotatorMetricsOut(many=True)


class ErrorOut(serializers.Serializer):
    detail = serializers.CharField()


class MeResponsesBulkItemOut(serializers.Serializer):
    item = ResponseOut(allow_null=True)
    error = ErrorOut(allow_null=True)


class MeResponsesBulkOut(serializers.Serializer):
    items = MeResponsesBulkItemOut(many=True, help_text="One per item sent, in order.")


class VersionOut(serializers.Serializer):
    version = serializers.CharField()


class StatusOut(VersionOut):
    status = serializers.ChoiceField(choices=["ok"])


@extend_schema_field({"oneOf": [{"type": "string"}, {"type": "integer"}]})
class LocPart(serializers.Field):
    """A key (string) or a position (integer) in the input."""


class ProblemOut(serializers.Serializer):
    loc = serializers.ListField(child=LocPart(), help_text="Where in the input: keys and positions.")
    msg = serializers.CharField()


class ValidationErrorOut(ErrorOut):
    errors = ProblemOut(many=True)


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


# ---------------------------------------------------------------------------
# Webhooks


class WebhookOut(_Stamps):
    id = serializers.UUIDField()
    url = serializers.CharField()
    secret = serializers.CharField()
    events = serializers.ListField(child=serializers.CharField())
    enabled = serializers.BooleanField()
    description = serializers.CharField(allow_null=True)


WebhookListOut = _items("WebhookListOut", WebhookOut)


# Exports


class ExportOut(_Stamps):
    id = serializers.UUIDField()
    dataset_id = serializers.UUIDField()
    layout = serializers.CharField()
    format = serializers.CharField()
    options = serializers.DictField()
    status = serializers.ChoiceField(choices=JobStatus.values)
    progress = serializers.FloatField()
    counts = serializers.DictField()
    error = serializers.CharField(allow_null=True)
    started_at = serializers.DateTimeField(allow_null=True)
    finished_at = serializers.DateTimeField(allow_null=True)


# Imports


class ImportRowError(serializers.Serializer):
    row = serializers.IntegerField(allow_null=True, help_text="line (JSONL, CSV) or row (Parquet, datasets)")
    column = serializers.CharField(allow_null=True)
    reason = serializers.CharField()


class ImportOut(_Stamps):
    id = serializers.UUIDField()
    dataset_id = serializers.UUIDField()
    source_name = serializers.CharField()
    format = serializers.CharField()
    mapping = serializers.DictField()
    split = serializers.CharField(allow_null=True)
    skip_bad_rows = serializers.BooleanField()
    status = serializers.ChoiceField(choices=JobStatus.values)
    progress = serializers.FloatField()
    counts = serializers.DictField()
    error = serializers.CharField(allow_null=True)
    error_count = serializers.IntegerField()
    errors = ImportRowError(many=True)
    started_at = serializers.DateTimeField(allow_null=True)
    finished_at = serializers.DateTimeField(allow_null=True)
