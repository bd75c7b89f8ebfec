"""The work queue endpoint and record search over HTTP."""

from __future__ import annotations

import pytest

from feedback.models import Response
from feedback.services.responses import response_save_draft, response_submit
from tests.builders import add_records, comparison_dataset, full_answer
from workspaces import access


@pytest.fixture
def dataset(people):
    dataset = comparison_dataset(people.workspace_a, min_submitted=1)
    add_records(dataset, 2)
    return dataset


def test_next_record_hands_out_work_and_then_204(people, dataset, api_client_for):
    client = api_client_for(people.labeler_a1)
    url = f"/api/v1/me/datasets/{dataset.id}/records/next"
    first = client.get(url)
    assert first.status_code == 200 and first.json()["external_id"] == "rec-0"
    assert first.json()["responses"] == [] and first.json()["suggestions"] == []
    assert client.get(url).json()["id"] == first.json()["id"]  # held
    answer = client.post(
        f"/api/v1/records/{first.json()['id']}/responses",
        {"values": full_answer(), "status": "submitted"},
        format="json",
    )
    assert answer.status_code == 201, answer.json()
    second = client.get(url)
    assert second.json()["external_id"] == "rec-1"
    client.post(f"/api/v1/records/{second.json()['id']}/responses", {"status": "discarded"}, format="json")
    assert client.get(url).status_code == 204


def test_next_shows_a_held_draft_with_its_answers_and_a_manager_every_response(people, api_client_for):
    """A fresh pick reads no responses for a labeler (they have none there); a held draft
    comes back with the labeler's answers, and a manager's fresh pick with the others'."""
    dataset = comparison_dataset(people.workspace_a, min_submitted=2)
    first, _ = add_records(dataset, 2)
    response_save_draft(record=first, user=people.labeler_a1, values={"quality": {"value": 2}})
    response_submit(record=first, user=people.labeler_a2, values=full_answer())
    url = f"/api/v1/me/datasets/{dataset.id}/records/next"

    managed = api_client_for(people.admin_a).get(url).json()  # first: a draft holds no slot
    held = api_client_for(people.labeler_a1).get(url).json()

    assert held["id"] == str(first.pk)
    assert [(r["status"], r["values"]["quality"]["value"]) for r in held["responses"]] == [("draft", 2)]
    assert managed["id"] == str(first.pk)
    assert sorted(r["status"] for r in managed["responses"]) == ["draft", "submitted"]


def test_next_record_is_404_for_other_workspaces_and_403_for_drafts(people, dataset, api_client_for):
    assert api_client_for(people.labeler_b).get(f"/api/v1/me/datasets/{dataset.id}/records/next").status_code == 404
    draft = comparison_dataset(people.workspace_a, name="draft", publish=False)
    response = api_client_for(people.admin_a).get(f"/api/v1/me/datasets/{draft.id}/records/next")
    assert response.status_code == 403


def test_restricted_and_unpublished_datasets_stay_hidden_from_annotators(people, api_client_for):
    """The lookups read the caller's role with the object and apply the dataset rule to
    it: an annotator gets 404 on a draft dataset, and on a restricted one without the
    grant (its records and responses too); the grant opens it; admins always see both."""
    restricted = comparison_dataset(people.workspace_a, name="restricted", annotators_restricted=True)
    draft = comparison_dataset(people.workspace_a, name="draft", publish=False)
    admin_answer = response_save_draft(record=add_records(restricted, 1)[0], user=people.admin_a, values={})
    labeler = api_client_for(people.labeler_a1)
    assert labeler.delete(f"/api/v1/responses/{admin_answer.pk}").status_code == 404
    record = add_records(restricted, 1, start=1)[0]
    answer = labeler.post(f"/api/v1/records/{record.pk}/responses", {"status": "draft"}, format="json")
    assert answer.status_code == 404
    for dataset in (restricted, draft):
        assert labeler.get(f"/api/v1/me/datasets/{dataset.id}/records/next").status_code == 404
        assert labeler.get(f"/api/v1/datasets/{dataset.id}/records").status_code == 404
        assert api_client_for(people.admin_a).get(f"/api/v1/datasets/{dataset.id}/records").status_code == 200
    access.grant_dataset_access(dataset=restricted, user=people.labeler_a1)
    labeler = api_client_for(people.labeler_a1)
    assert labeler.get(f"/api/v1/me/datasets/{restricted.id}/records/next").status_code == 200
    assert not Response.objects.filter(user=people.labeler_a1).exists()


def test_the_labeling_loop_keeps_its_query_budget(people, api_client_for, django_assert_num_queries):
    """One `next` and one submit over HTTP with an API key, each statement accounted for.
    The caller's role comes with the dataset (or record) lookup and is reused by every
    later check of the request; the same counts hold on a dataset 20 times larger."""
    client = api_client_for(people.labeler_a1)
    submission = {"values": full_answer(), "status": "submitted"}
    client.get("/api/v1/me")  # the key's last use is recorded (at most once a minute)
    for size in (10, 200):
        dataset = comparison_dataset(people.workspace_a, name=f"loop {size}", min_submitted=2)
        add_records(dataset, size)
        url = f"/api/v1/me/datasets/{dataset.id}/records/next"
        # key; dataset with the caller's role; held leases and drafts; pick; re-count under
        # the lock; lease upsert; suggestions; visible metadata (+ the transaction's
        # savepoint and release). No read of the caller's responses: a fresh pick has none.
        with django_assert_num_queries(10):
            record_id = client.get(url).json()["id"]
        # key; record with the caller's role; the record locked (and whether any webhook
        # is on); questions; stored response; insert; end the lease; recount and status
        # in one statement (+ savepoint and release; the dataset's activity is recent)
        with django_assert_num_queries(10):
            answer = client.post(f"/api/v1/records/{record_id}/responses", submission, format="json")
        assert answer.status_code == 201, answer.json()


def test_search_by_text_metadata_and_response(people, dataset, api_client_for):
    add_records(dataset, 3, start=10)
    response_submit(record=dataset.records.get(external_id="rec-11"), user=people.labeler_a1, values=full_answer())
    client = api_client_for(people.admin_a)
    url = f"/api/v1/datasets/{dataset.id}/records/search?include=responses"

    def found(body) -> list[str]:
        response = client.post(url, body, format="json")
        assert response.status_code == 200, response.json()
        return [item["record"]["external_id"] for item in response.json()["items"]]

    assert found({"query": {"text": {"q": "number 12"}}}) == ["rec-12"]
    assert found({"query": {"text": {"q": "Lovelace", "field": "response-1"}}}) == []
    metadata = {"type": "range", "ge": 11, "scope": {"entity": "metadata", "metadata_property": "length"}}
    assert found({"filters": {"and": [metadata]}}) == ["rec-11", "rec-12"]
    submitted = {"type": "terms", "values": ["submitted"], "scope": {"entity": "response", "property": "status"}}
    assert found({"filters": {"and": [submitted]}}) == ["rec-11"]
    newest_first = [{"scope": {"entity": "record", "property": "inserted_at"}, "order": "desc"}]
    assert found({"sort": newest_first})[:2] == ["rec-12", "rec-11"]


@pytest.mark.parametrize(
    "body",
    [
        {"query": {"text": {"q": 5}}},
        {"query": {"text": {"q": "x", "field": "nope"}}},
        {"query": {"vector": {"name": "embedding"}}},
        {"query": {"vector": {"name": "embedding", "value": [1, 2]}}},
        {"query": {"vector": {"name": "nope", "value": [1, 2, 3]}}},
        {"filters": {"and": [{"type": "terms", "values": [], "scope": {"entity": "record", "property": "status"}}]}},
        {"filters": {"and": [{"type": "range", "scope": {"entity": "metadata", "metadata_property": "length"}}]}},
        {"filters": {"and": [{"type": "terms", "values": ["a"], "scope": {"entity": "planet"}}]}},
        {"sort": [{"scope": {"entity": "record", "property": "status"}, "order": "sideways"}]},
        [1, 2],
    ],
)
def test_bad_searches_are_422(people, dataset, api_client_for, body):
    response = api_client_for(people.admin_a).post(f"/api/v1/datasets/{dataset.id}/records/search", body, format="json")
    assert response.status_code == 422, response.json()
    assert "detail" in response.json()


def test_annotators_response_filters_see_only_their_own(people, dataset, api_client_for):
    record = dataset.records.get(external_id="rec-1")
    response_submit(record=record, user=people.labeler_a2, values=full_answer())
    submitted = {"type": "terms", "values": ["submitted"], "scope": {"entity": "response", "property": "status"}}
    response = api_client_for(people.labeler_a1).post(
        f"/api/v1/datasets/{dataset.id}/records/search", {"filters": {"and": [submitted]}}, format="json"
    )
    assert response.json()["total"] == 0


def test_users_progress_splits_answers_by_record_status(people, dataset, api_client_for):
    from feedback.services.responses import response_save_draft

    first, second = dataset.records.order_by("inserted_at")[:2]
    response_submit(record=first, user=people.labeler_a1, values=full_answer())  # completes it (overlap 1)
    response_save_draft(record=first, user=people.labeler_a2, values={"quality": {"value": 2}})
    response_save_draft(record=second, user=people.labeler_a2, values={"quality": {"value": 3}})
    body = api_client_for(people.admin_a).get(f"/api/v1/datasets/{dataset.id}/users/progress").json()
    users = {user["username"]: user for user in body["users"]}
    assert users["labeler-a1"]["completed"] == {"draft": 0, "submitted": 1, "discarded": 0}
    assert users["labeler-a2"]["completed"] == {"draft": 1, "submitted": 0, "discarded": 0}
    assert users["labeler-a2"]["pending"] == {"draft": 1, "submitted": 0, "discarded": 0}
    assert users["labeler-a2"]["draft"] == 2
