"""Files on S3-compatible object storage (FEEDLOOP_STORAGE=s3), against moto's S3 server
on a local port: imports are uploaded to the bucket and read back from it, exports are
written there and downloaded from it a buffer at a time, /readyz checks it, and a second
server configured only by the environment serves an export the first one wrote."""

from __future__ import annotations

import io
import json
import os
import tracemalloc
import uuid
from collections.abc import Iterator

import boto3
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import requests
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.test import Client
from rest_framework.test import APIRequestFactory, force_authenticate

from accounts.api_keys import api_key_create
from config.storage import open_stream, s3_backend
from feedback.api.views_exports import export_file
from feedback.models import ExportJob, ImportJob, Record
from feedback.services.exports import export_create, export_run
from feedback.services.records import records_bulk_upsert
from tests.builders import comparison_dataset, record_item
from tests.gunicorn_server import free_port, serving

REGION = "us-east-1"
# moto takes any credentials; boto3 reads these from the environment, as in a deployment.
CREDENTIALS = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing", "AWS_DEFAULT_REGION": REGION}


@pytest.fixture(scope="session")
def s3_endpoint(tmp_path_factory) -> Iterator[str]:
    """moto's S3 server, once for the session, in its own process on a free local port
    (so that this process's memory is only the client side's)."""
    saved = {name: os.environ.get(name) for name in CREDENTIALS}
    os.environ.update(CREDENTIALS)
    port = free_port()
    log = tmp_path_factory.mktemp("moto") / "moto.log"
    try:
        with serving(
            ["moto.server", "--host", "127.0.0.1", "--port", str(port)], port=port, probe="/moto-api/", log=log
        ) as url:
            yield url
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


@pytest.fixture
def bucket(s3_endpoint):
    """A new, empty bucket for each test."""
    s3 = boto3.resource("s3", endpoint_url=s3_endpoint, region_name=REGION)
    return s3.create_bucket(Bucket=f"feedloop-{uuid.uuid4().hex[:12]}")


@pytest.fixture
def on_s3(settings, s3_endpoint, bucket, tmp_path):
    """Default storage is the bucket (setting STORAGES resets Django's cached backends);
    MEDIA_ROOT is an empty directory that must stay empty."""
    settings.MEDIA_ROOT = tmp_path / "local"
    settings.STORAGES = {
        **settings.STORAGES,
        "default": s3_backend(bucket=bucket.name, endpoint_url=s3_endpoint, region=REGION, addressing_style="path"),
    }
    return bucket


def keys(bucket) -> list[str]:
    return sorted(item.key for item in bucket.objects.all())


def upload(client, dataset, content: bytes, name: str):
    return client.post(
        f"/api/v1/datasets/{dataset.pk}/imports",
        {"file": SimpleUploadedFile(name, content), "mapping": json.dumps({"question": "field:prompt"})},
        format="multipart",
    )


def row(n: int) -> dict:
    return {"id": f"q-{n}", "question": f"prompt {n}", "response-1": "a", "response-2": "b", "response-3": "c"}


@pytest.mark.parametrize("name", ["records.jsonl", "records.parquet"])
def test_an_import_is_uploaded_to_the_bucket_and_read_back_from_it(
    people, api_client_for, django_capture_on_commit_callbacks, on_s3, settings, name
):
    dataset = comparison_dataset(people.workspace_a)
    rows = [row(n) for n in range(3)]
    if name.endswith(".jsonl"):
        content = b"".join(json.dumps(one).encode() + b"\n" for one in rows)
    else:  # read by seeking: copied from the bucket to a temporary file first
        buffer = io.BytesIO()
        pq.write_table(pa.Table.from_pylist(rows), buffer)
        content = buffer.getvalue()

    with django_capture_on_commit_callbacks(execute=True):
        started = upload(api_client_for(people.admin_a), dataset, content, name)

    assert started.status_code == 202, started.json()
    job = ImportJob.objects.get(pk=started.json()["id"])
    assert job.status == "succeeded", (job.error, job.errors)
    assert set(Record.objects.values_list("external_id", flat=True)) == {"q-0", "q-1", "q-2"}
    assert keys(on_s3) == [job.file.name] and job.file.name.startswith(f"imports/{dataset.pk}/")
    assert on_s3.Object(job.file.name).get()["Body"].read() == content
    assert not settings.MEDIA_ROOT.exists()  # nothing went to the local directory


def test_imports_read_a_stored_file_line_by_line_without_holding_it(on_s3):
    lines = [json.dumps({"n": n, "text": "t" * 50_000}).encode() + b"\n" for n in range(100)]
    on_s3.put_object(Key="imports/big.jsonl", Body=b"".join(lines))
    assert default_storage.size("imports/big.jsonl") == sum(map(len, lines))  # the client is loaded first

    tracemalloc.start()
    try:
        stream = open_stream("imports/big.jsonl")
        first = stream.readline()
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()

    with stream:
        assert not stream.seekable()  # so Parquet and zips are copied before reading
        assert [first, *stream] == lines
    assert peak < len(b"".join(lines)) / 4


def big_dataset(workspace, records: int, prompt_bytes: int):
    dataset = comparison_dataset(workspace)
    items = [record_item(n) for n in range(records)]
    for n, item in enumerate(items):
        item["fields"]["prompt"] = f"{n:04d}" + "p" * prompt_bytes
    records_bulk_upsert(dataset=dataset, items=items)
    return dataset


def test_an_export_is_written_to_the_bucket_and_downloaded_a_buffer_at_a_time(
    people, api_client_for, django_capture_on_commit_callbacks, on_s3, settings
):
    # About 5.4 MB: many times the buffer (256 KiB) a download reads at a time.
    dataset = big_dataset(people.workspace_a, records=120, prompt_bytes=45_000)
    client = api_client_for(people.admin_a)
    with django_capture_on_commit_callbacks(execute=True):
        started = client.post(f"/api/v1/datasets/{dataset.pk}/exports", {"layout": "raw"}, format="json")
    job = ExportJob.objects.get(pk=started.json()["id"])
    assert job.status == "succeeded", job.error
    assert keys(on_s3) == [job.file.name] and job.file.name.startswith(f"exports/{dataset.pk}/")
    stored = on_s3.Object(job.file.name).get()["Body"].read()

    response = client.get(f"/api/v1/exports/{job.pk}/file")

    assert response.status_code == 200 and response.streaming
    assert int(response["Content-Length"]) == len(stored)
    assert response["Content-Disposition"] == 'attachment; filename="comparison-raw.jsonl"'
    body = b"".join(response.streaming_content)
    assert body == stored
    prompts = [json.loads(line)["fields"]["prompt"][:4] for line in body.decode().splitlines()]
    assert sorted(prompts) == [f"{n:04d}" for n in range(120)]

    # Memory while the view answers and sends its first chunk: a buffer or two, never the
    # whole object (django-storages' own file downloads it all first: 6.5 MB here).
    request = APIRequestFactory().get(f"/api/v1/exports/{job.pk}/file")
    force_authenticate(request, user=people.admin_a)
    tracemalloc.start()
    try:
        response = export_file(request, export_id=str(job.pk))
        chunks = iter(response.streaming_content)
        first = next(chunks)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < len(stored) / 4
    assert first + b"".join(chunks) == stored
    response.close()
    assert not settings.MEDIA_ROOT.exists()


def test_the_shell_export_copies_the_file_from_the_bucket(people, on_s3, tmp_path):
    dataset = big_dataset(people.workspace_a, records=3, prompt_bytes=10)
    target = tmp_path / "records.jsonl"

    call_command("export_dataset", str(dataset.pk), "--layout=raw", f"--output={target}", stdout=io.StringIO())

    job = ExportJob.objects.get()
    assert target.read_bytes() == on_s3.Object(job.file.name).get()["Body"].read()
    assert [json.loads(line)["external_id"] for line in target.read_text().splitlines()] == ["rec-0", "rec-1", "rec-2"]


def readyz() -> tuple[int, dict]:
    answer = Client().get("/readyz")
    return answer.status_code, answer.json()


def test_readyz_writes_to_the_bucket_and_is_503_when_it_cannot(db, on_s3, settings, s3_endpoint):
    status, body = readyz()
    assert (status, body["checks"]["storage"]) == (200, "ok"), body
    assert keys(on_s3) == []  # the probe's file is removed

    missing = s3_backend(bucket="no-such-bucket", endpoint_url=s3_endpoint, region=REGION, addressing_style="path")
    settings.STORAGES = {**settings.STORAGES, "default": missing}
    status, body = readyz()
    assert (status, body["status"], body["checks"]["storage"]) == (503, "not ready", "failed: NoSuchBucket"), body

    closed = f"http://127.0.0.1:{free_port()}"  # nothing listens there
    nobody = s3_backend(bucket=on_s3.name, endpoint_url=closed, region=REGION, addressing_style="path")
    settings.STORAGES = {**settings.STORAGES, "default": nobody}
    status, body = readyz()
    assert (status, body["checks"]["storage"]) == (503, "failed: EndpointConnectionError"), body
    assert body["checks"]["database"] == "ok"


@pytest.fixture
def s3_environment(monkeypatch, s3_endpoint, bucket) -> None:
    """The environment a deployment on object storage sets (read by the gunicorn below)."""
    monkeypatch.setenv("FEEDLOOP_STORAGE", "s3")
    monkeypatch.setenv("FEEDLOOP_S3_BUCKET", bucket.name)
    monkeypatch.setenv("FEEDLOOP_S3_ENDPOINT_URL", s3_endpoint)
    monkeypatch.setenv("FEEDLOOP_S3_REGION", REGION)
    monkeypatch.setenv("FEEDLOOP_S3_ADDRESSING_STYLE", "path")


@pytest.fixture
def second_server(s3_environment, request) -> str:
    """A gunicorn configured by the environment alone, with its own local directory."""
    return request.getfixturevalue("gunicorn_url")


@pytest.mark.django_db(transaction=True)
def test_a_second_server_serves_the_export_a_worker_wrote(people, on_s3, second_server):
    dataset = big_dataset(people.workspace_a, records=3, prompt_bytes=10)
    job = export_create(dataset=dataset, user=people.admin_a, layout="raw", queue_run=False)
    job = export_run(job_id=job.pk)  # this process is the worker; its local directory stays empty
    key = api_key_create(user=people.admin_a, name="downloader")[1]

    ready = requests.get(f"{second_server}/readyz", timeout=30)
    answer = requests.get(
        f"{second_server}/api/v1/exports/{job.pk}/file", headers={"X-Argilla-Api-Key": key}, timeout=30
    )
    outsider = api_key_create(user=people.labeler_b, name="outsider")[1]
    walled = requests.get(
        f"{second_server}/api/v1/exports/{job.pk}/file", headers={"X-Argilla-Api-Key": outsider}, timeout=30
    )

    assert ready.status_code == 200 and ready.json()["checks"]["storage"] == "ok", ready.text
    assert answer.status_code == 200, answer.text
    assert answer.content == on_s3.Object(job.file.name).get()["Body"].read()
    assert [json.loads(line)["external_id"] for line in answer.text.splitlines()] == ["rec-0", "rec-1", "rec-2"]
    assert walled.status_code == 404
