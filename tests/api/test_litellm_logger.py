"""LiteLLM's Argilla logger, byte for byte, against a real gunicorn.

Its async callback (`litellm/integrations/argilla.py`, `async_send_batch`) sends:

    await httpx.AsyncClient().put(url, data=json.dumps({"items": queue}),
                                  headers={"X-Argilla-Api-Key": key}, timeout=60000)

so the body arrives with no Content-Type header at all.
"""

from __future__ import annotations

import asyncio
import json

import httpx
import pytest

from accounts.api_keys import api_key_create
from feedback.models import Record
from feedback.services.datasets import dataset_create, dataset_publish, field_create, question_create
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def logged_dataset(people):
    dataset = dataset_create(workspace=people.workspace_a, name="litellm-logs")
    field_create(dataset=dataset, name="user_input", type="chat")
    field_create(dataset=dataset, name="llm_output")
    question_create(
        dataset=dataset, name="rating", type="rating", settings={"options": [{"value": v} for v in range(1, 8)]}
    )
    return dataset_publish(dataset=dataset)


def litellm_items(count: int) -> list[dict]:
    """What `_prepare_log_data` queues with `{"user_input": "messages", "llm_output": "response"}`."""
    return [
        {
            "fields": {
                "user_input": [{"role": "user", "content": f"Hello, how are you? ({n})"}],
                "llm_output": f"I am fine, thank you. ({n})",
            }
        }
        for n in range(count)
    ]


def send_like_litellm(url: str, key: str, items: list[dict]) -> httpx.Response:
    async def put() -> httpx.Response:
        async with httpx.AsyncClient() as client:
            request = client.build_request(
                "PUT", url, content=json.dumps({"items": items}), headers={"X-Argilla-Api-Key": key}
            )
            assert "content-type" not in request.headers  # exactly what LiteLLM sends
            return await client.send(request)

    return asyncio.run(put())


def test_the_litellm_logger_batch_is_stored(gunicorn_url, logged_dataset):
    key = api_key_create(user=UserFactory(username="integrator", is_superuser=True), name="litellm")[1]
    url = f"{gunicorn_url}/api/v1/datasets/{logged_dataset.pk}/records/bulk"

    answer = send_like_litellm(url, key, litellm_items(3))

    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"] == "application/json"
    assert len(answer.json()["items"]) == 3
    stored = Record.objects.filter(dataset=logged_dataset).order_by("inserted_at")
    assert [r.fields["llm_output"] for r in stored] == [f"I am fine, thank you. ({n})" for n in range(3)]


def test_a_declared_type_that_is_not_json_is_still_415(gunicorn_url, logged_dataset):
    key = api_key_create(user=UserFactory(username="integrator", is_superuser=True), name="litellm")[1]
    url = f"{gunicorn_url}/api/v1/datasets/{logged_dataset.pk}/records/bulk"

    answer = httpx.put(
        url,
        content=json.dumps({"items": litellm_items(1)}),
        headers={"X-Argilla-Api-Key": key, "Content-Type": "text/plain"},
    )

    assert answer.status_code == 415
    assert "detail" in answer.json()
    assert not Record.objects.filter(dataset=logged_dataset).exists()


def test_an_undeclared_body_that_is_not_json_is_a_400_in_json(gunicorn_url, logged_dataset):
    key = api_key_create(user=UserFactory(username="integrator", is_superuser=True), name="litellm")[1]
    url = f"{gunicorn_url}/api/v1/datasets/{logged_dataset.pk}/records/bulk"

    answer = httpx.put(url, content=b"items=1", headers={"X-Argilla-Api-Key": key})

    assert answer.status_code == 400
    assert answer.json()["detail"].startswith("malformed JSON")
