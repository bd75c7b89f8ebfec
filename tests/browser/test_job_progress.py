"""Import and export jobs show live progress on the dataset page and in the admin."""

from __future__ import annotations

import io
import json

import pytest
from playwright.sync_api import Page, expect

from feedback.models import ImportJob, JobStatus
from feedback.services.imports import import_create
from tests.browser.conftest import log_in
from tests.builders import comparison_dataset
from tests.factories import PASSWORD

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.browser]


def a_running_import(people) -> tuple:
    dataset = comparison_dataset(people.workspace_a)
    row = {"prompt": "p", "response-1": "a", "response-2": "b", "response-3": "c"}
    job = import_create(
        dataset=dataset,
        user=people.admin_a,
        file=io.BytesIO(json.dumps(row).encode() + b"\n"),
        filename="prompts.jsonl",
        run_in_background=False,
    )
    ImportJob.objects.filter(pk=job.pk).update(status=JobStatus.RUNNING, progress=0.3)
    return dataset, job


def test_the_dataset_page_follows_a_running_import_until_it_finishes(
    page: Page, live_server, people, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    dataset, job = a_running_import(people)
    log_in(page, live_server.url, people.admin_a.username, PASSWORD)

    page.goto(f"{live_server.url}/datasets/{dataset.pk}/records")
    tracker = page.locator(f'[data-job-url="/api/v1/imports/{job.pk}"]')
    expect(tracker).to_contain_text("running 30%")

    ImportJob.objects.filter(pk=job.pk).update(progress=0.75)
    expect(tracker).to_contain_text("running 75%")
    ImportJob.objects.filter(pk=job.pk).update(status=JobStatus.SUCCEEDED, progress=1.0)
    expect(tracker).to_contain_text("succeeded 100%")
    expect(tracker).to_have_attribute("data-active", "false")
    assert tracker.locator("progress").evaluate("bar => bar.value") == 1


def test_annotators_see_no_jobs_and_the_admin_dataset_page_lists_them(
    page: Page, live_server, people, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    dataset, job = a_running_import(people)

    log_in(page, live_server.url, people.labeler_a1.username, PASSWORD)
    page.goto(f"{live_server.url}/datasets/{dataset.pk}/records")
    expect(page.get_by_role("heading", name="Imports and exports")).to_have_count(0)

    page.context.clear_cookies()
    log_in(page, live_server.url, people.admin_a.username, PASSWORD)
    page.goto(f"{live_server.url}/admin/feedback/dataset/{dataset.pk}/change/")
    tracker = page.locator(f'[data-job-url="/api/v1/imports/{job.pk}"]')
    expect(tracker).to_contain_text("running 30%")
    ImportJob.objects.filter(pk=job.pk).update(status=JobStatus.FAILED)
    expect(tracker).to_contain_text("failed 30%")
