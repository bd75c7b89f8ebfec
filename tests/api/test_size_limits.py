"""Documented size limits (#13): a field, a record's fields together, a written answer.
Too long is a 422 naming the place and the limit; nothing is stored."""

from __future__ import annotations

import pytest

from feedback.models import Record, Response
from tests.builders import add_records, comparison_dataset, full_answer, record_item


@pytest.fixture
def dataset(people):
    return comparison_dataset(people.workspace_a)


def upsert(client, dataset, **fields):
    item = record_item(0)
    item["fields"].update(fields)
    return client.put(f"/api/v1/datasets/{dataset.pk}/records/bulk", {"items": [item]}, format="json")


def test_a_field_over_the_limit_is_422_naming_field_and_limit(people, dataset, api_client_for):
    refused = upsert(api_client_for(people.admin_a), dataset, prompt="x" * 50_001)
    assert refused.status_code == 422
    assert "50,000 characters" in refused.json()["detail"] and "prompt" in refused.json()["detail"]
    assert not Record.objects.exists()
    assert upsert(api_client_for(people.admin_a), dataset, prompt="x" * 50_000).status_code == 200


def test_a_record_of_102000_characters_is_422_naming_the_record_limit(people, dataset, api_client_for):
    fields = {name: "y" * 25_500 for name in ("prompt", "response-1", "response-2", "response-3")}
    refused = upsert(api_client_for(people.admin_a), dataset, **fields)
    assert refused.status_code == 422
    assert "102,000" in refused.json()["detail"] and "100,000 characters" in refused.json()["detail"]
    assert not Record.objects.exists()


def test_a_chat_field_counts_its_messages(people, dataset, api_client_for):
    chat = [{"role": "user", "content": "z" * 30_000}, {"role": "assistant", "content": "z" * 30_000}]
    refused = upsert(api_client_for(people.admin_a), dataset, chat=chat)
    assert refused.status_code == 422 and "chat" in refused.json()["detail"]


def test_a_written_answer_over_the_limit_is_422_naming_the_question(people, dataset, api_client_for):
    record = add_records(dataset, 1)[0]
    client = api_client_for(people.labeler_a1)
    url = f"/api/v1/records/{record.pk}/responses"
    long = full_answer(comment={"value": "w" * 50_001})
    refused = client.post(url, {"values": long, "status": "submitted"}, format="json")
    assert refused.status_code == 422
    assert refused.json()["errors"] == [
        {"loc": ["comment", "value"], "msg": "is 50,001 characters long; the limit is 50,000 characters"}
    ]
    assert not Response.objects.exists()
