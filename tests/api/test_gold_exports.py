"""Gold records stay out of every export unless `options.include_gold` asks for them:
through the API, and from the shell."""

from __future__ import annotations

import io
import json

import pytest
from django.core.management import call_command

from feedback.services.gold import record_gold_set
from feedback.services.responses import response_submit
from tests.api.test_exports import lines, run_export
from tests.builders import add_records, comparison_dataset, full_answer


@pytest.fixture(autouse=True)
def storage(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def dataset(people):
    dataset = comparison_dataset(people.workspace_a)
    records = add_records(dataset, 4)
    for record in records:
        response_submit(record=record, user=people.labeler_a1, values=full_answer())
    for record in records[:2]:
        record_gold_set(record=record, values={"quality": {"value": 4}})
    return dataset


@pytest.mark.parametrize("layout", ["raw", "preference", "sft", "kto", "rl_prompts"])
def test_gold_records_are_left_out_of_every_layout_by_default(
    people, dataset, api_client_for, django_capture_on_commit_callbacks, layout
):
    client = api_client_for(people.admin_a)
    options = {"threshold": 3} if layout == "kto" else {}
    if layout == "sft":
        options = {"completion_question": "comment"}
        for record in dataset.records.all():
            response_submit(record=record, user=people.labeler_a2, values=full_answer(comment={"value": "written"}))

    job = run_export(client, dataset, django_capture_on_commit_callbacks, layout=layout, options=options)

    assert job["counts"]["records"] == 2
    assert job["options"]["include_gold"] is False
    text = json.dumps(lines(client, job))
    assert "number 0:" not in text and "number 1:" not in text  # the gold records' prompts
    assert "number 2:" in text and "number 3:" in text


def test_include_gold_exports_them(people, dataset, api_client_for, django_capture_on_commit_callbacks):
    client = api_client_for(people.admin_a)

    job = run_export(client, dataset, django_capture_on_commit_callbacks, layout="raw", options={"include_gold": True})

    assert job["counts"]["records"] == 4
    assert [row["external_id"] for row in lines(client, job)] == ["rec-0", "rec-1", "rec-2", "rec-3"]


def test_include_gold_must_be_a_boolean(people, dataset, api_client_for):
    answer = api_client_for(people.admin_a).post(
        f"/api/v1/datasets/{dataset.pk}/exports", {"layout": "raw", "options": {"include_gold": "yes"}}, format="json"
    )
    assert answer.status_code == 422
    assert answer.json()["errors"][0]["loc"] == ["options", "include_gold"]


def test_the_shell_export_takes_include_gold(people, dataset, tmp_path):
    default, with_gold = tmp_path / "default.jsonl", tmp_path / "gold.jsonl"
    for target, extra in ((default, []), (with_gold, ["--option=include_gold=true"])):
        call_command(
            "export_dataset", str(dataset.pk), "--layout=raw", f"--output={target}", *extra, stdout=io.StringIO()
        )

    assert [json.loads(line)["external_id"] for line in default.read_text().splitlines()] == ["rec-2", "rec-3"]
    assert len(with_gold.read_text().splitlines()) == 4
