"""Request shapes. Only the top-level types are checked here; the rules about values
(question settings, answers, record contents) live in the services and their modules.

Unknown keys are ignored, as the wire format requires.
"""

from __future__ import annotations

from typing import Any

from rest_framework import serializers
from rest_framework.request import Request

from feedback.errors import InvalidData
from feedback.exports.writers import FORMATS as EXPORT_FORMATS

Name = serializers.CharField
ROLES = ["owner", "admin", "annotator"]


def read(serializer_class: type[serializers.Serializer], request: Request, *, partial: bool = False) -> dict[str, Any]:
    """Validate the request body with `serializer_class`; only the keys sent are returned."""
    if not isinstance(request.data, dict):
        raise InvalidData.at(("body",), "must be a JSON object")
    serializer = serializer_class(data=request.data, partial=partial)
    serializer.is_valid(raise_exception=True)
    return dict(serializer.validated_data)


class JSONValue(serializers.JSONField):
    """Any JSON value (type rules are the services')."""


class WorkspaceCreate(serializers.Serializer):
    name = Name(max_length=200)


class UserCreate(serializers.Serializer):
    username = Name(max_length=150)
    password = Name(max_length=128, trim_whitespace=False)
    first_name = Name(max_length=150, required=False, allow_blank=True, allow_null=True)
    last_name = Name(max_length=150, required=False, allow_blank=True, allow_null=True)
    role = serializers.ChoiceField(choices=ROLES, required=False, default="annotator")


class UserUpdate(serializers.Serializer):
    username = Name(max_length=150, required=False)
    password = Name(max_length=128, trim_whitespace=False, required=False)
    first_name = Name(max_length=150, required=False, allow_blank=True, allow_null=True)
    last_name = Name(max_length=150, required=False, allow_blank=True, allow_null=True)
    role = serializers.ChoiceField(choices=ROLES, required=False)


class WorkspaceUserAdd(serializers.Serializer):
    user_id = serializers.UUIDField()
    role = serializers.ChoiceField(choices=["admin", "annotator"], required=False)


class Distribution(serializers.Serializer):
    strategy = serializers.ChoiceField(choices=["overlap"], required=False, default="overlap")
    min_submitted = serializers.IntegerField(min_value=1, max_value=1000)


class DatasetSettings(serializers.Serializer):
    name = Name(max_length=200)
    guidelines = Name(required=False, allow_blank=True, allow_null=True, max_length=100_000, trim_whitespace=False)
    allow_extra_metadata = serializers.BooleanField(required=False)
    distribution = Distribution(required=False)
    metadata = serializers.DictField(required=False, allow_null=True)
    lease_seconds = serializers.IntegerField(required=False, min_value=30, max_value=7 * 24 * 3600)
    allow_labeler_records = serializers.BooleanField(required=False)
    shuffle_ranking_options = serializers.BooleanField(required=False)
    annotators_restricted = serializers.BooleanField(required=False)
    leaderboard_models = serializers.DictField(required=False)


class DatasetCreate(DatasetSettings):
    workspace_id = serializers.UUIDField()


def dataset_options(data: dict[str, Any]) -> dict[str, Any]:
    """Service keyword arguments from a dataset body (the wire nests the overlap)."""
    options = {key: value for key, value in data.items() if key not in ("workspace_id", "distribution")}
    if "min_submitted" in (data.get("distribution") or {}):
        options["min_submitted"] = data["distribution"]["min_submitted"]
    return options


class TypedSettings(serializers.DictField):
    """A settings object with its `type` (the wire format carries the type inside)."""

    def to_internal_value(self, data: Any) -> dict[str, Any]:
        value = super().to_internal_value(data)
        if not isinstance(value.get("type"), str):
            raise serializers.ValidationError({"type": ["This field is required."]})
        return value


class FieldCreate(serializers.Serializer):
    name = Name(max_length=200)
    title = Name(max_length=500, required=False, allow_null=True)
    required = serializers.BooleanField(required=False, default=True)
    settings = TypedSettings()


class FieldUpdate(serializers.Serializer):
    title = Name(max_length=500, required=False)
    settings = serializers.DictField(required=False)


class QuestionCreate(serializers.Serializer):
    name = Name(max_length=200)
    title = Name(max_length=500, required=False, allow_null=True)
    description = Name(max_length=1000, required=False, allow_null=True, allow_blank=True)
    required = serializers.BooleanField(required=False, default=True)
    settings = TypedSettings()


class QuestionUpdate(serializers.Serializer):
    title = Name(max_length=500, required=False)
    description = Name(max_length=1000, required=False, allow_null=True, allow_blank=True)
    settings = serializers.DictField(required=False)


class MetadataPropertyCreate(serializers.Serializer):
    name = Name(max_length=200)
    title = Name(max_length=500, required=False, allow_null=True)
    settings = TypedSettings()
    visible_for_annotators = serializers.BooleanField(required=False, default=True)


class MetadataPropertyUpdate(serializers.Serializer):
    title = Name(max_length=500, required=False)
    visible_for_annotators = serializers.BooleanField(required=False)


class VectorSettingsCreate(serializers.Serializer):
    name = Name(max_length=200)
    title = Name(max_length=500, required=False, allow_null=True)
    dimensions = serializers.IntegerField(min_value=2, max_value=4096)


class VectorSettingsUpdate(serializers.Serializer):
    title = Name(max_length=500, required=False)


class ResponseWrite(serializers.Serializer):
    values = serializers.DictField(required=False, allow_null=True)
    status = serializers.ChoiceField(choices=["draft", "submitted", "discarded"])
    time_spent_seconds = serializers.FloatField(required=False, allow_null=True, min_value=0, max_value=10**7)


class GoldWrite(serializers.Serializer):
    values = serializers.DictField(help_text='The expected answers by question name: `{"value": ...}`, as a response.')


class SuggestionWrite(serializers.Serializer):
    question_id = serializers.UUIDField()
    value = JSONValue()
    score = JSONValue(required=False, allow_null=True)
    agent = Name(max_length=200, required=False, allow_null=True)
    type = serializers.ChoiceField(choices=["model", "human"], required=False, allow_null=True)


class RecordsBulk(serializers.Serializer):
    items = serializers.ListField(child=serializers.DictField(), allow_empty=False)


class RecordUpdate(serializers.Serializer):
    fields = serializers.DictField(required=False)
    metadata = serializers.DictField(required=False, allow_null=True)
    suggestions = serializers.ListField(child=serializers.DictField(), required=False)
    vectors = serializers.DictField(required=False)


class ApiKeyCreate(serializers.Serializer):
    name = Name(max_length=200)
    workspace_id = serializers.UUIDField(required=False, allow_null=True)
    read_only = serializers.BooleanField(required=False, default=False)
    expires_at = serializers.DateTimeField(required=False, allow_null=True, help_text="When the key stops working.")


class WebhookCreate(serializers.Serializer):
    url = Name(max_length=2000)
    events = serializers.ListField(child=Name(max_length=100))
    description = Name(max_length=1000, required=False, allow_null=True, allow_blank=True)


class WebhookUpdate(serializers.Serializer):
    url = Name(max_length=2000, required=False)
    events = serializers.ListField(child=Name(max_length=100), required=False)
    enabled = serializers.BooleanField(required=False)
    description = Name(max_length=1000, required=False, allow_null=True, allow_blank=True)


class ImportCreate(serializers.Serializer):
    file = serializers.FileField(allow_empty_file=True, use_url=False)
    format = serializers.CharField(max_length=32, required=False, allow_blank=True)
    mapping = serializers.JSONField(required=False, binary=True, help_text="JSON object: column → target")
    skip_bad_rows = serializers.BooleanField(required=False, default=False)
    split = serializers.CharField(max_length=200, required=False, allow_blank=True)


class ExportCreate(serializers.Serializer):
    layout = serializers.CharField(max_length=32)
    format = serializers.ChoiceField(
        choices=list(EXPORT_FORMATS),
        required=False,
        default="jsonl",
        help_text="`hf_dataset` is a zip of a folder that `datasets.load_from_disk` opens.",
    )
    options = serializers.DictField(required=False, default=dict)
