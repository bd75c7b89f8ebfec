"""Metadata hidden from annotators stays hidden on every path that returns records.

In a blind evaluation the hidden metadata is typically which model wrote what; an
annotator who could read it through the API would no longer be blind.
"""

from __future__ import annotations

import pytest
from django.test import Client

from feedback.services.datasets import metadata_property_update
from feedback.services.queue import queue_next
from tests.builders import add_records, comparison_dataset

API = "/api/v1/"
HIDDEN, SHOWN = "model", "length"


@pytest.fixture
def dataset(people):
    dataset = comparison_dataset(people.workspace_a, name="blind", min_submitted=1)
    metadata_property_update(prop=dataset.metadata_properties.get(name=HIDDEN), visible_for_annotators=False)
    add_records(dataset, 3)
    return dataset


def record_shapes(client, dataset, user) -> dict[str, list[dict]]:
    """Every record as each record-returning endpoint gives it to `user`."""
    listed = client.get(f"{API}datasets/{dataset.pk}/records?include=responses&include=suggestions")
    searched = client.post(f"{API}datasets/{dataset.pk}/records/search", {"query": {}}, format="json")
    first = listed.json()["items"][0]
    single = client.get(f"{API}records/{first['id']}")
    handed = client.get(f"{API}me/datasets/{dataset.pk}/records/next")
    for answer in (listed, searched, single, handed):
        assert answer.status_code == 200, answer.content
    return {
        "list": listed.json()["items"],
        "search": [item["record"] for item in searched.json()["items"]],
        "record": [single.json()],
        "next": [handed.json()],
    }


def test_annotators_get_no_hidden_metadata_from_any_record_endpoint(people, dataset, api_client_for):
    shapes = record_shapes(api_client_for(people.labeler_a1), dataset, people.labeler_a1)

    for endpoint, records in shapes.items():
        assert records, endpoint
        for record in records:
            assert HIDDEN not in record["metadata"], endpoint
            assert SHOWN in record["metadata"], endpoint


def test_managers_get_all_metadata(people, dataset, api_client_for):
    shapes = record_shapes(api_client_for(people.admin_a), dataset, people.admin_a)

    for endpoint, records in shapes.items():
        for record in records:
            assert {HIDDEN, SHOWN} <= record["metadata"].keys(), endpoint


def test_annotators_cannot_filter_or_sort_by_hidden_metadata(people, dataset, api_client_for):
    client = api_client_for(people.labeler_a1)
    scope = {"entity": "metadata", "metadata_property": HIDDEN}
    filtered = client.post(
        f"{API}datasets/{dataset.pk}/records/search",
        {"query": {}, "filters": {"and": [{"type": "terms", "scope": scope, "values": ["a"]}]}},
        format="json",
    )
    sorted_ = client.post(
        f"{API}datasets/{dataset.pk}/records/search",
        {"query": {}, "sort": [{"scope": scope, "order": "asc"}]},
        format="json",
    )
    assert filtered.status_code == sorted_.status_code == 422
    listed = client.get(f"{API}me/datasets/{dataset.pk}/metadata-properties").json()["items"]
    assert [prop["name"] for prop in listed] == ["length", "temperature"]


def test_the_record_page_and_browse_show_no_hidden_metadata(people, dataset):
    client = Client()
    client.force_login(people.labeler_a1)
    record = queue_next(dataset=dataset, user=people.labeler_a1)

    page = client.get(f"/datasets/{dataset.pk}/records/{record.pk}").content.decode()
    browse = client.get(f"/datasets/{dataset.pk}/records?meta.{HIDDEN}=zzz").content.decode()

    assert "Model" not in page and "meta.model" not in browse
    # The hidden filter is ignored: every record is listed.
    assert browse.count("/records/") >= 3
