"""Imports through the API: a multipart upload starts a job; the job reports every row error."""

from __future__ import annotations

import json

import pytest
import requests
from django.core.files.uploadedfile import SimpleUploadedFile

from accounts.api_keys import api_key_create
from feedback.models import ImportJob, Record
from tests.builders import comparison_dataset


@pytest.fixture(autouse=True)
def storage(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def lines(*rows: dict) -> bytes:
    return b"".join(json.dumps(row).encode() + b"\n" for row in rows)


def good_row(n: int) -> dict:
    return {"id": f"q-{n}", "question": f"prompt {n}", "response-1": "a", "response-2": "b", "response-3": "c"}


MAPPING = json.dumps({"question": "field:prompt"})


def upload(client, dataset, content: bytes, name: str = "records.jsonl", **form):
    return client.post(
        f"/api/v1/datasets/{dataset.pk}/imports",
        {"file": SimpleUploadedFile(name, content), **form},
        format="multipart",
    )


def test_an_admin_imports_a_file_and_follows_the_job(people, api_client_for, django_capture_on_commit_callbacks):
    dataset = comparison_dataset(people.workspace_a)
    client = api_client_for(people.admin_a)

    with django_capture_on_commit_callbacks(execute=True):
        started = upload(client, dataset, lines(*(good_row(n) for n in range(3))), mapping=MAPPING)

    assert started.status_code == 202, started.json()
    assert started.json()["status"] == "queued" and started.json()["source_name"] == "records.jsonl"
    job = client.get(f"/api/v1/imports/{started.json()['id']}").json()
    assert job["status"] == "succeeded", job
    assert job["counts"]["stored"] == 3 and job["errors"] == [] and job["error_count"] == 0
    assert job["mapping"] == {"question": "field:prompt"} and job["progress"] == 1.0
    assert set(Record.objects.values_list("external_id", flat=True)) == {"q-0", "q-1", "q-2"}


def test_row_errors_come_back_with_row_column_and_reason(people, api_client_for, django_capture_on_commit_callbacks):
    dataset = comparison_dataset(people.workspace_a)
    client = api_client_for(people.admin_a)
    bad = {**good_row(2), "response-2": 7}

    with django_capture_on_commit_callbacks(execute=True):
        started = upload(client, dataset, lines(good_row(1), bad, good_row(3)), mapping=MAPPING)

    job = client.get(f"/api/v1/imports/{started.json()['id']}").json()
    assert job["status"] == "failed" and job["error"] == "bad rows: nothing was stored"
    assert job["errors"] == [{"row": 2, "column": "response-2", "reason": "must be text, got int"}]
    assert not Record.objects.exists()

    with django_capture_on_commit_callbacks(execute=True):
        skipping = upload(client, dataset, lines(good_row(1), bad, good_row(3)), mapping=MAPPING, skip_bad_rows="true")
    job = client.get(f"/api/v1/imports/{skipping.json()['id']}").json()
    assert job["status"] == "succeeded" and job["counts"]["stored"] == 2 and len(job["errors"]) == 1


def test_bad_requests_are_refused_with_what_is_wrong(people, api_client_for, settings):
    dataset = comparison_dataset(people.workspace_a)
    client = api_client_for(people.admin_a)

    as_json = client.post(f"/api/v1/datasets/{dataset.pk}/imports", {"file": "x"}, format="json")
    no_file = client.post(f"/api/v1/datasets/{dataset.pk}/imports", {"format": "csv"}, format="multipart")
    bad_mapping = upload(client, dataset, lines(good_row(1)), mapping="{not json")
    unknown_target = upload(client, dataset, lines(good_row(1)), mapping=json.dumps({"question": "field:nope"}))
    bad_format = upload(client, dataset, b"a,b\n", name="sheet.xlsx")

    assert as_json.status_code == 415
    assert no_file.status_code == 422 and no_file.json()["errors"][0]["loc"] == ["file"]
    assert bad_mapping.status_code == 422 and bad_mapping.json()["errors"][0]["loc"] == ["mapping"]
    assert unknown_target.status_code == 422
    assert unknown_target.json()["errors"][0]["loc"] == ["mapping", "question"]
    assert bad_format.status_code == 422 and bad_format.json()["errors"][0]["loc"] == ["format"]

    settings.FEEDLOOP_IMPORT_MAX_BYTES = 1024
    too_big = upload(client, dataset, b"x" * 2048)
    declared_too_big = upload(client, dataset, b"x" * (1024 * 1024 + 4096))
    assert too_big.status_code == declared_too_big.status_code == 413
    assert "1,024" in too_big.json()["detail"]
    assert not ImportJob.objects.exists()


def test_only_admins_of_the_workspace_import_and_see_imports(
    people, api_client_for, django_capture_on_commit_callbacks
):
    dataset = comparison_dataset(people.workspace_a)
    with django_capture_on_commit_callbacks(execute=True):
        started = upload(api_client_for(people.admin_a), dataset, lines(good_row(1)), mapping=MAPPING)
    job_url = f"/api/v1/imports/{started.json()['id']}"

    annotator = api_client_for(people.labeler_a1)
    other_workspace = api_client_for(people.labeler_b)
    read_only = api_client_for(people.admin_a, read_only=True)

    assert upload(annotator, dataset, lines(good_row(2)), mapping=MAPPING).status_code == 403
    assert annotator.get(job_url).status_code == 404
    assert upload(other_workspace, dataset, lines(good_row(2)), mapping=MAPPING).status_code == 404
    assert other_workspace.get(job_url).status_code == 404
    assert upload(read_only, dataset, lines(good_row(2)), mapping=MAPPING).status_code == 403
    assert ImportJob.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_an_upload_over_real_http(people, live_server):
    dataset = comparison_dataset(people.workspace_a)
    key = api_key_create(user=people.admin_a, name="uploader")[1]
    csv_file = "external_id,prompt,response-1,response-2,response-3,quality\nc1,Hello?,a,b,c,4\n"

    started = requests.post(
        f"{live_server.url}/api/v1/datasets/{dataset.pk}/imports",
        headers={"X-Argilla-Api-Key": key},
        files={"file": ("records.csv", csv_file.encode(), "text/csv")},
        data={"skip_bad_rows": "false"},
        timeout=30,
    )

    assert started.status_code == 202, started.text
    job = requests.get(
        f"{live_server.url}/api/v1/imports/{started.json()['id']}", headers={"X-Argilla-Api-Key": key}, timeout=30
    ).json()
    assert job["status"] == "succeeded", job  # tasks run eagerly here; tests/workers run them on a worker
    record = Record.objects.get(external_id="c1")
    assert record.fields["prompt"] == "Hello?" and record.suggestions.get().value == 4
