"""Every way of writing a response goes through one writer, so leases, counters,
discards and submission times behave the same on each: the labeler's page, the API
(one response, the caller's bulk, and a manager's record upsert, which file imports
use too; imports carry no responses today)."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.test import Client
from rest_framework.test import APIClient

from accounts.api_keys import api_key_create
from feedback.models import Record, RecordLease, Response, ResponseStatus
from feedback.services.queue import queue_next
from feedback.services.responses import response_save_draft
from tests.builders import add_records, comparison_dataset, full_answer

PAGE_FORM = {"quality": "4", "ranking.response-1": "2", "ranking.response-2": "1", "ranking.response-3": "3"}


@pytest.fixture
def dataset(people):
    dataset = comparison_dataset(people.workspace_a, min_submitted=1, shuffle_ranking_options=False)
    add_records(dataset, 2)
    return dataset


def api(user) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_X_ARGILLA_API_KEY=api_key_create(user=user, name="writer")[1])
    return client


def by_page(people, dataset, record, status: str, values: dict | None) -> None:
    client = Client()
    client.force_login(people.labeler_a1)
    action = {"submitted": "submit", "discarded": "discard", "draft": "draft"}[status]
    form = {"action": action, **(PAGE_FORM if values else {})}
    answer = client.post(f"/datasets/{dataset.pk}/records/{record.pk}", form)
    assert answer.status_code == 303, answer.content[:500]


def by_api_single(people, dataset, record, status: str, values: dict | None) -> None:
    body = {"status": status, **({"values": values} if values else {})}
    answer = api(people.labeler_a1).post(f"/api/v1/records/{record.pk}/responses", body, format="json")
    assert answer.status_code == 201, answer.content


def by_api_bulk(people, dataset, record, status: str, values: dict | None) -> None:
    item = {"record_id": str(record.pk), "status": status, **({"values": values} if values else {})}
    answer = api(people.labeler_a1).post("/api/v1/me/responses/bulk", {"items": [item]}, format="json")
    assert answer.status_code == 200 and answer.json()["items"][0]["error"] is None, answer.content


def by_record_upsert(people, dataset, record, status: str, values: dict | None) -> None:
    response = {"user_id": str(people.labeler_a1.pk), "status": status, "values": values or {}}
    item = {"id": str(record.pk), "responses": [response]}
    answer = api(people.admin_a).put(f"/api/v1/datasets/{dataset.pk}/records/bulk", {"items": [item]}, format="json")
    assert answer.status_code == 200, answer.content


PATHS: dict[str, Callable] = {
    "page": by_page,
    "api": by_api_single,
    "api-bulk": by_api_bulk,
    "record-upsert": by_record_upsert,
}


@pytest.mark.parametrize("path", PATHS)
def test_an_answer_ends_the_labelers_lease_and_counts_on_every_path(people, dataset, path):
    record = queue_next(dataset=dataset, user=people.labeler_a1)
    assert RecordLease.objects.filter(record=record, user=people.labeler_a1).exists()

    PATHS[path](people, dataset, record, "submitted", full_answer())

    assert not RecordLease.objects.filter(record=record, user=people.labeler_a1).exists()
    record.refresh_from_db()
    assert (record.submitted_count, record.status) == (1, "completed")
    response = Response.objects.get(record=record, user=people.labeler_a1)
    assert response.status == ResponseStatus.SUBMITTED and response.submitted_at is not None


@pytest.mark.parametrize("path", PATHS)
def test_discarding_without_answers_keeps_the_earlier_ones_on_every_path(people, dataset, path):
    record = Record.objects.filter(dataset=dataset).order_by("inserted_at").first()
    draft = response_save_draft(record=record, user=people.labeler_a1, values={"quality": {"value": 2}})

    PATHS[path](people, dataset, record, "discarded", None)

    draft.refresh_from_db()
    assert draft.status == ResponseStatus.DISCARDED
    assert draft.values == {"quality": {"value": 2}}


@pytest.mark.parametrize("path", PATHS)
def test_resending_an_answer_changes_nothing_and_still_ends_a_lease(people, dataset, path):
    record = queue_next(dataset=dataset, user=people.labeler_a1)
    PATHS[path](people, dataset, record, "submitted", full_answer())
    first = Response.objects.get(record=record, user=people.labeler_a1)
    queue_next_again = RecordLease.objects.create(record=record, user=people.labeler_a1, expires_at=first.updated_at)

    PATHS[path](people, dataset, record, "submitted", full_answer())

    again = Response.objects.get(record=record, user=people.labeler_a1)
    assert (again.submitted_at, again.updated_at) == (first.submitted_at, first.updated_at)
    assert not RecordLease.objects.filter(pk=queue_next_again.pk).exists()
