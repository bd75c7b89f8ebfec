"""The Django admin: scoped to the workspaces a staff user administers, and bound to the
same rules as the services."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from feedback.models import Dataset, Question, Review, ReviewReason, Webhook
from feedback.services.responses import response_submit
from tests.builders import add_records, comparison_dataset, full_answer
from workspaces import access


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def inline(prefix: str, rows: list[dict[str, Any]], initial: int = 0) -> dict[str, Any]:
    data = {
        f"{prefix}-TOTAL_FORMS": str(len(rows)),
        f"{prefix}-INITIAL_FORMS": str(initial),
        f"{prefix}-MIN_NUM_FORMS": "0",
        f"{prefix}-MAX_NUM_FORMS": "1000",
    }
    for index, row in enumerate(rows):
        for key, value in row.items():
            data[f"{prefix}-{index}-{key}"] = json.dumps(value) if key == "settings" else value
    return data


def dataset_post(workspace, name: str, *, fields=(), questions=(), **extra) -> dict[str, Any]:
    data = {
        "workspace": str(workspace.pk),
        "name": name,
        "guidelines": "Be kind.",
        "min_submitted": "1",
        "lease_seconds": "900",
        "allow_extra_metadata": "on",
        "shuffle_ranking_options": "on",
        # The gold settings as the form shows them (their defaults).
        "gold_rate": "0",
        "gold_threshold": "0.8",
        "gold_min_answers": "10",
    }
    data.update(inline("fields", list(fields)))
    data.update(inline("questions", list(questions)))
    data.update(inline("metadata_properties", []))
    data.update(inline("vector_settings", []))
    data.update(extra)
    return data


@pytest.fixture
def two_datasets(people):
    return comparison_dataset(people.workspace_a, name="mine"), comparison_dataset(people.workspace_b, name="theirs")


def test_workspace_admin_sees_only_their_workspace(people, two_datasets):
    mine, theirs = two_datasets
    add_records(mine, 1)
    add_records(theirs, 1, start=100)
    client = client_for(people.admin_a)
    page = client.get(reverse("admin:feedback_dataset_changelist"))
    assert page.status_code == 200
    assert "mine" in page.text and "theirs" not in page.text
    assert client.get(reverse("admin:feedback_dataset_change", args=[mine.pk])).status_code == 200
    # Another workspace's objects are "not found": the admin redirects to its index.
    for url in (
        reverse("admin:feedback_dataset_change", args=[theirs.pk]),
        reverse("admin:feedback_dataset_delete", args=[theirs.pk]),
        reverse("admin:feedback_record_change", args=[theirs.records.get().pk]),
        reverse("admin:workspaces_workspace_change", args=[people.workspace_b.pk]),
    ):
        response = client.get(url)
        assert response.status_code == 302 and response.url == reverse("admin:index"), url
    records = client.get(reverse("admin:feedback_record_changelist"))
    assert "rec-0" in records.text and "rec-100" not in records.text
    workspaces = client.get(reverse("admin:workspaces_workspace_changelist"))
    assert "workspace-a" in workspaces.text and "workspace-b" not in workspaces.text
    # The dataset filter lists only their datasets.
    assert "theirs" not in records.text
    filtered = client.get(reverse("admin:feedback_record_changelist") + f"?dataset={theirs.pk}")
    assert "rec-100" not in filtered.text


def test_workspace_admin_cannot_post_into_another_workspace(people):
    client = client_for(people.admin_a)
    response = client.post(reverse("admin:feedback_dataset_add"), dataset_post(people.workspace_b, "sneaky"))
    assert response.status_code == 200 and "Select a valid choice" in response.text
    assert not Dataset.objects.filter(name="sneaky").exists()


def test_owner_sees_everything_and_labelers_nothing(people, two_datasets):
    page = client_for(people.owner).get(reverse("admin:feedback_dataset_changelist"))
    assert "mine" in page.text and "theirs" in page.text
    for user in (people.labeler_a1, people.outsider):
        response = client_for(user).get(reverse("admin:feedback_dataset_changelist"))
        assert response.status_code == 302 and "/admin/login/" in response.url


def test_staff_without_an_admin_membership_gets_nothing(people, two_datasets):
    people.labeler_a1.is_staff = True
    people.labeler_a1.save()
    client = client_for(people.labeler_a1)
    assert client.get(reverse("admin:feedback_dataset_changelist")).status_code == 403
    assert client.get(reverse("admin:feedback_dataset_change", args=[two_datasets[0].pk])).status_code == 403


def test_create_a_dataset_with_fields_and_questions_through_the_admin(people):
    client = client_for(people.admin_a)
    data = dataset_post(
        people.workspace_a,
        "fresh",
        fields=[{"name": "prompt", "title": "Prompt", "type": "text", "required": "on", "settings": {}, "position": 0}],
        questions=[
            {
                "name": "quality",
                "title": "Quality",
                "type": "rating",
                "required": "on",
                "settings": {"options": [{"value": 1}, {"value": 2}, {"value": 3}]},
                "position": 0,
            }
        ],
    )
    response = client.post(reverse("admin:feedback_dataset_add"), data)
    assert response.status_code == 302, response.text[:3000]
    dataset = Dataset.objects.get(name="fresh")
    assert dataset.workspace == people.workspace_a and dataset.status == "draft"
    assert dataset.fields.get().settings == {"use_markdown": False}
    assert dataset.questions.get().settings == {"options": [{"value": 1}, {"value": 2}, {"value": 3}]}
    publish = client.post(
        reverse("admin:feedback_dataset_changelist"), {"action": "publish", "_selected_action": [str(dataset.pk)]}
    )
    assert publish.status_code == 302
    dataset.refresh_from_db()
    assert dataset.status == "ready"


def test_invalid_question_settings_are_form_errors_and_store_nothing(people):
    client = client_for(people.admin_a)
    data = dataset_post(
        people.workspace_a,
        "broken",
        questions=[
            {
                "name": "quality",
                "title": "Quality",
                "type": "rating",
                "required": "on",
                "settings": {"options": [{"value": 1}, {"value": 42}]},
                "position": 0,
            }
        ],
    )
    response = client.post(reverse("admin:feedback_dataset_add"), data)
    assert response.status_code == 200
    assert "integer from 0 to 10" in response.text
    assert not Dataset.objects.filter(name="broken").exists()


def test_publish_action_reports_what_is_missing(people):
    client = client_for(people.admin_a)
    client.post(reverse("admin:feedback_dataset_add"), dataset_post(people.workspace_a, "empty"))
    dataset = Dataset.objects.get(name="empty")
    response = client.post(
        reverse("admin:feedback_dataset_changelist"),
        {"action": "publish", "_selected_action": [str(dataset.pk)]},
        follow=True,
    )
    assert "was not published" in response.text and "at least one field" in response.text
    dataset.refresh_from_db()
    assert dataset.status == "draft"


def change_post(dataset: Dataset, **question_overrides: Any) -> dict[str, Any]:
    questions = []
    for question in dataset.questions.all():
        row = {
            "id": str(question.pk),
            "dataset": str(dataset.pk),
            "name": question.name,
            "title": question.title,
            "description": question.description,
            "type": question.type,
            "settings": question.settings,
            "position": question.position,
        }
        if question.required:
            row["required"] = "on"
        row.update(question_overrides.get(question.name, {}))
        questions.append(row)
    fields = [
        {
            "id": str(field.pk),
            "dataset": str(dataset.pk),
            "name": field.name,
            "title": field.title,
            "type": field.type,
            "settings": field.settings,
            "position": field.position,
            **({"required": "on"} if field.required else {}),
        }
        for field in dataset.fields.all()
    ]
    data = dataset_post(dataset.workspace, dataset.name)
    data.update(inline("fields", fields, initial=len(fields)))
    data.update(inline("questions", questions, initial=len(questions)))
    data.update(inline("metadata_properties", []))
    data.update(inline("vector_settings", []))
    return data


def test_admin_refuses_to_remove_an_option_in_use(people):
    dataset = comparison_dataset(people.workspace_a, name="used")
    record = add_records(dataset, 1)[0]
    response_submit(record=record, user=people.labeler_a1, values=full_answer(topic={"value": "code"}))
    client = client_for(people.admin_a)
    data = change_post(dataset, topic={"settings": {"options": [{"value": "other"}, {"value": "new"}]}})
    response = client.post(reverse("admin:feedback_dataset_change", args=[dataset.pk]), data)
    assert response.status_code == 200
    assert "are used by answers and cannot be removed" in response.text
    topic = Question.objects.get(dataset=dataset, name="topic")
    assert [o["value"] for o in topic.settings["options"]] == ["code", "other"]
    # Adding an option is fine; a published question cannot be deleted or retyped from the form.
    data = change_post(
        dataset,
        topic={
            "settings": {"options": [{"value": "code"}, {"value": "other"}, {"value": "new"}]},
            "type": "text",
            "DELETE": "on",
        },
    )
    response = client.post(reverse("admin:feedback_dataset_change", args=[dataset.pk]), data)
    assert response.status_code == 302, response.text[:2000]
    topic.refresh_from_db()
    assert topic.type == "label_selection"
    assert [o["value"] for o in topic.settings["options"]] == ["code", "other", "new"]


def test_admin_grants_a_restricted_dataset_to_named_annotators(people):
    dataset = comparison_dataset(people.workspace_a, name="secret", annotators_restricted=True)
    data = change_post(dataset)
    data["annotators_restricted"] = "on"
    data["granted_annotators"] = [str(people.labeler_a2.pk)]
    response = client_for(people.admin_a).post(reverse("admin:feedback_dataset_change", args=[dataset.pk]), data)
    assert response.status_code == 302, response.text[:2000]
    assert access.can_annotate_dataset(people.labeler_a2, dataset)
    assert not access.can_annotate_dataset(people.labeler_a1, dataset)


def test_record_page_shows_suggestions_and_responses(people):
    dataset = comparison_dataset(people.workspace_a, name="shown")
    record = add_records(dataset, 1)[0]
    response_submit(record=record, user=people.labeler_a1, values=full_answer(comment={"value": "nice and short"}))
    page = client_for(people.admin_a).get(reverse("admin:feedback_record_change", args=[record.pk]))
    assert page.status_code == 200
    assert "nice and short" in page.text and "labeler-a1" in page.text and "Prompt number 0" in page.text
    search = client_for(people.admin_a).get(reverse("admin:feedback_record_changelist") + "?q=Lovelace")
    assert "rec-0" in search.text


def test_admin_starts_an_export_and_sees_only_its_workspace_jobs(
    people, settings, tmp_path, django_capture_on_commit_callbacks
):
    settings.MEDIA_ROOT = tmp_path
    mine = comparison_dataset(people.workspace_a, name="mine")
    theirs = comparison_dataset(people.workspace_b, name="theirs")
    add_records(mine, 2)
    from feedback.models import ExportJob
    from feedback.services.exports import export_create

    with django_capture_on_commit_callbacks(execute=True):
        export_create(dataset=theirs, user=people.owner, layout="raw")
    client = client_for(people.admin_a)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("admin:feedback_dataset_changelist"),
            {"action": "export_raw", "_selected_action": [str(mine.pk)]},
            follow=True,
        )
    assert "raw export" in response.text
    job = ExportJob.objects.get(dataset=mine)
    assert job.status == "succeeded" and job.counts["rows"] == 2
    listing = client.get(reverse("admin:feedback_exportjob_changelist"))
    assert "mine" in listing.text and "theirs" not in listing.text
    page = client.get(reverse("admin:feedback_exportjob_change", args=[job.pk]))
    assert f"/api/v1/exports/{job.pk}/file" in page.text
    other = ExportJob.objects.get(dataset=theirs)
    assert client.get(reverse("admin:feedback_exportjob_change", args=[other.pk])).status_code == 302
    assert client.get(f"/api/v1/exports/{job.pk}/file").status_code == 200  # the session downloads it


def test_admin_uploads_a_file_sees_its_row_errors_and_only_its_workspace_jobs(
    people, settings, tmp_path, django_capture_on_commit_callbacks
):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from feedback.models import ImportJob, Record

    settings.MEDIA_ROOT = tmp_path
    mine = comparison_dataset(people.workspace_a, name="mine")
    theirs = comparison_dataset(people.workspace_b, name="theirs")
    client = client_for(people.admin_a)
    add_url = reverse("admin:feedback_importjob_add")
    csv_file = b"external_id,question,response-1,response-2,response-3,length\ne1,Hi?,a,b,c,3\ne2,Yo?,a,b,c,lots\n"

    def upload(dataset, **form):
        with django_capture_on_commit_callbacks(execute=True):
            return client.post(
                add_url,
                {"dataset": str(dataset.pk), "file": SimpleUploadedFile("rows.csv", csv_file), **form},
                follow=True,
            )

    form_page = client.get(add_url)
    assert "mine" in form_page.text and "theirs" not in form_page.text  # only datasets they manage
    refused = upload(theirs, mapping='{"question": "field:prompt"}')
    assert "Select a valid choice" in refused.text and not ImportJob.objects.exists()
    bad_mapping = upload(mine, mapping='{"question": "field:nope"}')
    assert "is not a target of this dataset" in bad_mapping.text and not ImportJob.objects.exists()

    upload(mine, mapping='{"question": "field:prompt"}')
    job = ImportJob.objects.get()
    assert job.status == "failed" and job.created_by == people.admin_a
    page = client.get(reverse("admin:feedback_importjob_change", args=[job.pk]))
    assert "&#x27;lots&#x27; is not an integer" in page.text and "<td>3</td>" in page.text

    upload(mine, mapping='{"question": "field:prompt"}', skip_bad_rows="on")
    assert Record.objects.filter(dataset=mine).count() == 1
    listing = client.get(reverse("admin:feedback_importjob_changelist"))
    assert "rows.csv" in listing.text and ImportJob.objects.filter(dataset=mine).count() == 2

    with django_capture_on_commit_callbacks(execute=True):
        other = import_into(theirs, people.owner)
    assert "theirs" not in client.get(reverse("admin:feedback_importjob_changelist")).text
    assert client.get(reverse("admin:feedback_importjob_change", args=[other.pk])).status_code == 302


def import_into(dataset, user):
    import io

    from feedback.services.imports import import_create

    row = b'{"external_id": "t1", "prompt": "p", "response-1": "a", "response-2": "b", "response-3": "c"}\n'
    return import_create(dataset=dataset, user=user, file=io.BytesIO(row), filename="theirs.jsonl")


def test_admin_starts_an_export_with_layout_format_and_options(
    people, settings, tmp_path, django_capture_on_commit_callbacks
):
    from feedback.models import ExportJob

    settings.MEDIA_ROOT = tmp_path
    mine = comparison_dataset(people.workspace_a, name="mine")
    theirs = comparison_dataset(people.workspace_b, name="theirs")
    add_records(mine, 3)
    client = client_for(people.admin_a)
    add_url = reverse("admin:feedback_exportjob_add")

    def start(dataset, **form):
        with django_capture_on_commit_callbacks(execute=True):
            return client.post(add_url, {"dataset": str(dataset.pk), **form}, follow=True)

    assert "theirs" not in client.get(add_url).text
    assert "Select a valid choice" in start(theirs, layout="raw", format="jsonl", options="{}").text
    refused = start(mine, layout="kto", format="parquet", options="{}")
    assert "kto needs a rating threshold" in refused.text and not ExportJob.objects.exists()

    start(mine, layout="raw", format="parquet", options='{"statuses": ["submitted", "draft"]}')

    job = ExportJob.objects.get()
    assert (job.layout, job.format, job.status, job.created_by) == ("raw", "parquet", "succeeded", people.admin_a)
    assert job.options["statuses"] == ["submitted", "draft"] and job.counts["rows"] == 3
    page = client.get(reverse("admin:feedback_exportjob_change", args=[job.pk]))
    assert f"/api/v1/exports/{job.pk}/file" in page.text and "succeeded 100%" in page.text


def test_owners_manage_webhooks_in_the_admin_and_see_their_deliveries(
    people, receiver, django_capture_on_commit_callbacks
):
    # A workspace admin gets no webhook pages; a labeler gets no admin at all.
    assert client_for(people.admin_a).get(reverse("admin:feedback_webhook_changelist")).status_code == 403
    assert client_for(people.labeler_a1).get(reverse("admin:feedback_webhook_changelist")).status_code == 302
    client = client_for(people.owner)
    refused = client.post(
        reverse("admin:feedback_webhook_add"), {"url": "ftp://example.com/in", "events": ["record.created"]}
    )
    assert refused.status_code == 200 and not Webhook.objects.exists()
    added = client.post(
        reverse("admin:feedback_webhook_add"),
        {"url": receiver.url, "events": ["record.created", "dataset.deleted"], "enabled": "on", "description": "CI"},
    )
    assert added.status_code == 302, added.text
    webhook = Webhook.objects.get()
    assert webhook.events == ["record.created", "dataset.deleted"] and webhook.secret.startswith("whsec_")
    paused = client.post(reverse("admin:feedback_webhook_add"), {"url": receiver.url, "events": ["dataset.deleted"]})
    assert paused.status_code == 302 and Webhook.objects.get(events=["dataset.deleted"]).enabled is False
    with django_capture_on_commit_callbacks(execute=True):
        add_records(comparison_dataset(people.workspace_a), 1)
    receiver.answers = [404]
    pinged = client.post(
        reverse("admin:feedback_webhook_changelist"),
        {"action": "ping", "_selected_action": [str(webhook.pk)]},
        follow=True,
    )
    assert "did not take the ping: the endpoint answered 404" in pinged.text
    page = client.get(reverse("admin:feedback_webhook_change", args=[webhook.pk])).text
    assert "record.created" in page and "delivered" in page and "the endpoint answered 404" in page


def test_the_admin_refuses_a_webhook_to_a_private_address(people, settings):
    settings.FEEDLOOP_OUTBOUND_ALLOW_PRIVATE = False
    refused = client_for(people.owner).post(
        reverse("admin:feedback_webhook_add"),
        {"url": "http://169.254.169.254/latest/meta-data/", "events": ["record.created"], "enabled": "on"},
    )
    assert refused.status_code == 200 and not Webhook.objects.exists()
    assert "resolves to a private address (169.254.169.254)" in refused.text


def test_admin_sets_the_leaderboard_models_through_the_service_rules(people):
    dataset = comparison_dataset(people.workspace_a, name="board")
    url = reverse("admin:feedback_dataset_change", args=[dataset.pk])
    client = client_for(people.admin_a)
    data = change_post(dataset)
    data["leaderboard_models"] = json.dumps({"prompt-x": "model"})
    refused = client.post(url, data)
    assert refused.status_code == 200 and "no text field named" in refused.text
    data["leaderboard_models"] = json.dumps({"response-1": "model:response-1"})
    assert client.post(url, data).status_code == 302
    dataset.refresh_from_db()
    assert dataset.leaderboard_models == {"response-1": "model:response-1"}


def test_admin_names_reviewers_and_sends_records_to_review(people):
    dataset = comparison_dataset(people.workspace_a, name="reviewed")
    records = add_records(dataset, 2)
    client = client_for(people.admin_a)
    data = change_post(dataset)
    data["reviewers"] = [str(people.labeler_a2.pk)]
    response = client.post(reverse("admin:feedback_dataset_change", args=[dataset.pk]), data)
    assert response.status_code == 302, response.text[:2000]
    assert access.can_review(people.labeler_a2, dataset) and not access.can_review(people.labeler_a1, dataset)
    # The grant is an object permission: the annotator's role is unchanged.
    assert not access.can_manage_dataset(people.labeler_a2, dataset)
    changelist = reverse("admin:feedback_record_changelist")
    action = {"action": "send_to_review", "_selected_action": [str(records[0].pk)]}
    response = client.post(changelist, action, follow=True)
    assert "1 record(s) are in the review queue." in response.text
    review = Review.objects.get()
    assert (review.record, review.reason, review.sent_by) == (records[0], ReviewReason.SENT, people.admin_a)
    # Sending again keeps the one pending review.
    client.post(changelist, action)
    assert Review.objects.count() == 1
    # Unticking the reviewer takes the grant back.
    data["reviewers"] = []
    client.post(reverse("admin:feedback_dataset_change", args=[dataset.pk]), data)
    assert not access.can_review(people.labeler_a2, dataset)
