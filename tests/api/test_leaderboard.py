"""`GET /api/v1/datasets/{id}/leaderboard`, and the dataset setting it reads."""

from __future__ import annotations

import csv
import io

import pytest

from feedback import selectors
from feedback.services.datasets import dataset_publish, dataset_update, question_create
from feedback.services.records import records_bulk_upsert
from feedback.services.responses import response_save, response_submit
from tests.builders import LABELS, add_records, comparison_dataset, record_item

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


def ranked(*fields_best_first: str, ties: tuple[str, ...] = ()) -> dict:
    """A ranking answer; fields in `ties` share the rank of the field before them."""
    items, rank = [], 0
    for position, name in enumerate(fields_best_first, 1):
        rank = rank if name in ties else position
        items.append({"value": name, "rank": rank})
    return {"value": items}


@pytest.fixture
def evaluated(people):
    """Three records' worth of models in three slots, answered through the services."""
    dataset = comparison_dataset(people.workspace_a, publish=False)
    question_create(
        dataset=dataset,
        name="vote",
        type="label_selection",
        required=False,
        settings={"options": [{"value": v, "text": v} for v in ("response-1", "response-2", "tie")]},
    )
    question_create(
        dataset=dataset,
        name="helpful-response-1",
        type="rating",
        required=False,
        settings={"options": [{"value": v} for v in range(1, 6)]},
    )
    question_create(
        dataset=dataset,
        name="failures-response-1",
        type="multi_label_selection",
        required=False,
        settings={"options": LABELS},
    )
    slots = {f"response-{n}": f"model:response-{n}" for n in (1, 2, 3)}
    dataset = dataset_update(dataset=dataset_publish(dataset=dataset), leaderboard_models=slots)
    lineups = [("alpha", "beta", "gamma"), ("beta", "gamma", "alpha")]
    items = [
        record_item(n, metadata={f"model:response-{slot}": model for slot, model in enumerate(lineup, 1)})
        for n, lineup in enumerate(lineups)
    ]
    rec0, rec1 = records_bulk_upsert(dataset=dataset, items=items).records
    a1, a2 = people.labeler_a1, people.labeler_a2

    def submit(record, user, ranking, vote, helpful, failures=None):
        values = {"quality": {"value": 3}, "ranking": ranking, "vote": {"value": vote}}
        values["helpful-response-1"] = {"value": helpful}
        if failures:
            values["failures-response-1"] = {"value": failures}
        response_submit(record=record, user=user, values=values)

    # rec0 (r1 alpha, r2 beta, r3 gamma). a1: alpha > beta > gamma; votes beta over alpha.
    submit(rec0, a1, ranked("response-1", "response-2", "response-3"), "response-2", 5, ["hallucination"])
    # a2: alpha = beta > gamma; a tie vote; no failures.
    submit(rec0, a2, ranked("response-1", "response-2", "response-3", ties=("response-2",)), "tie", 3)
    # rec1 (r1 beta, r2 gamma, r3 alpha). a1: alpha > beta > gamma; votes beta over gamma.
    submit(rec1, a1, ranked("response-3", "response-1", "response-2"), "response-1", 4, ["harmful"])
    # A draft counts for nothing.
    response_save(record=rec1, user=a2, values={"vote": {"value": "response-2"}}, status="draft")
    return dataset


def test_the_leaderboard_counts_wins_by_hand(people, api_client_for, evaluated, django_assert_max_num_queries):
    with django_assert_max_num_queries(3):
        selectors.dataset_leaderboard(evaluated)
    answer = api_client_for(people.admin_a).get(f"/api/v1/datasets/{evaluated.pk}/leaderboard")
    assert answer.status_code == 200, answer.json()
    board = answer.json()
    # alpha beats beta in two rankings and loses one vote, ties twice (a2's ranking and vote);
    # alpha beats gamma in three rankings; beta beats gamma in three rankings and one vote.
    assert board["pairs"] == [
        {"model_a": "alpha", "model_b": "beta", "a_wins": 2, "b_wins": 1, "ties": 2, "a_win_rate": 0.6667},
        {"model_a": "alpha", "model_b": "gamma", "a_wins": 3, "b_wins": 0, "ties": 0, "a_win_rate": 1.0},
        {"model_a": "beta", "model_b": "gamma", "a_wins": 4, "b_wins": 0, "ties": 0, "a_win_rate": 1.0},
    ]
    assert (board["comparisons"], board["ties"]) == (10, 2)
    models = {row["model"]: row for row in board["models"]}
    assert [row["model"] for row in board["models"]] == ["alpha", "beta", "gamma"]
    assert (models["alpha"]["wins"], models["alpha"]["losses"], models["alpha"]["win_rate"]) == (5, 1, 0.8333)
    assert (models["beta"]["wins"], models["beta"]["losses"], models["beta"]["win_rate"]) == (5, 2, 0.7143)
    assert (models["gamma"]["wins"], models["gamma"]["losses"], models["gamma"]["win_rate"]) == (0, 7, 0.0)
    assert models["alpha"]["score_low"] <= models["alpha"]["score"] <= models["alpha"]["score_high"]
    ratings = {row["model"]: row for row in board["ratings"]}
    assert (ratings["alpha"]["n"], ratings["alpha"]["mean"]) == (2, 4.0)
    assert (ratings["beta"]["n"], ratings["beta"]["mean"], ratings["beta"]["mean_low"]) == (1, 4.0, None)
    labels = {row["model"]: row for row in board["labels"]}
    assert labels["alpha"]["responses"] == 2
    assert labels["alpha"]["rates"] == {"hallucination": 0.5, "harmful": 0.0, "unhelpful": 0.0}
    assert labels["beta"]["rates"]["harmful"] == 1.0
    assert board["method"]["votes"] == ["vote"] and board["method"]["rankings"] == ["ranking"]
    # The same answer twice: the bootstrap is seeded.
    again = api_client_for(people.admin_a).get(f"/api/v1/datasets/{evaluated.pk}/leaderboard").json()
    assert again["models"] == board["models"]


def test_the_leaderboard_as_csv_reads_back(people, api_client_for, evaluated):
    answer = api_client_for(people.admin_a).get(f"/api/v1/datasets/{evaluated.pk}/leaderboard.csv")
    assert answer.status_code == 200
    assert answer["Content-Type"].startswith("text/csv")
    assert "leaderboard.csv" in answer["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(answer.content.decode("utf-8"))))
    assert [(row["rank"], row["model"], row["win_rate"]) for row in rows] == [
        ("1", "alpha", "0.8333"),
        ("2", "beta", "0.7143"),
        ("3", "gamma", "0.0"),
    ]
    assert rows[0]["helpful-response-1.mean"] == "4.0" and rows[2]["helpful-response-1.n"] == "0"
    assert rows[0]["failures-response-1.hallucination"] == "0.5"


def test_the_leaderboard_is_for_the_workspace_managers(people, api_client_for, evaluated):
    for suffix in ("leaderboard", "leaderboard.csv"):
        url = f"/api/v1/datasets/{evaluated.pk}/{suffix}"
        assert api_client_for(people.owner).get(url).status_code == 200
        assert api_client_for(people.labeler_a1).get(url).status_code == 403
        assert api_client_for(people.labeler_b).get(url).status_code == 404


def test_without_models_named_the_leaderboard_is_empty(people, api_client_for):
    dataset = comparison_dataset(people.workspace_a)
    add_records(dataset, 1)
    board = api_client_for(people.admin_a).get(f"/api/v1/datasets/{dataset.pk}/leaderboard").json()
    assert (board["models"], board["pairs"], board["comparisons"]) == ([], [], 0)
