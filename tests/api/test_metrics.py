"""`GET /api/v1/datasets/{id}/metrics`: for the workspace's managers only."""

from __future__ import annotations

from feedback.models import MetricsSnapshot
from feedback.services.metrics import metrics_refresh, metrics_run
from feedback.services.responses import response_submit
from tests.builders import add_records, comparison_dataset, full_answer
from tests.factories import MembershipFactory, UserFactory


def test_the_metrics_endpoint_is_for_the_workspace_managers(people, api_client_for):
    dataset = comparison_dataset(people.workspace_a)
    add_records(dataset, 1)
    answer = api_client_for(people.admin_a).get(f"/api/v1/datasets/{dataset.pk}/metrics")
    assert answer.status_code == 200, answer.json()
    assert [q["name"] for q in answer.json()["questions"]][:2] == ["ranking", "quality"]
    # Each type's measures: the headline `agreement` first, every one in `agreements`.
    measures = {q["name"]: [(a["level"], a["unit"]) for a in q["agreements"]] for q in answer.json()["questions"]}
    assert measures == {
        "ranking": [("interval", "record_option"), ("kendall_tau", "record")],
        "quality": [("interval", "record"), ("ordinal", "record")],
        "topic": [("nominal", "record")],
        "failures": [("nominal", "record_option"), ("jaccard", "record")],
        "entities": [],
        **{q["name"]: [] for q in answer.json()["questions"] if q["type"] == "text"},
    }
    assert all(q["agreement"] == (q["agreements"] or [None])[0] for q in answer.json()["questions"])
    assert api_client_for(people.owner).get(f"/api/v1/datasets/{dataset.pk}/metrics").status_code == 200
    assert api_client_for(people.labeler_a1).get(f"/api/v1/datasets/{dataset.pk}/metrics").status_code == 403
    assert api_client_for(people.labeler_b).get(f"/api/v1/datasets/{dataset.pk}/metrics").status_code == 404
    other_admin = UserFactory(username="admin-b", is_staff=True)
    MembershipFactory(workspace=people.workspace_b, user=other_admin, role="admin")
    assert api_client_for(other_admin).get(f"/api/v1/datasets/{dataset.pk}/metrics").status_code == 404


def test_the_metrics_api_answers_from_the_cache_with_computed_at(people, api_client_for):
    dataset = comparison_dataset(people.workspace_a, min_submitted=2)
    first, second = add_records(dataset, 2)
    response_submit(record=first, user=people.labeler_a1, values=full_answer(quality={"value": 4}))
    response_submit(record=first, user=people.labeler_a2, values=full_answer(quality={"value": 2}))
    client = api_client_for(people.admin_a)
    url = f"/api/v1/datasets/{dataset.pk}/metrics"

    first = client.get(url)  # never computed: computed once, now, and stored

    assert first.status_code == 200, first.json()
    body = first.json()
    assert body["computed_at"] == MetricsSnapshot.objects.get(dataset=dataset).computed_at.isoformat()
    assert body["responses"]["submitted"] == 2 and body["leaderboard"] is None
    assert {"progress", "questions", "annotators"} <= set(body)
    labeler = next(a for a in body["annotators"] if a["username"] == "labeler-a1")
    assert {"agreement", "paste_rate", "seconds_per_record", "submitted_per_day"} <= set(labeler)
    # New activity: the cache answers as it was until a job refreshes it.
    response_submit(record=second, user=people.labeler_a1, values=full_answer())
    assert client.get(url).json() == body
    metrics_run(job_id=metrics_refresh(dataset=dataset, queue_run=False).pk)
    again = client.get(url).json()
    assert again["responses"]["submitted"] == 3 and again["computed_at"] > body["computed_at"]
