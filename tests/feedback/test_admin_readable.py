"""The admin, readable (#13): jobs titled by their dataset, responses named by labeler and
record text with their answers in words, text and progress columns, settings edited
through inputs that match their type."""

from __future__ import annotations

import json
from io import BytesIO

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from feedback.admin.display import duration, excerpt
from feedback.models import Dataset, ExportJob, Question, Response
from feedback.services.exports import export_create
from feedback.services.imports import import_create
from feedback.services.metrics import metrics_refresh
from feedback.services.records import records_bulk_upsert
from feedback.services.responses import response_save_draft, response_submit
from tests.builders import add_records, comparison_dataset, full_answer, record_item
from tests.feedback.test_admin import change_post, client_for, dataset_post, inline

DURATIONS = [(None, "—"), (0, "0 s"), (0.4, "0 s"), (45, "45 s"), (59.6, "1 min"), (60, "1 min")]
DURATIONS += [(190, "3 min 10 s"), (3600, "1 h"), (3900.2, "1 h 5 min"), (7325, "2 h 2 min")]


@pytest.mark.parametrize(("seconds", "shown"), DURATIONS)
def test_time_spent_reads_in_seconds_minutes_or_hours(seconds, shown):
    assert duration(seconds) == shown


def test_text_is_cut_on_a_word_with_an_ellipsis():
    assert excerpt("Explain recursion to a five-year-old", 20) == "Explain recursion…"
    assert excerpt("Short  and\n\nsweet", 20) == "Short and sweet"
    assert excerpt("Supercalifragilisticexpialidocious words", 10) == "Supercali…"
    assert excerpt("", 10) == ""
    assert excerpt("On a moderate budget. What should I see first?", 24) == "On a moderate budget…"


def test_jobs_are_titled_by_their_dataset_and_say_queued_only_while_queued(
    people, settings, tmp_path, django_capture_on_commit_callbacks
):
    settings.MEDIA_ROOT = tmp_path
    mine = comparison_dataset(people.workspace_a, name="mine")
    add_records(mine, 2)
    client = client_for(people.admin_a)
    with django_capture_on_commit_callbacks(execute=True):
        started = client.post(
            reverse("admin:feedback_exportjob_add"),
            {"dataset": str(mine.pk), "layout": "raw", "format": "jsonl", "options": "{}"},
        )
    added = client.get(started.url)  # the list, with the confirmation
    job = ExportJob.objects.get()
    assert job.status == "succeeded"
    # The confirmation, the list and the admin's recent actions name the job by its
    # dataset; none of them still says "queued" once the job ran.
    assert "export job “Export of mine (raw)” was added successfully" in added.text
    assert "(queued)" not in added.text and "queued 0%" not in added.text
    assert "succeeded 100%" in added.text
    index = client.get(reverse("admin:index")).text
    assert "Export of mine (raw)" in index and "queued" not in index
    page = client.get(reverse("admin:feedback_exportjob_change", args=[job.pk])).text
    assert "Export of mine (raw)" in page and "queued" not in page

    waiting = export_create(dataset=mine, user=people.admin_a, layout="preference", queue_run=False)
    listing = client.get(reverse("admin:feedback_exportjob_changelist")).text
    assert "Export of mine (preference)" in listing and "queued 0%" in listing
    with django_capture_on_commit_callbacks(execute=True):
        import_create(dataset=mine, user=people.admin_a, file=BytesIO(b'{"prompt": 4}\n'), filename="rows.jsonl")
    imports = client.get(reverse("admin:feedback_importjob_changelist")).text
    assert "Import of rows.jsonl into mine" in imports and "failed" in imports
    dataset_page = client.get(reverse("admin:feedback_dataset_change", args=[mine.pk])).text
    assert "Export of mine (raw)" in dataset_page and "Import of rows.jsonl into mine" in dataset_page
    assert str(waiting) == "Export of mine (preference)"


def test_responses_are_named_by_labeler_and_record_text_with_readable_answers(people):
    dataset = comparison_dataset(people.workspace_a, name="shown")
    first, second = add_records(dataset, 2)
    response_submit(
        record=first,
        user=people.labeler_a1,
        values=full_answer(failures={"value": ["harmful", "hallucination"]}, comment={"value": "<b>ok</b>"}),
        time_spent_seconds=190,
    )
    response_save_draft(record=second, user=people.labeler_a2, values={"quality": {"value": 2}})
    client = client_for(people.admin_a)
    listing = client.get(reverse("admin:feedback_response_changelist"))
    assert listing.status_code == 200
    text = listing.text
    assert "labeler-a1 on &#x27;Prompt number 0: where does Ada…&#x27;" in text
    assert "labeler-a2 on &#x27;Prompt number 1: where does Ada…&#x27;" in text
    # Answers in words, by the options' titles: the ranking best first, the rating a number.
    assert "Response 2 &gt; Response 1 &gt; Response 3" in text
    assert "Harmful, Hallucination" in text and "&lt;b&gt;ok&lt;/b&gt;" in text
    assert "3 min 10 s" in text
    assert '"rank"' not in text and "&quot;value&quot;" not in text and "{&#x27;value" not in text
    # Other workspaces' responses are not listed; labelers get no admin.
    theirs = add_records(comparison_dataset(people.workspace_b, name="theirs"), 1, start=50)[0]
    their_response = response_submit(record=theirs, user=people.labeler_b, values=full_answer())
    assert "labeler-b" not in client.get(reverse("admin:feedback_response_changelist")).text
    elsewhere = client.get(reverse("admin:feedback_response_change", args=[their_response.pk]))
    assert elsewhere.status_code == 302 and elsewhere.url == reverse("admin:index")
    assert client_for(people.labeler_a1).get(reverse("admin:feedback_response_changelist")).status_code == 302
    # The record page shows its responses the same way.
    record_page = client.get(reverse("admin:feedback_record_change", args=[first.pk])).text
    assert "Response 2 &gt; Response 1 &gt; Response 3" in record_page and "3 min 10 s" in record_page
    assert "submitted response by" not in record_page and '"rank"' not in record_page
    # Its fields by their titles, in the dataset's order; no "null" in the empty gold input.
    assert record_page.index("<dt>Prompt</dt>") < record_page.index("<dt>Response 1</dt>")
    assert ">null</textarea>" not in record_page


def test_the_record_list_shows_each_record_text_cut_on_a_word(people):
    dataset = comparison_dataset(people.workspace_a, name="texts")
    add_records(dataset, 1)
    long = "Explain recursion to a five-year-old, using a story about Russian dolls nested inside each other"
    records_bulk_upsert(
        dataset=dataset,
        items=[record_item(1, fields={"prompt": long, "response-1": "a", "response-2": "b", "response-3": "c"})],
    )
    listing = client_for(people.admin_a).get(reverse("admin:feedback_record_changelist")).text
    assert "Prompt number 0: where does Ada Lovelace live?" in listing
    assert "Explain recursion to a five-year-old, using a story about Russian dolls nested…" in listing


def progress_datasets(workspace, labeler, start: int, count: int) -> None:
    for n in range(start, start + count):
        dataset = comparison_dataset(workspace, name=f"progress-{n}", min_submitted=1)
        records = add_records(dataset, 4)
        for record in records[: n % 4]:
            response_submit(record=record, user=labeler, values=full_answer())


def dataset_list_queries(client) -> list[str]:
    with CaptureQueriesContext(connection) as queries:
        page = client.get(reverse("admin:feedback_dataset_changelist"))
    assert page.status_code == 200
    return [query["sql"] for query in queries]


def test_the_dataset_list_shows_progress_in_one_query_for_the_page(people):
    client = client_for(people.admin_a)
    progress_datasets(people.workspace_a, people.labeler_a1, 0, 5)
    page = client.get(reverse("admin:feedback_dataset_changelist")).text
    assert "3 / 4 (75%)" in page and "0 / 4 (0%)" in page and 'aria-label="3 of 4 records completed"' in page
    five = dataset_list_queries(client)
    progress_datasets(people.workspace_a, people.labeler_a1, 5, 45)
    fifty = dataset_list_queries(client)
    assert len(five) == len(fifty), (len(five), len(fifty))
    # The page's datasets with their counts and progress: one query.
    rows = [sql for sql in fifty if sql.startswith('SELECT "feedback_dataset"."id"') and "COUNT(" in sql]
    assert len(rows) == 1, fifty


# Settings through inputs matching their type --------------------------------------------


def typed(prefix: str, index: int, **inputs) -> dict[str, str]:
    """The typed settings inputs of one inline row (and the marker saying they were shown)."""
    return {f"{prefix}-{index}-typed_settings": "1", **{f"{prefix}-{index}-{k}": v for k, v in inputs.items()}}


def test_settings_are_edited_through_inputs_that_match_their_type(people):
    client = client_for(people.admin_a)
    data = dataset_post(
        people.workspace_a,
        "typed",
        fields=[{"name": "prompt", "title": "Prompt", "type": "text", "required": "on", "position": 0}],
        questions=[
            {"name": "quality", "title": "Quality", "type": "rating", "required": "on", "position": 0},
            {"name": "topic", "title": "Topic", "type": "label_selection", "required": "on", "position": 1},
        ],
    )
    data.update(typed("fields", 0, use_markdown="on"))
    data.update(typed("questions", 0, scale_min="1", scale_max="5"))
    data.update(
        typed(
            "questions",
            1,
            **{
                "options_value_0": "code",
                "options_text_0": "Code",
                "options_value_1": "chat",
                "options_text_1": "",
                "options_value_2": "",
                "options_text_2": "",
            },
        )
    )
    response = client.post(reverse("admin:feedback_dataset_add"), data)
    assert response.status_code == 302, response.text[:3000]
    dataset = Dataset.objects.get(name="typed")
    assert dataset.fields.get().settings == {"use_markdown": True}
    assert dataset.questions.get(name="quality").settings == {"options": [{"value": v} for v in range(1, 6)]}
    topic = dataset.questions.get(name="topic").settings
    assert [(o["value"], o["text"]) for o in topic["options"]] == [("code", "Code"), ("chat", "chat")]
    # The change page shows the inputs filled in, the JSON under "Advanced".
    page = client.get(reverse("admin:feedback_dataset_change", args=[dataset.pk])).text
    assert 'name="questions-1-options_value_0" value="code"' in page
    assert 'name="questions-0-scale_max" value="5"' in page
    assert "Advanced" in page


def test_typed_settings_are_checked_by_the_registry_and_json_stays_a_fallback(people):
    client = client_for(people.admin_a)
    data = dataset_post(
        people.workspace_a,
        "checked",
        questions=[{"name": "quality", "title": "Quality", "type": "rating", "required": "on", "position": 0}],
    )
    data.update(typed("questions", 0, scale_min="1", scale_max="42"))
    refused = client.post(reverse("admin:feedback_dataset_add"), data)
    assert refused.status_code == 200 and "integer from 0 to 10" in refused.text
    assert not Dataset.objects.filter(name="checked").exists()
    # Without the typed inputs (an API-like post, or the Advanced JSON alone), the JSON counts.
    data = dataset_post(
        people.workspace_a,
        "checked",
        questions=[
            {
                "name": "quality",
                "title": "Quality",
                "type": "rating",
                "required": "on",
                "position": 0,
                "settings": {"options": [{"value": 1}, {"value": 3}]},
            }
        ],
    )
    assert client.post(reverse("admin:feedback_dataset_add"), data).status_code == 302
    question = Question.objects.get(dataset__name="checked")
    assert question.settings == {"options": [{"value": 1}, {"value": 3}]}
    # Editing the JSON under Advanced wins over the typed inputs left as they were shown.
    rows = [
        {
            "id": str(question.pk),
            "dataset": str(question.dataset_id),
            "name": "quality",
            "title": "Quality",
            "type": "rating",
            "required": "on",
            "position": 0,
            "settings": {"options": [{"value": 1}, {"value": 3}, {"value": 5}]},
        }
    ]
    change = dataset_post(people.workspace_a, "checked")
    change.update(inline("questions", rows, initial=1))
    change.update(typed("questions", 0, scale_min="1", scale_max="3"))
    response = client.post(reverse("admin:feedback_dataset_change", args=[question.dataset_id]), change)
    assert response.status_code == 302, response.text[:3000]
    question.refresh_from_db()
    assert question.settings == {"options": [{"value": 1}, {"value": 3}, {"value": 5}]}


def test_typed_and_json_settings_changed_at_once_are_refused_and_descriptions_survive(people):
    dataset = comparison_dataset(people.workspace_a, name="both", publish=False)
    topic = dataset.questions.get(name="topic")
    topic.settings["options"][0]["description"] = "Anything about code"
    topic.save()
    client = client_for(people.admin_a)
    url = reverse("admin:feedback_dataset_change", args=[dataset.pk])

    def post(**overrides):
        data = change_post(dataset)
        index = [q.name for q in dataset.questions.all()].index("topic")
        rows = {"options_value_0": "code", "options_text_0": "Code", "options_value_1": "other"}
        rows.update({"options_text_1": "Other", "options_value_2": "", "options_text_2": ""})
        data.update(typed("questions", index, **{**rows, **overrides}))
        return data, index

    both, index = post(options_text_1="Something else")
    both[f"questions-{index}-settings"] = json.dumps({"options": [{"value": "code"}, {"value": "misc"}]})
    refused = client.post(url, both)
    assert refused.status_code == 200 and "not both at once" in refused.text
    renamed, _ = post(options_text_1="Something else", options_value_2="docs", options_text_2="Docs")
    assert client.post(url, renamed).status_code == 302
    topic.refresh_from_db()
    assert topic.settings["options"] == [
        {"value": "code", "text": "Code", "description": "Anything about code"},
        {"value": "other", "text": "Something else", "description": None},
        {"value": "docs", "text": "Docs", "description": None},
    ]


def test_the_response_list_reads_in_a_fixed_number_of_queries(people):
    dataset = comparison_dataset(people.workspace_a, name="many")
    client = client_for(people.admin_a)
    url = reverse("admin:feedback_response_changelist")
    counts = []
    for start, count in ((0, 2), (2, 10)):
        for record in add_records(dataset, count, start=start):
            for labeler in (people.labeler_a1, people.labeler_a2):
                response_submit(record=record, user=labeler, values=full_answer(), time_spent_seconds=30)
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1], counts


def test_metrics_jobs_are_listed_by_their_dataset_for_its_workspace_only(people, django_capture_on_commit_callbacks):
    mine = comparison_dataset(people.workspace_a, name="mine")
    theirs = comparison_dataset(people.workspace_b, name="theirs")
    with django_capture_on_commit_callbacks(execute=True):
        job = metrics_refresh(dataset=mine, user=people.admin_a)
        their_job = metrics_refresh(dataset=theirs)
    client = client_for(people.admin_a)
    listing = client.get(reverse("admin:feedback_metricsjob_changelist")).text
    assert "Metrics of mine" in listing and "succeeded 100%" in listing and "theirs" not in listing
    page = client.get(reverse("admin:feedback_metricsjob_change", args=[job.pk])).text
    assert "Metrics of mine" in page and "queued" not in page
    assert client.get(reverse("admin:feedback_metricsjob_add")).status_code == 403
    elsewhere = client.get(reverse("admin:feedback_metricsjob_change", args=[their_job.pk]))
    assert elsewhere.status_code == 302 and elsewhere.url == reverse("admin:index")


def test_names_cost_no_query_per_row(people, django_assert_num_queries):
    """The admin's delete confirmation lists every related row by its name: a name never
    loads a relation, and names it when it is loaded."""
    dataset = comparison_dataset(people.workspace_a, name="named")
    record = add_records(dataset, 1)[0]
    response_submit(record=record, user=people.labeler_a1, values=full_answer())
    export_create(dataset=dataset, user=people.admin_a, layout="raw", queue_run=False)
    response, job = Response.objects.get(), ExportJob.objects.get()
    with django_assert_num_queries(0):
        assert str(response) == f"user {people.labeler_a1.pk} on record {record.pk}"
        assert str(job) == f"Export of dataset {dataset.pk} (raw)"
    assert str(Response.objects.select_related("user", "record").get()) == "labeler-a1 on rec-0"
    assert str(ExportJob.objects.select_related("dataset").get()) == "Export of named (raw)"


def test_the_record_list_reads_its_texts_in_a_fixed_number_of_queries(people):
    client = client_for(people.admin_a)
    url = reverse("admin:feedback_record_changelist")
    counts = []
    for n in range(2):
        add_records(comparison_dataset(people.workspace_a, name=f"texts-{n}"), 2 + 20 * n, start=100 * n)
        with CaptureQueriesContext(connection) as queries:
            assert "Prompt number" in client.get(url).text
        counts.append(len(queries))
    assert counts[0] == counts[1], counts
