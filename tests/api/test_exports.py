"""Exports through the API: layouts read back, pairs as computed by hand, tenant walls."""

from __future__ import annotations

import json

import pytest

from feedback.errors import InvalidData
from feedback.models import ExportJob
from feedback.services import datasets as services
from feedback.services.exports import export_create
from feedback.services.records import records_bulk_upsert
from feedback.services.responses import response_save_draft, response_submit
from tests.builders import add_records, comparison_dataset, full_answer


@pytest.fixture(autouse=True)
def storage(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def ranked(*order_and_ranks: tuple[str, int]) -> dict:
    return full_answer(ranking={"value": [{"value": v, "rank": r} for v, r in order_and_ranks]})


def run_export(client, dataset, django_capture_on_commit_callbacks, **body) -> dict:
    with django_capture_on_commit_callbacks(execute=True):
        started = client.post(f"/api/v1/datasets/{dataset.pk}/exports", body, format="json")
    assert started.status_code == 202, started.json()
    job = client.get(f"/api/v1/exports/{started.json()['id']}").json()
    assert job["status"] == "succeeded", job
    return job


def lines(client, job) -> list[dict]:
    response = client.get(f"/api/v1/exports/{job['id']}/file")
    assert response.status_code == 200
    return [json.loads(line) for line in b"".join(response.streaming_content).decode().splitlines()]


def test_preference_pairs_from_two_labelers(people, api_client_for, django_capture_on_commit_callbacks):
    dataset = comparison_dataset(people.workspace_a)
    record = add_records(dataset, 2)[0]
    response_submit(
        record=record, user=people.labeler_a1, values=ranked(("response-1", 1), ("response-2", 2), ("response-3", 3))
    )
    response_submit(
        record=record, user=people.labeler_a2, values=ranked(("response-2", 1), ("response-1", 2), ("response-3", 3))
    )
    response_save_draft(record=record, user=people.admin_a, values=ranked(("response-3", 1)))  # drafts are left out
    client = api_client_for(people.admin_a)
    job = run_export(
        client, dataset, django_capture_on_commit_callbacks, layout="preference", options={"unification": "mean_rank"}
    )
    fields = record.fields
    # Mean ranks: response-1 = response-2 = 1.5 (a tie: no pair), response-3 = 3.
    assert lines(client, job) == [
        {"prompt": fields["prompt"], "chosen": fields["response-1"], "rejected": fields["response-3"]},
        {"prompt": fields["prompt"], "chosen": fields["response-2"], "rejected": fields["response-3"]},
    ]
    assert job["counts"] == {"records": 2, "responses": 2, "rows": 2, "dropped": 1, "ties": 0}
    assert job["options"]["statuses"] == ["submitted"]
    per_labeler = run_export(
        client,
        dataset,
        django_capture_on_commit_callbacks,
        layout="preference",
        options={"unification": "per_labeler", "pair_mode": "best_vs_worst"},
    )
    assert [(row["chosen"], row["rejected"]) for row in lines(client, per_labeler)] == [
        (fields["response-1"], fields["response-3"]),
        (fields["response-2"], fields["response-3"]),
    ]


def test_sft_chat_and_raw(people, api_client_for, django_capture_on_commit_callbacks):
    dataset = services.dataset_create(workspace=people.workspace_a, name="demos")
    services.field_create(dataset=dataset, name="prompt")
    services.question_create(dataset=dataset, name="response", type="text")
    dataset = services.dataset_publish(dataset=dataset)
    record = records_bulk_upsert(dataset=dataset, items=[{"external_id": "d1", "fields": {"prompt": "Hi?"}}]).records[0]
    response_submit(record=record, user=people.labeler_a1, values={"response": {"value": "Hello!"}})
    client = api_client_for(people.admin_a)
    sft = run_export(client, dataset, django_capture_on_commit_callbacks, layout="sft")
    assert lines(client, sft) == [{"prompt": "Hi?", "completion": "Hello!"}]
    chat = run_export(client, dataset, django_capture_on_commit_callbacks, layout="sft_chat")
    assert lines(client, chat) == [
        {"messages": [{"role": "user", "content": "Hi?"}, {"role": "assistant", "content": "Hello!"}]}
    ]
    raw = run_export(client, dataset, django_capture_on_commit_callbacks, layout="raw")
    [row] = lines(client, raw)
    assert row["external_id"] == "d1" and row["responses"] == [
        {"user": "labeler-a1", "status": "submitted", "values": {"response": {"value": "Hello!"}}}
    ]


def test_bad_exports_are_422_and_walls_hold(people, api_client_for, django_capture_on_commit_callbacks):
    dataset = comparison_dataset(people.workspace_a)
    admin = api_client_for(people.admin_a)
    for body in (
        {"layout": "poems"},
        {"layout": "raw", "format": "xlsx"},
        {"layout": "preference", "options": {"unification": "vote"}},
        {"layout": "sft", "options": {"prompt_field": "nope"}},
        {"layout": "raw", "options": {"statuses": ["finished"]}},
    ):
        assert admin.post(f"/api/v1/datasets/{dataset.pk}/exports", body, format="json").status_code == 422, body
    assert not ExportJob.objects.exists()
    assert (
        api_client_for(people.labeler_a1)
        .post(f"/api/v1/datasets/{dataset.pk}/exports", {"layout": "raw"}, format="json")
        .status_code
        == 403
    )
    job = run_export(admin, dataset, django_capture_on_commit_callbacks, layout="raw")
    for user in (people.labeler_b, people.outsider):
        client = api_client_for(user)
        assert client.get(f"/api/v1/exports/{job['id']}").status_code == 404
        assert client.get(f"/api/v1/exports/{job['id']}/file").status_code == 404
        assert (
            client.post(f"/api/v1/datasets/{dataset.pk}/exports", {"layout": "raw"}, format="json").status_code == 404
        )
    # An annotator of the workspace cannot download everyone's answers either.
    assert api_client_for(people.labeler_a1).get(f"/api/v1/exports/{job['id']}/file").status_code == 404


@pytest.fixture
def evaluation(people):
    dataset = services.dataset_create(workspace=people.workspace_a, name="evaluation")
    services.field_create(dataset=dataset, name="prompt")
    services.field_create(dataset=dataset, name="response")
    services.question_create(
        dataset=dataset, name="quality", type="rating", settings={"options": [{"value": v} for v in range(1, 8)]}
    )
    services.question_create(
        dataset=dataset,
        name="failures",
        type="multi_label_selection",
        required=False,
        settings={"options": [{"value": "harmful"}, {"value": "unhelpful"}]},
    )
    dataset = services.dataset_publish(dataset=dataset)
    items = [{"external_id": f"e{n}", "fields": {"prompt": f"P{n}", "response": f"R{n}"}} for n in range(3)]
    records = records_bulk_upsert(dataset=dataset, items=items).records
    answers = {0: [(6, []), (7, [])], 1: [(2, ["unhelpful"]), (5, [])], 2: [(3, ["harmful"])]}
    for index, given in answers.items():
        for (quality, failures), user in zip(given, (people.labeler_a1, people.labeler_a2), strict=False):
            values = {"quality": {"value": quality}}
            if failures:
                values["failures"] = {"value": failures}
            response_submit(record=records[index], user=user, values=values)
    return dataset


def test_kto_labels_by_the_mean_rating_against_the_threshold(
    people, api_client_for, evaluation, django_capture_on_commit_callbacks
):
    client = api_client_for(people.admin_a)
    job = run_export(client, evaluation, django_capture_on_commit_callbacks, layout="kto", options={"threshold": 4})
    # Means: 6.5, 3.5, 3.
    assert lines(client, job) == [
        {"prompt": "P0", "completion": "R0", "label": True},
        {"prompt": "P1", "completion": "R1", "label": False},
        {"prompt": "P2", "completion": "R2", "label": False},
    ]
    each = run_export(
        client,
        evaluation,
        django_capture_on_commit_callbacks,
        layout="kto",
        options={"threshold": 4, "unification": "per_labeler"},
    )
    assert [row["label"] for row in lines(client, each)] == [True, True, False, True, False]
    refused = client.post(f"/api/v1/datasets/{evaluation.pk}/exports", {"layout": "kto"}, format="json")
    assert refused.status_code == 422 and "threshold" in refused.json()["detail"]


def test_kto_without_a_rating_question_says_so(people, api_client_for):
    dataset = services.dataset_create(workspace=people.workspace_a, name="demonstrations")
    services.field_create(dataset=dataset, name="prompt")
    services.question_create(dataset=dataset, name="response", type="text")
    dataset = services.dataset_publish(dataset=dataset)
    client = api_client_for(people.admin_a)
    for options in ({}, {"threshold": 4}):
        refused = client.post(
            f"/api/v1/datasets/{dataset.pk}/exports", {"layout": "kto", "options": options}, format="json"
        )
        assert refused.status_code == 422
        assert refused.json()["errors"] == [
            {
                "loc": ["options", "rating_question"],
                "msg": "kto labels completions by a rating question, and this dataset has none: add one",
            }
        ]
    assert not ExportJob.objects.exists()


def test_rl_prompts_selected_by_rating_and_labels(
    people, api_client_for, evaluation, django_capture_on_commit_callbacks
):
    client = api_client_for(people.admin_a)
    good = run_export(
        client, evaluation, django_capture_on_commit_callbacks, layout="rl_prompts", options={"min_rating": 3.5}
    )
    assert lines(client, good) == [{"prompt": "P0"}, {"prompt": "P1"}]
    clean = run_export(
        client,
        evaluation,
        django_capture_on_commit_callbacks,
        layout="rl_prompts",
        options={"exclude_labels": ["harmful"]},
    )
    assert lines(client, clean) == [{"prompt": "P0"}, {"prompt": "P1"}]
    assert clean["counts"]["dropped"] == 1


@pytest.fixture
def side_by_side(people):
    """Two responses per prompt and a vote for the better one, or a tie."""
    dataset = services.dataset_create(workspace=people.workspace_a, name="side-by-side")
    for name in ("prompt", "response_a", "response_b"):
        services.field_create(dataset=dataset, name=name)
    services.question_create(
        dataset=dataset,
        name="better",
        type="label_selection",
        settings={"options": [{"value": "response_a"}, {"value": "response_b"}, {"value": "tie"}]},
    )
    services.question_create(
        dataset=dataset,
        name="topic",
        type="label_selection",
        required=False,
        settings={"options": [{"value": "code"}, {"value": "other"}]},
    )
    dataset = services.dataset_publish(dataset=dataset)
    votes = [("response_a", "response_a"), ("response_a", "response_b"), ("tie", "response_b"), ("tie", "tie")]
    items = [
        {"external_id": f"s{n}", "fields": {"prompt": f"P{n}", "response_a": f"A{n}", "response_b": f"B{n}"}}
        for n in range(len(votes))
    ]
    records = records_bulk_upsert(dataset=dataset, items=items).records
    for record, given in zip(records, votes, strict=True):
        for user, vote in zip((people.labeler_a1, people.labeler_a2), given, strict=True):
            response_submit(record=record, user=user, values={"better": {"value": vote}})
    return dataset


def test_pairwise_votes_with_a_tie_option_as_preference_pairs(
    people, api_client_for, side_by_side, django_capture_on_commit_callbacks
):
    client = api_client_for(people.admin_a)
    majority = run_export(
        client,
        side_by_side,
        django_capture_on_commit_callbacks,
        layout="preference",
        options={"preference_question": "better", "unification": "majority"},
    )
    # s0: a 2-0; s1: 1-1, a tie; s2: b 1-0 (the tie abstains); s3: only ties.
    assert lines(client, majority) == [
        {"prompt": "P0", "chosen": "A0", "rejected": "B0"},
        {"prompt": "P2", "chosen": "B2", "rejected": "A2"},
    ]
    assert majority["counts"] == {"records": 4, "responses": 8, "rows": 2, "dropped": 2, "ties": 2}
    per_labeler = run_export(
        client,
        side_by_side,
        django_capture_on_commit_callbacks,
        layout="preference",
        options={"preference_question": "better", "unification": "per_labeler"},
    )
    assert [(row["chosen"], row["rejected"]) for row in lines(client, per_labeler)] == [
        ("A0", "B0"),
        ("A0", "B0"),
        ("A1", "B1"),
        ("B1", "A1"),
        ("B2", "A2"),
    ]
    assert per_labeler["counts"]["ties"] == 1


def test_a_bad_preference_question_is_refused_where_it_was_given(people, api_client_for, side_by_side):
    client = api_client_for(people.admin_a)
    for options, loc in (
        ({"preference_question": "nope"}, ["options", "preference_question"]),
        ({"preference_question": "topic"}, ["options", "preference_question"]),  # its options name no fields
        ({"preference_question": "better", "tie_value": "same"}, ["options", "preference_question"]),
        ({"preference_question": "better", "tie_value": 1}, ["options", "tie_value"]),
    ):
        refused = client.post(
            f"/api/v1/datasets/{side_by_side.pk}/exports", {"layout": "preference", "options": options}, format="json"
        )
        assert refused.status_code == 422, options
        assert loc in [error["loc"] for error in refused.json()["errors"]], refused.json()
    with pytest.raises(InvalidData) as refused:
        export_create(
            dataset=side_by_side, user=people.admin_a, layout="preference", options={"preference_question": "nope"}
        )
    assert [problem.loc for problem in refused.value.problems] == [("options", "preference_question")]
    assert not ExportJob.objects.exists()


@pytest.mark.parametrize(
    ("format", "content_type", "filename"),
    [
        ("jsonl", "application/jsonl", "comparison-raw.jsonl"),
        ("parquet", "application/vnd.apache.parquet", "comparison-raw.parquet"),
        ("hf_dataset", "application/zip", "comparison-raw.hf_dataset.zip"),
    ],
)
def test_downloads_carry_the_formats_content_type_and_file_name(
    people, api_client_for, django_capture_on_commit_callbacks, format, content_type, filename
):
    dataset = comparison_dataset(people.workspace_a)
    add_records(dataset, 2)
    client = api_client_for(people.admin_a)
    job = run_export(client, dataset, django_capture_on_commit_callbacks, layout="raw", format=format)
    assert job["format"] == format
    response = client.get(f"/api/v1/exports/{job['id']}/file")
    assert response.status_code == 200
    assert response["Content-Type"] == content_type
    assert response["Content-Disposition"] == f'attachment; filename="{filename}"'
    assert ExportJob.objects.get(pk=job["id"]).file.name.endswith(filename.removeprefix("comparison-raw"))


def test_rl_prompts_count_a_label_by_majority_or_by_any_labeler(
    people, api_client_for, evaluation, django_capture_on_commit_callbacks
):
    client = api_client_for(people.admin_a)
    # P1: one of its two labelers chose "unhelpful": not a majority.
    by_majority = run_export(
        client,
        evaluation,
        django_capture_on_commit_callbacks,
        layout="rl_prompts",
        options={"exclude_labels": ["unhelpful"]},
    )
    assert lines(client, by_majority) == [{"prompt": "P0"}, {"prompt": "P1"}, {"prompt": "P2"}]
    assert by_majority["options"]["label_unification"] == "majority"
    assert by_majority["options"]["unification"] == "mean"
    strict = run_export(
        client,
        evaluation,
        django_capture_on_commit_callbacks,
        layout="rl_prompts",
        options={"exclude_labels": ["unhelpful"], "label_unification": "any"},
    )
    assert lines(client, strict) == [{"prompt": "P0"}, {"prompt": "P2"}]


@pytest.mark.parametrize(
    ("layout", "options", "message"),
    [
        ("sft", {"unification": "majority"}, "unification does not apply to sft"),
        ("kto", {"threshold": 4, "unification": "mean_rank"}, "one of ['mean', 'median', 'per_labeler'] for kto"),
        ("rl_prompts", {"unification": "per_labeler"}, "one of ['mean', 'median'] for rl_prompts"),
        ("rl_prompts", {"label_unification": "most"}, "label_unification must be one of ['majority', 'any']"),
    ],
)
def test_a_unification_that_does_not_fit_the_layout_is_refused(
    people, api_client_for, evaluation, layout, options, message
):
    answer = api_client_for(people.admin_a).post(
        f"/api/v1/datasets/{evaluation.pk}/exports", {"layout": layout, "options": options}, format="json"
    )
    assert answer.status_code == 422 and message in answer.json()["detail"], answer.json()
