"""The Argilla v1 wire shapes of our objects, as plain dicts: API answers and webhook events.

Record lists can hold a thousand records with their responses and suggestions, so the
shapes are plain functions over prefetched rows: no per-row query, no serializer
machinery on the hot path.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from typing import Any

from accounts.models import ApiKey, User
from feedback.models import (
    Dataset,
    Field,
    MetadataProperty,
    Question,
    Record,
    Response,
    Suggestion,
    VectorSettings,
)
from workspaces.models import Workspace


def _stamps(obj: Any) -> dict[str, Any]:
    return {"inserted_at": obj.inserted_at.isoformat(), "updated_at": obj.updated_at.isoformat()}


def user_out(user: User, *, is_workspace_admin: bool | None = None) -> dict[str, Any]:
    if user.is_superuser:
        role = "owner"
    else:
        if is_workspace_admin is None:
            is_workspace_admin = user.memberships.filter(role="admin").exists()  # type: ignore[attr-defined]
        role = "admin" if (user.is_staff or is_workspace_admin) else "annotator"
    return {
        "id": str(user.id),
        "username": user.username,
        "first_name": user.first_name or user.username,
        "last_name": user.last_name or None,
        "role": role,
        "api_key": None,  # keys are stored hashed; see /api/v1/me/api-keys
        **_stamps(user),
    }


def workspace_out(workspace: Workspace) -> dict[str, Any]:
    return {"id": str(workspace.id), "name": workspace.name, **_stamps(workspace)}


def api_key_out(api_key: ApiKey, key: str | None = None) -> dict[str, Any]:
    shape = {
        "id": str(api_key.id),
        "name": api_key.name,
        "prefix": f"fl_{api_key.prefix}_",
        "workspace_id": str(api_key.workspace_id) if api_key.workspace_id else None,
        "read_only": api_key.read_only,
        "inserted_at": api_key.inserted_at.isoformat(),
        "last_used_at": api_key.last_used_at.isoformat() if api_key.last_used_at else None,
        "revoked_at": api_key.revoked_at.isoformat() if api_key.revoked_at else None,
    }
    if key is not None:
        shape["key"] = key
    return shape


def dataset_out(dataset: Dataset) -> dict[str, Any]:
    return {
        "id": str(dataset.id),
        "name": dataset.name,
        "guidelines": dataset.guidelines or None,
        "allow_extra_metadata": dataset.allow_extra_metadata,
        "status": dataset.status,
        "distribution": {"strategy": "overlap", "min_submitted": dataset.min_submitted},
        "metadata": dataset.metadata,
        "workspace_id": str(dataset.workspace_id),
        "last_activity_at": dataset.last_activity_at.isoformat(),
        # Feedloop's own settings, beside the wire format's.
        "lease_seconds": dataset.lease_seconds,
        "allow_labeler_records": dataset.allow_labeler_records,
        "shuffle_ranking_options": dataset.shuffle_ranking_options,
        "annotators_restricted": dataset.annotators_restricted,
        **_stamps(dataset),
    }


def field_out(field: Field) -> dict[str, Any]:
    return {
        "id": str(field.id),
        "name": field.name,
        "title": field.title,
        "required": field.required,
        "settings": {"type": field.type, **field.settings},
        "dataset_id": str(field.dataset_id),
        **_stamps(field),
    }


def question_out(question: Question) -> dict[str, Any]:
    return {
        "id": str(question.id),
        "name": question.name,
        "title": question.title,
        "description": question.description or None,
        "required": question.required,
        "settings": {"type": question.type, **question.settings},
        "dataset_id": str(question.dataset_id),
        **_stamps(question),
    }


def metadata_property_out(prop: MetadataProperty) -> dict[str, Any]:
    return {
        "id": str(prop.id),
        "name": prop.name,
        "title": prop.title,
        "settings": {"type": prop.type, **prop.settings},
        "visible_for_annotators": prop.visible_for_annotators,
        "dataset_id": str(prop.dataset_id),
        **_stamps(prop),
    }


def vector_settings_out(vector_settings: VectorSettings) -> dict[str, Any]:
    return {
        "id": str(vector_settings.id),
        "name": vector_settings.name,
        "title": vector_settings.title,
        "dimensions": vector_settings.dimensions,
        "dataset_id": str(vector_settings.dataset_id),
        **_stamps(vector_settings),
    }


def response_out(response: Response) -> dict[str, Any]:
    return {
        "id": str(response.id),
        "values": response.values or None,
        "status": response.status,
        "record_id": str(response.record_id),
        "user_id": str(response.user_id),
        "time_spent_seconds": response.time_spent_seconds,
        **_stamps(response),
    }


def suggestion_out(suggestion: Suggestion) -> dict[str, Any]:
    return {
        "id": str(suggestion.id),
        "question_id": str(suggestion.question_id),
        "type": suggestion.type,
        "value": suggestion.value,
        "agent": suggestion.agent,
        "score": suggestion.score,
        **_stamps(suggestion),
    }


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
    metadata = record.metadata
    if metadata_keys is not None and metadata:
        metadata = {key: value for key, value in metadata.items() if key in metadata_keys}
    shape: dict[str, Any] = {
        "id": str(record.id),
        "status": record.status,
        "fields": record.fields,
        "metadata": metadata,
        "external_id": record.external_id,
        "dataset_id": str(record.dataset_id),
        **_stamps(record),
    }
    if responses is not None:
        shape["responses"] = [response_out(response) for response in responses]
    if suggestions is not None:
        shape["suggestions"] = [suggestion_out(suggestion) for suggestion in suggestions]
    if vectors is not None:
        stored = record.vectors or {}
        shape["vectors"] = {name: stored[name] for name in vectors if name in stored}
    return shape


def webhook_out(webhook: Any) -> dict[str, Any]:
    return {
        "id": str(webhook.id),
        "url": webhook.url,
        "secret": webhook.secret,
        "events": webhook.events,
        "enabled": webhook.enabled,
        "description": webhook.description or None,
        **_stamps(webhook),
    }
