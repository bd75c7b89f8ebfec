"""Webhook events: what they carry and how they are signed (the Argilla v1 contract).

A delivery's body is the event envelope `{type, version, timestamp, data}` as JSON,
built once when the event happens (so a `*.deleted` event carries the object as it
was) and sent unchanged by every attempt. `data` is the object's wire shape with what
it belongs to nested in it, as Argilla's event schemas have it:

* `dataset.*`: the dataset with its `workspace`, `fields`, `questions`,
  `metadata_properties` and `vectors_settings`;
* `record.*`: the record (fields, metadata, status, external id) with its `dataset`;
* `response.*`: the response with its `record` (and that record's dataset) and `user`.

Requests are signed per the Standard Webhooks scheme: `webhook-signature` is
`v1,` + base64 HMAC-SHA256 of `{webhook-id}.{webhook-timestamp}.{body}`, keyed with
the base64-decoded secret (after its `whsec_` prefix), so receivers verify them with
any Standard Webhooks library.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from feedback import shapes
from feedback.models import Dataset, Record, Response

VERSION = 1


def envelope(event: str, timestamp: datetime, data: dict[str, Any]) -> str:
    """The JSON body of one event (the timestamp is when it happened, in UTC)."""
    stamp = timestamp.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    return json.dumps({"type": event, "version": VERSION, "timestamp": stamp, "data": data})


def dataset_data(dataset: Dataset) -> dict[str, Any]:
    """A dataset with its workspace and settings, as every event nests it (4 queries)."""
    return {
        **shapes.dataset_out(dataset),
        "workspace": shapes.workspace_out(dataset.workspace),
        "fields": [shapes.field_out(field) for field in dataset.fields.all()],
        "questions": [shapes.question_out(question) for question in dataset.questions.all()],
        "metadata_properties": [shapes.metadata_property_out(p) for p in dataset.metadata_properties.all()],
        "vectors_settings": [shapes.vector_settings_out(v) for v in dataset.vector_settings.all()],
    }


def record_data(record: Record, dataset: dict[str, Any]) -> dict[str, Any]:
    return {**shapes.record_out(record), "dataset": dataset}


def records_data(records: Iterable[Record], dataset: dict[str, Any]) -> list[dict[str, Any]]:
    return [record_data(record, dataset) for record in records]


def response_data(response: Response, record: dict[str, Any]) -> dict[str, Any]:
    # The user is nested, not referred to by `user_id` (the SDK's event parser adds
    # `user_id` itself from `user`, and would refuse it twice).
    shape = {key: value for key, value in shapes.response_out(response).items() if key != "user_id"}
    return {**shape, "record": record, "user": shapes.user_out(response.user)}


def signing_key(secret: str) -> bytes:
    return base64.b64decode(secret.removeprefix("whsec_"))


def signature(secret: str, message_id: str, timestamp: int, body: str) -> str:
    """The `webhook-signature` header of one request."""
    signed = f"{message_id}.{timestamp}.{body}".encode()
    digest = hmac.new(signing_key(secret), signed, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode()


def headers(secret: str, message_id: str, timestamp: int, body: str) -> dict[str, str]:
    return {
        "content-type": "application/json",
        "user-agent": "Feedloop-Webhooks/1",
        "webhook-id": message_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": signature(secret, message_id, timestamp, body),
    }
