"""The Argilla v1 wire shapes of our objects (API answers and webhook events), each declared once.

A shape is a DRF serializer: drf-spectacular reads it for the OpenAPI schema, and
`compile_dump` turns it, once at import, into a plain function `obj -> dict` that the
views and webhooks call. Record lists can hold a thousand records with their responses
and suggestions, so that function is generated Python source (one dict display per
shape, as a hand-written builder would be): no per-row serializer machinery and no
per-row query. A shape change is one edit here; `tests/feedback/test_shapes.py` checks
that every compiled dump equals DRF's own `Shape(obj).data`.

Keys the wire has only sometimes (a record's `responses`, `suggestions` and `vectors`
when included, an API key's `key` once) are declared `required=False` for the schema
and added by the `*_out` builder from its arguments.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Mapping
from types import MappingProxyType
from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from accounts.models import ApiKey, User
from accounts.services import ROLES
from feedback import agreement
from feedback.models import (
    Dataset,
    DatasetStatus,
    ExportJob,
    Field,
    FieldType,
    ImportJob,
    JobStatus,
    MetadataProperty,
    MetadataType,
    MetricsJob,
    Question,
    QuestionType,
    Record,
    RecordStatus,
    Response,
    ResponseStatus,
    Suggestion,
    SuggestionType,
    VectorSettings,
    Webhook,
)
from workspaces.models import Workspace

Context = Mapping[str, Any]
Dump = Callable[..., dict[str, Any]]
Compute = Callable[[Any, Context], Any]

_NO_CONTEXT: Context = MappingProxyType({})

# ---------------------------------------------------------------------------
# The declaration vocabulary: DRF fields, and two marks the compiler understands


class Instant(serializers.DateTimeField):
    """A moment as `datetime.isoformat()`: `+00:00`, not DRF's `Z`, as the wire has always had it."""

    def to_representation(self, value: Any) -> Any:
        return value.isoformat()


class _Computed:
    """A key whose value is `compute(obj, context)` rather than an attribute of `obj`."""

    def __init__(self, compute: Compute, **kwargs: Any) -> None:
        self.compute = compute
        super().__init__(source="*", **kwargs)  # type: ignore[call-arg]

    def to_representation(self, obj: Any) -> Any:
        return self.compute(obj, self.context)  # type: ignore[attr-defined]


class _BlankAsNull:
    """An attribute whose blank value (`""`, `{}`) is sent as null: `value or None`."""

    def to_representation(self, value: Any) -> Any:
        return super().to_representation(value) if value else None  # type: ignore[misc]


_MARKED: dict[tuple[type, type], type] = {}


def _marked(mark: type, field_class: type) -> type:
    """`field_class` with `mark` mixed in, under its own name and docstring (the schema's)."""
    key = (mark, field_class)
    if key not in _MARKED:
        _MARKED[key] = type(field_class.__name__, (mark, field_class), {"__doc__": field_class.__doc__})
    return _MARKED[key]


def computed(field_class: type, compute: Compute, **kwargs: Any) -> Any:
    """A key computed from the whole object (and the builder's context), documented as `field_class(**kwargs)`."""
    return _marked(_Computed, field_class)(compute, **kwargs)


def blank_as_null(field_class: type, **kwargs: Any) -> Any:
    """`field_class(allow_null=True, **kwargs)` whose blank value is sent as null."""
    return _marked(_BlankAsNull, field_class)(allow_null=True, **kwargs)


def _constant(value: Any) -> Compute:
    return lambda obj, context: value


def _typed_settings(obj: Any, context: Context) -> dict[str, Any]:
    return {"type": obj.type, **obj.settings}


# ---------------------------------------------------------------------------
# The compiler


_IDENTITY = (
    serializers.CharField,
    serializers.ChoiceField,
    serializers.IntegerField,
    serializers.FloatField,
    serializers.BooleanField,
    serializers.DictField,
    serializers.ListField,
    serializers.JSONField,
)


def _expression(field: serializers.Field, namespace: dict[str, Any]) -> str:
    """Python source for one key's value, reading `obj` and `context`."""
    if isinstance(field, _Computed):
        name = f"_compute{len(namespace)}"
        namespace[name] = field.compute
        return f"{name}(obj, context)"
    value = ".".join(["obj", *field.source_attrs])
    if isinstance(field, serializers.ListSerializer):
        raise TypeError(f"{field.field_name}: a list of shapes is added by the builder (required=False)")
    if isinstance(field, serializers.Serializer):
        name = f"_dump{len(namespace)}"
        namespace[name] = compile_dump(type(field))
        convert = name + "({}, context)"
    elif isinstance(field, Instant):
        convert = "{}.isoformat()"
    elif isinstance(field, serializers.UUIDField):
        convert = "str({})"
    elif isinstance(field, serializers.DateTimeField):
        raise TypeError(f"{field.field_name}: declare moments as `Instant` (DRF would write `Z` for `+00:00`)")
    elif isinstance(field, _IDENTITY):
        if isinstance(field, _BlankAsNull):
            return f"({value} or None)"
        return value
    else:
        raise TypeError(f"{field.field_name}: no fast conversion for {type(field).__name__}")
    if isinstance(field, _BlankAsNull):
        raise TypeError(f"{field.field_name}: blank_as_null only for fields sent as they are stored")
    if field.allow_null:
        return f"(None if (_value := {value}) is None else {convert.format('_value')})"
    return convert.format(value)


def compile_dump(shape: type[serializers.Serializer]) -> Dump:
    """`shape` as a plain function `(obj, context={}) -> dict` of its always-present keys.

    Each key reads its field's `source` and converts the value as the field's type does
    (UUID → str, `Instant` → isoformat, a nested shape → its own dump, nullables kept
    null); computed keys call their `compute`. Keys declared `required=False` are left
    to the builder. Unknown field types fail here, at import, not on the wire.
    """
    namespace: dict[str, Any] = {"_NO_CONTEXT": _NO_CONTEXT}
    items = [f"{name!r}: {_expression(field, namespace)}" for name, field in shape().fields.items() if field.required]
    source = (
        "def dump(obj, context=_NO_CONTEXT):\n    return {\n" + "".join(f"        {i},\n" for i in items) + "    }\n"
    )
    exec(compile(source, f"<dump of {shape.__name__}>", "exec"), namespace)  # noqa: S102 - our own declarations
    dump: Dump = namespace["dump"]
    dump.__doc__ = f"{shape.__name__} as a plain dict.\n\n{source}"
    return dump


# ---------------------------------------------------------------------------
# The shapes


def _role(user: User, context: Context) -> str:
    """owner: superuser; admin: staff or admin of a workspace (`is_workspace_admin` when known)."""
    if user.is_superuser:
        return "owner"
    is_workspace_admin = context.get("is_workspace_admin")
    if is_workspace_admin is None:
        is_workspace_admin = user.memberships.filter(role="admin").exists()  # type: ignore[attr-defined]
    return "admin" if (user.is_staff or is_workspace_admin) else "annotator"


class UserOut(serializers.Serializer):
    id = serializers.UUIDField()
    username = serializers.CharField()
    first_name = computed(
        serializers.CharField,
        lambda user, context: user.first_name or user.username,
        help_text="The username when the user has no first name.",
    )
    last_name = blank_as_null(serializers.CharField)
    role = computed(
        serializers.ChoiceField,
        _role,
        choices=list(ROLES),
        help_text="owner: superuser; admin: admin of at least one workspace; else annotator.",
    )
    # Keys are stored hashed; see /api/v1/me/api-keys.
    api_key = computed(
        serializers.CharField, _constant(None), allow_null=True, help_text="Always null: keys are stored hashed."
    )
    inserted_at = Instant()
    updated_at = Instant()


class WorkspaceOut(serializers.Serializer):
    id = serializers.UUIDField()
    name = serializers.CharField()
    inserted_at = Instant()
    updated_at = Instant()


class ApiKeyOut(serializers.Serializer):
    id = serializers.UUIDField()
    name = serializers.CharField()
    prefix = computed(
        serializers.CharField,
        lambda api_key, context: f"fl_{api_key.prefix}_",
        help_text="The key's public start, `fl_<prefix>_`.",
    )
    workspace_id = serializers.UUIDField(allow_null=True)
    read_only = serializers.BooleanField()
    inserted_at = Instant()
    last_used_at = Instant(allow_null=True)
    revoked_at = Instant(allow_null=True)
    expires_at = Instant(allow_null=True)


class ApiKeyCreatedOut(ApiKeyOut):
    key = serializers.CharField(help_text="The secret key, shown this once only.")  # added by `api_key_out`


class DistributionOut(serializers.Serializer):
    strategy = computed(serializers.ChoiceField, _constant("overlap"), choices=["overlap"])
    min_submitted = serializers.IntegerField()


class DatasetOut(serializers.Serializer):
    id = serializers.UUIDField()
    name = serializers.CharField()
    guidelines = blank_as_null(serializers.CharField)
    allow_extra_metadata = serializers.BooleanField()
    status = serializers.ChoiceField(choices=DatasetStatus.choices)
    distribution = DistributionOut(source="*")
    metadata = serializers.DictField(allow_null=True)
    workspace_id = serializers.UUIDField()
    last_activity_at = Instant()
    # Feedloop's own settings, beside the wire format's.
    lease_seconds = serializers.IntegerField()
    allow_labeler_records = serializers.BooleanField()
    shuffle_ranking_options = serializers.BooleanField()
    annotators_restricted = serializers.BooleanField()
    leaderboard_models = serializers.DictField(
        child=serializers.CharField(), help_text="Response field -> the record metadata key naming its model."
    )
    inserted_at = Instant()
    updated_at = Instant()


class FieldSettingsOut(serializers.Serializer):
    """The field's settings with its `type`; other keys depend on the type."""

    type = serializers.ChoiceField(choices=FieldType.choices)


class FieldOut(serializers.Serializer):
    id = serializers.UUIDField()
    name = serializers.CharField()
    title = serializers.CharField()
    required = serializers.BooleanField()
    settings = computed(FieldSettingsOut, _typed_settings)
    dataset_id = serializers.UUIDField()
    inserted_at = Instant()
    updated_at = Instant()


class QuestionSettingsOut(serializers.Serializer):
    """The question's settings with its `type`; other keys (options, …) depend on the type."""

    type = serializers.ChoiceField(choices=QuestionType.choices)


class QuestionOut(serializers.Serializer):
    id = serializers.UUIDField()
    name = serializers.CharField()
    title = serializers.CharField()
    description = blank_as_null(serializers.CharField)
    required = serializers.BooleanField()
    settings = computed(QuestionSettingsOut, _typed_settings)
    dataset_id = serializers.UUIDField()
    inserted_at = Instant()
    updated_at = Instant()


class MetadataPropertySettingsOut(serializers.Serializer):
    """The property's settings with its `type`: `values` for terms, `min`/`max` for numbers."""

    type = serializers.ChoiceField(choices=MetadataType.choices)


class MetadataPropertyOut(serializers.Serializer):
    id = serializers.UUIDField()
    name = serializers.CharField()
    title = serializers.CharField()
    settings = computed(MetadataPropertySettingsOut, _typed_settings)
    visible_for_annotators = serializers.BooleanField()
    dataset_id = serializers.UUIDField()
    inserted_at = Instant()
    updated_at = Instant()


class VectorSettingsOut(serializers.Serializer):
    id = serializers.UUIDField()
    name = serializers.CharField()
    title = serializers.CharField()
    dimensions = serializers.IntegerField()
    dataset_id = serializers.UUIDField()
    inserted_at = Instant()
    updated_at = Instant()


class ResponseOut(serializers.Serializer):
    id = serializers.UUIDField()
    values = blank_as_null(serializers.DictField, help_text='By question name: `{"value": ...}`.')
    status = serializers.ChoiceField(choices=ResponseStatus.choices)
    record_id = serializers.UUIDField()
    user_id = serializers.UUIDField()
    time_spent_seconds = serializers.FloatField(allow_null=True)
    inserted_at = Instant()
    updated_at = Instant()


class SuggestionOut(serializers.Serializer):
    id = serializers.UUIDField()
    question_id = serializers.UUIDField()
    type = serializers.ChoiceField(choices=SuggestionType.choices, allow_null=True)
    value = serializers.JSONField()
    agent = serializers.CharField(allow_null=True)
    score = serializers.JSONField(allow_null=True, help_text="A number in [0, 1], a list of them, or null.")
    inserted_at = Instant()
    updated_at = Instant()


def _shown_metadata(record: Record, context: Context) -> Any:
    """The metadata the reader may see: `metadata_keys` (None: all; `selectors.metadata_shown_to`)."""
    metadata = record.metadata
    keys = context.get("metadata_keys")
    if keys is not None and metadata:
        return {key: value for key, value in metadata.items() if key in keys}
    return metadata


class RecordOut(serializers.Serializer):
    id = serializers.UUIDField()
    status = serializers.ChoiceField(choices=RecordStatus.choices)
    fields = serializers.DictField()
    metadata = computed(serializers.DictField, _shown_metadata, allow_null=True)
    external_id = serializers.CharField(allow_null=True)
    dataset_id = serializers.UUIDField()
    inserted_at = Instant()
    updated_at = Instant()
    # Present only when included: `record_out` adds them.
    responses = ResponseOut(many=True, required=False, help_text="When included.")
    suggestions = SuggestionOut(many=True, required=False, help_text="When included.")
    vectors = serializers.DictField(
        child=serializers.ListField(child=serializers.FloatField()),
        required=False,
        help_text="When included: by vector settings name.",
    )


class WebhookOut(serializers.Serializer):
    id = serializers.UUIDField()
    url = serializers.CharField()
    secret = serializers.CharField()
    events = serializers.ListField(child=serializers.CharField())
    enabled = serializers.BooleanField()
    description = blank_as_null(serializers.CharField)
    inserted_at = Instant()
    updated_at = Instant()


class ExportOut(serializers.Serializer):
    id = serializers.UUIDField()
    dataset_id = serializers.UUIDField()
    layout = serializers.CharField()
    format = serializers.CharField()
    options = serializers.DictField()
    status = serializers.ChoiceField(choices=JobStatus.values)
    progress = serializers.FloatField()
    counts = serializers.DictField()
    error = blank_as_null(serializers.CharField)
    started_at = Instant(allow_null=True)
    finished_at = Instant(allow_null=True)
    inserted_at = Instant()
    updated_at = Instant()


class ImportRowError(serializers.Serializer):
    row = serializers.IntegerField(allow_null=True, help_text="line (JSONL, CSV) or row (Parquet, datasets)")
    column = serializers.CharField(allow_null=True)
    reason = serializers.CharField()


class ImportOut(serializers.Serializer):
    id = serializers.UUIDField()
    dataset_id = serializers.UUIDField()
    source_name = serializers.CharField()
    format = serializers.CharField()
    mapping = serializers.DictField()
    split = blank_as_null(serializers.CharField)
    skip_bad_rows = serializers.BooleanField()
    status = serializers.ChoiceField(choices=JobStatus.values)
    progress = serializers.FloatField()
    counts = serializers.DictField()
    error = blank_as_null(serializers.CharField)
    error_count = serializers.IntegerField()
    # Stored as the import wrote them (`feedback.imports`), sent as they are.
    errors = serializers.ListField(child=ImportRowError())
    started_at = Instant(allow_null=True)
    finished_at = Instant(allow_null=True)
    inserted_at = Instant()
    updated_at = Instant()


class GoldOut(serializers.Serializer):
    """A gold record's expected answers (managers only: never in a record shown to labelers)."""

    record_id = serializers.UUIDField(source="id")
    values = serializers.DictField(source="gold", help_text='By question name: `{"value": ...}`.')
    updated_at = Instant()


class MetricsJobOut(serializers.Serializer):
    id = serializers.UUIDField()
    dataset_id = serializers.UUIDField()
    status = serializers.ChoiceField(choices=JobStatus.values)
    progress = serializers.FloatField()
    counts = serializers.DictField(help_text="`responses`: how many were read so far")
    error = blank_as_null(serializers.CharField)
    started_at = Instant(allow_null=True)
    finished_at = Instant(allow_null=True)
    inserted_at = Instant()
    updated_at = Instant()


# ---------------------------------------------------------------------------
# The builders the views and webhooks call

_user = compile_dump(UserOut)
_workspace = compile_dump(WorkspaceOut)
_api_key = compile_dump(ApiKeyOut)
_dataset = compile_dump(DatasetOut)
_field = compile_dump(FieldOut)
_question = compile_dump(QuestionOut)
_metadata_property = compile_dump(MetadataPropertyOut)
_vector_settings = compile_dump(VectorSettingsOut)
_response = compile_dump(ResponseOut)
_suggestion = compile_dump(SuggestionOut)
_record = compile_dump(RecordOut)
_webhook = compile_dump(WebhookOut)
_export = compile_dump(ExportOut)
_import = compile_dump(ImportOut)
_gold = compile_dump(GoldOut)
_metrics_job = compile_dump(MetricsJobOut)

DUMPS: dict[type[serializers.Serializer], Dump] = {
    UserOut: _user,
    WorkspaceOut: _workspace,
    ApiKeyOut: _api_key,
    DatasetOut: _dataset,
    FieldOut: _field,
    QuestionOut: _question,
    MetadataPropertyOut: _metadata_property,
    VectorSettingsOut: _vector_settings,
    ResponseOut: _response,
    SuggestionOut: _suggestion,
    RecordOut: _record,
    WebhookOut: _webhook,
    ExportOut: _export,
    ImportOut: _import,
    GoldOut: _gold,
    MetricsJobOut: _metrics_job,
}
"""Every compiled shape, for the test that holds each to DRF's own rendering."""


def user_out(user: User, *, is_workspace_admin: bool | None = None) -> dict[str, Any]:
    """`is_workspace_admin`, when the caller knows it, saves the role's query."""
    return _user(user, {"is_workspace_admin": is_workspace_admin})


def workspace_out(workspace: Workspace) -> dict[str, Any]:
    return _workspace(workspace)


def api_key_out(api_key: ApiKey, key: str | None = None) -> dict[str, Any]:
    """`key`, the secret, only in the answer that created it."""
    shape = _api_key(api_key)
    if key is not None:
        shape["key"] = key
    return shape


def dataset_out(dataset: Dataset) -> dict[str, Any]:
    return _dataset(dataset)


def field_out(field: Field) -> dict[str, Any]:
    return _field(field)


def question_out(question: Question) -> dict[str, Any]:
    return _question(question)


def metadata_property_out(prop: MetadataProperty) -> dict[str, Any]:
    return _metadata_property(prop)


def vector_settings_out(vector_settings: VectorSettings) -> dict[str, Any]:
    return _vector_settings(vector_settings)


def response_out(response: Response) -> dict[str, Any]:
    return _response(response)


def suggestion_out(suggestion: Suggestion) -> dict[str, Any]:
    return _suggestion(suggestion)


def record_out(
    record: Record,
    *,
    responses: Iterable[Response] | None = None,
    suggestions: Iterable[Suggestion] | None = None,
    vectors: list[str] | None = None,
    metadata_keys: Collection[str] | None = None,
) -> dict[str, Any]:
    """A record; `responses`/`suggestions` given (even empty) means they were included,
    `vectors` names the vectors to include (None: not included), `metadata_keys` the
    metadata the reader may see (None: all; `selectors.metadata_shown_to`)."""
    shape = _record(record, {"metadata_keys": metadata_keys} if metadata_keys is not None else _NO_CONTEXT)
    if responses is not None:
        shape["responses"] = [_response(response) for response in responses]
    if suggestions is not None:
        shape["suggestions"] = [_suggestion(suggestion) for suggestion in suggestions]
    if vectors is not None:
        stored = record.vectors or {}
        shape["vectors"] = {name: stored[name] for name in vectors if name in stored}
    return shape


def webhook_out(webhook: Webhook) -> dict[str, Any]:
    return _webhook(webhook)


def export_out(job: ExportJob) -> dict[str, Any]:
    return _export(job)


def import_out(job: ImportJob) -> dict[str, Any]:
    return _import(job)


def gold_out(record: Record) -> dict[str, Any]:
    return _gold(record)


def metrics_job_out(job: MetricsJob) -> dict[str, Any]:
    return _metrics_job(job)


# ---------------------------------------------------------------------------
# Answers built elsewhere (lists, metrics, bulk results), declared here for the schema


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
WebhookListOut = _items("WebhookListOut", WebhookOut)


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
    metric = serializers.ChoiceField(choices=[agreement.METRIC])
    level = serializers.ChoiceField(
        choices=list(agreement.LEVELS),
        help_text="the distance between two answers: nominal, ordinal or interval over one value per unit; "
        "jaccard between two sets of labels; kendall_tau between two rankings",
    )
    unit = serializers.ChoiceField(
        choices=list(agreement.UNITS), help_text="what one unit is: a record, or a record's option (or label)"
    )
    value = serializers.FloatField(allow_null=True, help_text="None when nothing is pairable or nothing varies")
    units = serializers.IntegerField(help_text="units with two answers or more")
    pairable_values = serializers.IntegerField()


class AlphaIntervalOut(serializers.Serializer):
    low = serializers.FloatField(allow_null=True)
    high = serializers.FloatField(allow_null=True)
    confidence = serializers.FloatField()
    rounds = serializers.IntegerField()
    seed = serializers.IntegerField()
    resampled = serializers.CharField()


class DisputedRecordOut(serializers.Serializer):
    record_id = serializers.UUIDField()
    disagreement = serializers.FloatField(help_text="mean distance between two answers of the record")


class QuestionMetricsOut(serializers.Serializer):
    name = serializers.CharField()
    type = serializers.CharField()
    answered_records = serializers.IntegerField()
    agreement = AgreementOut(allow_null=True, help_text="The type's main measure (the first of `agreements`).")
    agreements = AgreementOut(many=True, help_text="Every agreement measure of the question's type.")
    unified = serializers.DictField(
        allow_null=True, help_text="the strategy and the distribution of each record's unified answer"
    )
    distribution = serializers.DictField(
        allow_null=True,
        help_text="submitted answers per option (ratings, labels, each chosen label); for rankings "
        "option -> rank -> count; null for text and span questions",
    )
    agreement_interval = AlphaIntervalOut(allow_null=True, help_text="bootstrap interval of `agreement`")
    disputed = DisputedRecordOut(many=True, help_text="the records with the most disagreement, most first")


class SecondsBinOut(serializers.Serializer):
    low = serializers.IntegerField()
    high = serializers.IntegerField(allow_null=True, help_text="null: open-ended")
    count = serializers.IntegerField()


class SecondsPerRecordOut(serializers.Serializer):
    median = serializers.FloatField(allow_null=True)
    histogram = SecondsBinOut(many=True)


class DayCountOut(serializers.Serializer):
    day = serializers.DateField()
    count = serializers.IntegerField()


class LabelerAgreementOut(serializers.Serializer):
    question = serializers.CharField()
    level = serializers.CharField()
    records = serializers.IntegerField(help_text="records this labeler answered with at least one other")
    alpha = serializers.FloatField(allow_null=True, help_text="the question's alpha with everyone")
    alpha_without = serializers.FloatField(allow_null=True, help_text="the same alpha with this labeler left out")


class AnnotatorMetricsOut(ResponseCountsOut):
    user_id = serializers.UUIDField()
    username = serializers.CharField()
    time_spent_seconds = serializers.FloatField()
    seconds_per_submission = serializers.FloatField(allow_null=True)
    seconds_per_record = SecondsPerRecordOut(help_text="over submitted responses")
    submitted_per_day = DayCountOut(many=True)
    written_answers = serializers.IntegerField(help_text="submitted answers to text questions")
    paste_rate = serializers.FloatField(allow_null=True, help_text="share of written answers that were pasted")
    agreement = LabelerAgreementOut(many=True)
    gold_accuracy = serializers.FloatField(required=False, help_text="only where gold checks measured it")


class ProgressDayOut(serializers.Serializer):
    day = serializers.DateField()
    submitted = serializers.IntegerField()
    completed = serializers.IntegerField()


class MetricsProgressOut(serializers.Serializer):
    per_day = ProgressDayOut(many=True)
    pace_per_day = serializers.FloatField(allow_null=True, help_text="mean completions a day, last active days")
    pace_days = serializers.IntegerField(help_text="active days the pace is measured over (at most 7)")
    remaining = serializers.IntegerField()
    eta_days = serializers.FloatField(allow_null=True)
    eta_date = serializers.DateField(allow_null=True)


class LabelerGoldOut(serializers.Serializer):
    user_id = serializers.UUIDField()
    username = serializers.CharField()
    graded = serializers.IntegerField(help_text="Submitted answers to gold records that were graded.")
    correct = serializers.IntegerField()
    accuracy = serializers.FloatField(allow_null=True, help_text="correct / graded; null before the first.")
    flagged = serializers.BooleanField(help_text="graded >= min_answers and accuracy < threshold")
    paused = serializers.BooleanField(
        help_text="The dataset pauses flagged labelers and the gold answers since the last lift flag them."
    )


class GoldReportOut(serializers.Serializer):
    gold_records = serializers.IntegerField()
    rate = serializers.FloatField()
    threshold = serializers.FloatField()
    min_answers = serializers.IntegerField()
    pause_flagged = serializers.BooleanField()
    labelers = LabelerGoldOut(many=True)


class LeaderboardModelOut(serializers.Serializer):
    rank = serializers.IntegerField(allow_null=True, help_text="1 = best score; null without decided comparisons")
    model = serializers.CharField()
    score = serializers.FloatField(
        allow_null=True, help_text="Bradley-Terry log-strength, mean zero: P(a beats b) = 1 / (1 + exp(s_b - s_a))"
    )
    score_low = serializers.FloatField(allow_null=True, help_text="bootstrap 95 % interval, lower end")
    score_high = serializers.FloatField(allow_null=True, help_text="bootstrap 95 % interval, upper end")
    wins = serializers.IntegerField()
    losses = serializers.IntegerField()
    ties = serializers.IntegerField()
    win_rate = serializers.FloatField(allow_null=True, help_text="wins / (wins + losses); ties left out")


class LeaderboardPairOut(serializers.Serializer):
    model_a = serializers.CharField()
    model_b = serializers.CharField()
    a_wins = serializers.IntegerField()
    b_wins = serializers.IntegerField()
    ties = serializers.IntegerField()
    a_win_rate = serializers.FloatField(allow_null=True)


class LeaderboardRatingOut(serializers.Serializer):
    question = serializers.CharField()
    field = serializers.CharField(help_text="the response field the question rates")
    model = serializers.CharField()
    n = serializers.IntegerField()
    mean = serializers.FloatField()
    mean_low = serializers.FloatField(allow_null=True, help_text="95 % t-interval (null under two ratings)")
    mean_high = serializers.FloatField(allow_null=True)


class LeaderboardLabelsOut(serializers.Serializer):
    question = serializers.CharField()
    field = serializers.CharField(help_text="the response field the question labels")
    model = serializers.CharField()
    responses = serializers.IntegerField(help_text="submitted responses that judged this model")
    rates = serializers.DictField(child=serializers.FloatField(), help_text="label -> share of those responses")


class LeaderboardOut(serializers.Serializer):
    leaderboard_models = serializers.DictField(child=serializers.CharField())
    comparisons = serializers.IntegerField(help_text="decided comparisons (a winner and a loser)")
    ties = serializers.IntegerField()
    same_model = serializers.IntegerField(help_text="comparisons of a model with itself, left out")
    models = LeaderboardModelOut(many=True, help_text="best first")
    pairs = LeaderboardPairOut(many=True)
    ratings = LeaderboardRatingOut(many=True)
    labels = LeaderboardLabelsOut(many=True)
    method = serializers.DictField(help_text="the fit, its regularisation, bootstrap rounds and seed, questions read")


class MetricsOut(serializers.Serializer):
    computed_at = Instant(help_text="when the cached computation started")
    records = ProgressOut()
    responses = ResponseCountsOut()
    progress = MetricsProgressOut()
    questions = QuestionMetricsOut(many=True, help_text="Over the records that are not gold.")
    annotators = AnnotatorMetricsOut(many=True)
    gold = GoldReportOut(help_text="Each labeler's accuracy on the gold records (`feedback.gold`).")
    leaderboard = LeaderboardOut(allow_null=True, help_text="null unless the dataset names its models")


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
