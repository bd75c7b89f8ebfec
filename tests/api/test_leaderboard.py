"""`GET /api/v1/datasets/{id}/leaderboard`, and the dataset setting it reads."""

from __future__ import annotations

from tests.builders import comparison_dataset

MODELS = {"response-1": "model:response-1", "response-2": "model:response-2"}


def test_the_api_sets_and_shows_the_models(people, api_client_for):
    dataset = comparison_dataset(people.workspace_a)
    url = f"/api/v1/datasets/{dataset.pk}"
    answer = api_client_for(people.admin_a).patch(url, {"leaderboard_models": MODELS}, format="json")
    assert answer.status_code == 200, answer.json()
    assert answer.json()["leaderboard_models"] == MODELS
    bad = api_client_for(people.admin_a).patch(url, {"leaderboard_models": {"prompt2": "m"}}, format="json")
    assert bad.status_code == 422
    assert bad.json()["errors"][0]["loc"][-2:] == ["leaderboard_models", "prompt2"]
    assert api_client_for(people.labeler_a1).get(url).json()["leaderboard_models"] == MODELS
