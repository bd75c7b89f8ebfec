"""Build datasets the way an admin would: through the services."""

from __future__ import annotations

from typing import Any

from feedback.models import Dataset
from feedback.services.datasets import (
    dataset_create,
    dataset_publish,
    field_create,
    metadata_property_create,
    question_create,
    vector_settings_create,
)
from feedback.services.records import records_bulk_upsert
from workspaces.models import Workspace

LABELS = [
    {"value": "hallucination", "text": "Hallucination"},
    {"value": "harmful", "text": "Harmful"},
    {"value": "unhelpful", "text": "Unhelpful"},
]
RESPONSES = [{"value": f"response-{n}", "text": f"Response {n}"} for n in (1, 2, 3)]


def comparison_dataset(
    workspace: Workspace, *, name: str = "comparison", publish: bool = True, **options: Any
) -> Dataset:
    """Prompt + three responses, with one question of every type."""
    dataset = dataset_create(workspace=workspace, name=name, **options)
    field_create(dataset=dataset, name="prompt", title="Prompt", settings={"use_markdown": True})
    for option in RESPONSES:
        field_create(dataset=dataset, name=option["value"], title=option["text"])
    field_create(dataset=dataset, name="chat", type="chat", required=False)
    question_create(dataset=dataset, name="ranking", type="ranking", settings={"options": RESPONSES})
    question_create(
        dataset=dataset, name="quality", type="rating", settings={"options": [{"value": v} for v in range(1, 6)]}
    )
    question_create(
        dataset=dataset,
        name="topic",
        type="label_selection",
        required=False,
        settings={"options": [{"value": "code", "text": "Code"}, {"value": "other", "text": "Other"}]},
    )
    question_create(
        dataset=dataset, name="failures", type="multi_label_selection", required=False, settings={"options": LABELS}
    )
    question_create(
        dataset=dataset,
        name="entities",
        type="span",
        required=False,
        settings={
            "field": "prompt",
            "options": [{"value": "name", "text": "Name"}, {"value": "place", "text": "Place"}],
        },
    )
    question_create(dataset=dataset, name="comment", type="text", required=False)
    metadata_property_create(dataset=dataset, name="model", type="terms", settings={"values": ["a", "b"]})
    metadata_property_create(dataset=dataset, name="length", type="integer", settings={"min": 0, "max": 10000})
    metadata_property_create(dataset=dataset, name="temperature", type="float", settings={"min": 0.0, "max": 2.0})
    vector_settings_create(dataset=dataset, name="embedding", dimensions=3)
    if publish:
        dataset = dataset_publish(dataset=dataset)
    return dataset


def record_item(n: int, **extra: Any) -> dict[str, Any]:
    item: dict[str, Any] = {
        "external_id": f"rec-{n}",
        "fields": {
            "prompt": f"Prompt number {n}: where does Ada Lovelace live?",
            "response-1": f"first answer {n}",
            "response-2": f"second answer {n}",
            "response-3": f"third answer {n}",
        },
        "metadata": {"model": "a", "length": n},
    }
    item.update(extra)
    return item


def add_records(dataset: Dataset, count: int, start: int = 0) -> list[Any]:
    return records_bulk_upsert(dataset=dataset, items=[record_item(n) for n in range(start, start + count)]).records


def full_answer(**overrides: Any) -> dict[str, Any]:
    values = {
        "ranking": {"value": [{"value": "response-2"}, {"value": "response-1"}, {"value": "response-3"}]},
        "quality": {"value": 4},
    }
    values.update(overrides)
    return values
