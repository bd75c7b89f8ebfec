"""Gold checks in the Django admin: expected answers on the record page (checked as the
API checks them), the gold filter, the dataset's gold settings, its report and the
action that lifts pauses."""

from __future__ import annotations

import json

from django.urls import reverse

from feedback import gold
from feedback.errors import InvalidData
from feedback.models import Dataset, Record
from feedback.services.datasets import dataset_update
from feedback.services.gold import record_gold_set
from feedback.services.queue import queue_next
from feedback.services.responses import response_submit
from tests.builders import add_records, comparison_dataset, full_answer
from tests.feedback.test_admin import client_for, inline

EXPECTED = {"quality": {"value": 4}}


def gold_post(value: str) -> dict:
    """The record page's form: the expected answers, and its read-only inlines' management forms."""
    return {"gold": value, **inline("suggestions", []), **inline("responses", [])}


def test_an_admin_sets_and_clears_expected_answers_on_the_record_page(people):
    dataset = comparison_dataset(people.workspace_a)
    record = add_records(dataset, 1)[0]
    client = client_for(people.admin_a)
    url = reverse("admin:feedback_record_change", args=[record.pk])

    bad = client.post(url, gold_post(json.dumps({"quality": {"value": 9}})))
    assert bad.status_code == 200 and "not one of the ratings" in bad.text
    assert Record.objects.get(pk=record.pk).gold is None

    saved = client.post(url, gold_post(json.dumps(EXPECTED)))
    assert saved.status_code == 302
    assert Record.objects.get(pk=record.pk).gold == EXPECTED

    listed = client.get(reverse("admin:feedback_record_changelist") + "?gold=yes")
    assert "rec-0" in listed.text
    assert "rec-0" not in client.get(reverse("admin:feedback_record_changelist") + "?gold=no").text

    client.post(url, gold_post(""))
    assert Record.objects.get(pk=record.pk).gold is None


def test_another_workspaces_record_cannot_be_made_gold(people):
    theirs = add_records(comparison_dataset(people.workspace_b, name="theirs"), 1)[0]
    answer = client_for(people.admin_a).post(
        reverse("admin:feedback_record_change", args=[theirs.pk]), gold_post(json.dumps(EXPECTED))
    )
    assert answer.status_code == 302 and answer.url == reverse("admin:index")
    assert Record.objects.get(pk=theirs.pk).gold is None


def test_the_dataset_page_shows_the_gold_report_and_the_action_lifts_pauses(people):
    dataset = comparison_dataset(people.workspace_a, min_submitted=1)
    records = add_records(dataset, 4)
    for record in records[:2]:
        record_gold_set(record=record, values=EXPECTED)
    dataset = dataset_update(dataset=dataset, gold_rate=1.0, gold_min_answers=2, gold_pause_flagged=True)
    for _ in range(2):
        record = queue_next(dataset=dataset, user=people.labeler_a1)
        response_submit(record=record, user=people.labeler_a1, values=full_answer(quality={"value": 1}))
    assert gold.is_paused(dataset, people.labeler_a1)
    client = client_for(people.admin_a)

    page = client.get(reverse("admin:feedback_dataset_change", args=[dataset.pk]))
    assert "2 gold records" in page.text and "labeler-a1" in page.text and "paused" in page.text

    answer = client.post(
        reverse("admin:feedback_dataset_changelist"),
        {"action": "lift_gold_pauses", "_selected_action": [str(dataset.pk)]},
        follow=True,
    )
    assert "lifted the pause of labeler-a1" in answer.text
    assert not gold.is_paused(dataset, people.labeler_a1)
    assert queue_next(dataset=dataset, user=people.labeler_a1) is not None


def test_the_gold_settings_are_validated_in_the_admin(people):
    dataset = comparison_dataset(people.workspace_a, publish=False)
    client = client_for(people.admin_a)
    page = client.get(reverse("admin:feedback_dataset_change", args=[dataset.pk]))
    assert "gold_rate" in page.text and "gold_pause_flagged" in page.text
    # The admin saves through the dataset service, which checks the ranges.
    try:
        dataset_update(dataset=dataset, gold_rate=1.5)
    except InvalidData as error:
        assert error.problems[0].loc == ("gold_rate",)
    else:
        raise AssertionError("a gold rate above 1 was accepted")
    assert Dataset.objects.get(pk=dataset.pk).gold_rate == 0.0
