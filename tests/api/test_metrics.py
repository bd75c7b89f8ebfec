"""`GET /api/v1/datasets/{id}/metrics`: for the workspace's managers only."""

from __future__ import annotations

from tests.builders import add_records, comparison_dataset
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
