"""The quality dashboard in Chromium, as the demo's workspace admin sees it with the
demo's team at work: charts are drawn, their numbers stand in tables, and a refresh
shows its progress, then the fresh time (#12)."""

from __future__ import annotations

import re
from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone
from playwright.sync_api import Page, expect

from feedback.models import Dataset, JobStatus, MetricsJob, MetricsSnapshot
from feedback.services.metrics import metrics_refresh, metrics_run
from tests.browser.conftest import log_in

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.browser]

PASSWORD = "dashboard-password-1"

# How a snapshot computed moments ago reads (humanize's naturaltime).
JUST_NOW = re.compile(r"Computed (now|a second ago|\d+\xa0seconds ago)")


@pytest.fixture
def evaluation() -> Dataset:
    call_command("seed_demo", "--password", PASSWORD, stdout=StringIO())
    return Dataset.objects.get(name="internal-evaluation")


def test_a_manager_reads_the_dashboard_and_follows_a_refresh(page: Page, live_server, evaluation):
    log_in(page, live_server.url, "lead", PASSWORD)
    page.get_by_role("link", name="demo").click()  # the home page's link to the workspace overview
    row = page.get_by_role("row").filter(has=page.get_by_role("rowheader", name="internal-evaluation"))
    expect(row).to_contain_text("12 of 16")
    row.get_by_role("link", name="Dashboard").click()

    expect(page.get_by_role("heading", name="internal-evaluation: quality dashboard")).to_be_visible()
    # Charts are drawn (SVG images with a size and a name), each followed by the table of its numbers.
    charts = page.locator("figure.chart").get_by_role("img")
    # progress, throughput, seconds, agreement, two distributions, the models' mean ratings
    expect(charts).to_have_count(7)
    assert charts.first.bounding_box()["width"] > 300
    assert charts.first.evaluate("image => image.complete && image.naturalWidth") > 300  # the SVG decoded
    expect(charts.first).to_have_accessible_name(re.compile(r"^Chart of responses submitted"))
    per_day = page.get_by_role("table", name="Per day (UTC)", exact=True)
    expect(per_day.get_by_role("row").nth(6)).to_be_attached()  # the header and the team's days
    assert per_day.get_by_role("row").count() <= 9
    labelers = page.get_by_role("table", name=re.compile(r"^Responses, time, paste rate and gold accuracy per labeler"))
    expect(labelers.get_by_role("row").filter(has_text="dev")).to_contain_text("not measured")
    expect(page.get_by_text("the dataset completes in about")).to_be_visible()
    disputed = page.get_by_role("table", name="Records with the most disagreement on quality")
    expect(disputed.get_by_role("link").first).to_have_attribute(
        "href", re.compile(rf"^/datasets/{evaluation.pk}/records/[0-9a-f-]{{36}}$")
    )
    # A stale copy: then a refresh is running (as a worker would report it) and ends.
    MetricsSnapshot.objects.filter(dataset=evaluation).update(computed_at=timezone.now() - timedelta(hours=2))
    job = metrics_refresh(dataset=evaluation, queue_run=False)
    MetricsJob.objects.filter(pk=job.pk).update(status=JobStatus.RUNNING, progress=0.4)
    page.reload()
    expect(page.get_by_text("Computed 2\xa0hours ago")).to_be_visible()
    tracker = page.locator(f'[data-job-url="/api/v1/metrics-jobs/{job.pk}"]')
    expect(tracker).to_contain_text("running 40%")
    expect(page.get_by_role("button", name="Refresh")).to_have_count(0)

    metrics_run(job_id=job.pk)

    expect(page.get_by_text(JUST_NOW)).to_be_visible()  # the page reloaded itself
    expect(tracker).to_have_count(0)
    # The Refresh button (no broker here: the job runs in the request) gives a fresh copy.
    MetricsSnapshot.objects.filter(dataset=evaluation).update(computed_at=timezone.now() - timedelta(hours=5))
    page.reload()
    expect(page.get_by_text("Computed 5\xa0hours ago")).to_be_visible()
    page.get_by_role("button", name="Refresh").click()
    expect(page.get_by_text(JUST_NOW)).to_be_visible()
    assert MetricsJob.objects.filter(dataset=evaluation, status=JobStatus.SUCCEEDED).count() == 2
