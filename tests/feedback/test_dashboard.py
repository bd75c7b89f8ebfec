"""The quality dashboard's computation (`feedback.dashboard` through `selectors.dataset_metrics`)
on real responses, against numbers worked out by hand."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from feedback.models import Response
from feedback.selectors import dataset_leaderboard, dataset_metrics
from feedback.services.datasets import dataset_update
from feedback.services.records import records_bulk_upsert
from feedback.services.responses import response_save, response_save_draft, response_submit
from tests.builders import add_records, comparison_dataset, full_answer, record_item


@pytest.fixture
def rated(people):
    """Three records, min_submitted 2. Quality: record 0 gets 4, 4 and 1 (the admin
    disagrees), record 1 gets 2 and 2, record 2 only a draft."""
    dataset = comparison_dataset(people.workspace_a, min_submitted=2)
    first, second, third = add_records(dataset, 3)
    a1, a2, admin = people.labeler_a1, people.labeler_a2, people.admin_a
    response_save(
        record=first,
        user=a1,
        values=full_answer(quality={"value": 4}, comment={"value": "pasted text"}),
        status="submitted",
        time_spent_seconds=30,
        context={"pasted": ["comment"]},
    )
    response_submit(record=first, user=a2, values=full_answer(quality={"value": 4}), time_spent_seconds=12)
    response_submit(record=first, user=admin, values=full_answer(quality={"value": 1}), time_spent_seconds=700)
    response_save(
        record=second,
        user=a1,
        values=full_answer(quality={"value": 2}, comment={"value": "typed"}),
        status="submitted",
        time_spent_seconds=10,
    )
    response_submit(record=second, user=a2, values=full_answer(quality={"value": 2}), time_spent_seconds=14)
    response_save_draft(record=third, user=a1, values={"quality": {"value": 3}})
    return dataset


def test_agreement_with_and_without_each_labeler_by_hand(rated, people):
    metrics = dataset_metrics(rated)

    quality = next(q for q in metrics["questions"] if q["name"] == "quality")
    # Units (4, 4, 1) and (2, 2): coincidences 4-4: 1, 4-1: 1, 1-4: 1, 2-2: 2; margins
    # 4: 2, 1: 1, 2: 2 (n = 5). Observed 2 * 9 = 18; expected 2 * (2*1*9 + 2*2*4 + 1*2*1)
    # = 72; alpha = 1 - 4 * 18 / 72 = 0.
    assert quality["agreement"]["value"] == 0.0
    by_user = {a["username"]: {g["question"]: g for g in a["agreement"]} for a in metrics["annotators"]}
    # Without the admin: (4, 4) and (2, 2), perfect agreement: 1. Without labeler-a1:
    # (4, 1) alone (record 1 keeps one answer): observed 18, expected 18, n = 2: 0.
    assert by_user["admin-a"]["quality"] == {
        "question": "quality",
        "level": "interval",
        "records": 1,
        "alpha": 0.0,
        "alpha_without": 1.0,
    }
    assert by_user["labeler-a1"]["quality"]["alpha_without"] == 0.0
    assert by_user["labeler-a1"]["quality"]["records"] == 2
    assert by_user["labeler-a2"]["quality"]["alpha_without"] == 0.0
    # No alpha for text questions; none over a question a labeler shared no record on.
    assert "comment" not in by_user["labeler-a1"]


def test_distributions_disputed_records_and_the_bootstrap_interval(rated):
    metrics = dataset_metrics(rated)

    quality = next(q for q in metrics["questions"] if q["name"] == "quality")
    assert quality["distribution"] == {"1": 1, "2": 2, "3": 0, "4": 2, "5": 0}
    # Record 0: pairs (4, 1) and (1, 4) weigh 1 each at distance 9, (4, 4) weighs 1 at 0:
    # mean 18 / 3 = 6. Record 1 has no disagreement: not listed.
    first = Response.objects.filter(user__username="admin-a").get().record_id
    assert quality["disputed"] == [{"record_id": str(first), "disagreement": 6.0}]
    # Resampling two records: both record 0 gives -0.25 (margins 4: 4, 1: 2; 1 - 5 * 36 /
    # 144), both record 1 no alpha (no variation), one of each 0: the interval lies within.
    interval = quality["agreement_interval"]
    assert interval["rounds"] == 200 and interval["confidence"] == 0.95
    assert -0.25 <= interval["low"] <= interval["high"] <= 0.0
    ranking = next(q for q in metrics["questions"] if q["name"] == "ranking")
    # Five submitted rankings, each response-2 first, response-1 second, response-3 third.
    assert ranking["distribution"] == {"response-1": {"2": 5}, "response-2": {"1": 5}, "response-3": {"3": 5}}
    comment = next(q for q in metrics["questions"] if q["name"] == "comment")
    assert comment["distribution"] is None and comment["agreement_interval"] is None and comment["disputed"] == []


def test_labelers_time_paste_rate_and_gold_left_absent(rated):
    metrics = dataset_metrics(rated)

    a1 = next(a for a in metrics["annotators"] if a["username"] == "labeler-a1")
    assert (a1["submitted"], a1["draft"], a1["discarded"]) == (2, 1, 0)
    # Submitted in 30 s and 10 s: median 20, one in [10, 20), one in [30, 60).
    assert a1["seconds_per_record"]["median"] == 20.0
    bins = {(b["low"], b["high"]): b["count"] for b in a1["seconds_per_record"]["histogram"]}
    assert bins[(10, 20)] == 1 and bins[(30, 60)] == 1 and sum(bins.values()) == 2
    admin = next(a for a in metrics["annotators"] if a["username"] == "admin-a")
    assert {(b["low"], b["high"]): b["count"] for b in admin["seconds_per_record"]["histogram"]}[(600, None)] == 1
    # Two written answers, one pasted.
    assert (a1["written_answers"], a1["paste_rate"]) == (2, 0.5)
    assert admin["written_answers"] == 0 and admin["paste_rate"] is None
    today = timezone.now().date().isoformat()
    assert a1["submitted_per_day"] == [{"day": today, "count": 2}]
    assert all("gold_accuracy" not in a for a in metrics["annotators"])


def test_progress_per_day_and_the_eta_at_the_current_pace(rated):
    # Record 1 was completed two days ago (its second submission); record 0 today.
    two_days_ago = timezone.now() - timedelta(days=2)
    Response.objects.filter(record__external_id="rec-1").update(submitted_at=two_days_ago)
    records = add_records(rated, 4, start=10)  # 7 records, 2 completed

    metrics = dataset_metrics(rated)

    progress = metrics["progress"]
    today = timezone.now().date()
    assert progress["per_day"] == [
        {"day": two_days_ago.date().isoformat(), "submitted": 2, "completed": 1},
        {"day": today.isoformat(), "submitted": 3, "completed": 1},
    ]
    # Pace: 2 completions over the 2 active days = 1 a day; 5 records left: 5 days.
    assert (progress["pace_per_day"], progress["pace_days"], progress["remaining"]) == (1.0, 2, 5)
    assert progress["eta_days"] == 5.0
    assert progress["eta_date"] == (today + timedelta(days=5)).isoformat()
    assert len(records) == 4


def test_no_completion_yet_gives_no_eta(people):
    dataset = comparison_dataset(people.workspace_a, min_submitted=2)
    add_records(dataset, 2)
    progress = dataset_metrics(dataset)["progress"]
    assert progress == {
        "per_day": [],
        "pace_per_day": None,
        "pace_days": 0,
        "remaining": 2,
        "eta_days": None,
        "eta_date": None,
    }


def test_the_leaderboard_is_the_leaderboard_endpoints_own(rated, people):
    assert dataset_metrics(rated)["leaderboard"] is None
    slots = {"response-1": "model-1", "response-2": "model-2", "response-3": "model-3"}
    rated = dataset_update(dataset=rated, leaderboard_models=slots)
    models = {"model-1": "gpt-x", "model-2": "llama-3", "model-3": "mistral"}
    for n in range(3):
        records_bulk_upsert(dataset=rated, items=[record_item(n, metadata={**models, "model": "a", "length": n})])

    board = dataset_metrics(rated)["leaderboard"]
    assert board == dataset_leaderboard(rated)
    # Five rankings of three models: 15 decided comparisons, llama-3 (response-2) first.
    assert board["comparisons"] == 15 and board["models"][0]["model"] == "llama-3"
