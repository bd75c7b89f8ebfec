"""Every labeler page, and the review and dashboard pages as the workspace admin sees them, at desktop
and phone width: it loads, fits the width (no sideways scrolling), and with
FEEDLOOP_SCREENSHOTS_DIR set (`make screenshots`) it is saved as a PNG for people to
look at."""

from __future__ import annotations

import os
from io import BytesIO, StringIO
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from playwright.sync_api import Browser, expect

from feedback.models import Dataset, Record
from tests.browser.conftest import log_in
from tests.browser.labeler_pages import VIEWPORTS, pages, review_pages
from tests.browser.review_data import disputed_comparison
from workspaces.models import AuditEntry

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.browser]

PASSWORD = "screenshot-password-1"


@pytest.mark.parametrize("viewport", list(VIEWPORTS))
def test_every_labeler_page_fits_and_can_be_saved(browser: Browser, live_server, viewport):
    call_command("seed_demo", "--password", PASSWORD, stdout=StringIO())
    target = os.environ.get("FEEDLOOP_SCREENSHOTS_DIR")
    folder = Path(target) if target else None
    if folder:
        folder.mkdir(parents=True, exist_ok=True)
    review = disputed_comparison()
    walked = set()
    for username, shown in (("ana", pages(live_server.url)), ("lead", review_pages(review))):
        context = browser.new_context(viewport=VIEWPORTS[viewport])
        page = context.new_page()
        try:
            for name, path in shown:
                if name in ("home", "review-queue"):
                    log_in(page, live_server.url, username, PASSWORD)
                response = page.goto(f"{live_server.url}{path}")
                assert response is not None and response.status == 200, (name, response and response.status)
                walked.add(name)
                if name == "record-pairwise-preference":  # the two responses and the three choices
                    expect(page.locator(".pairwise label")).to_have_count(3)
                overflow = page.evaluate("document.scrollingElement.scrollWidth - window.innerWidth")
                assert overflow <= 1, f"{name} scrolls sideways by {overflow}px at {viewport} width"
                if folder:
                    page.screenshot(path=str(folder / f"{name}-{viewport}.png"), full_page=True)
        finally:
            context.close()
    assert {"record-pairwise-preference", "dashboard-pairwise-preference", "record-response-comparison"} <= walked


def admin_jobs() -> None:
    """The demo's jobs as a team leaves them: an export done, an import that failed on
    a bad row, an export still queued (the demo has no worker), a dashboard computed."""
    from feedback.services.exports import export_create
    from feedback.services.imports import import_create
    from feedback.services.metrics import metrics_refresh

    lead = get_user_model().objects.get(username="lead")
    comparison = Dataset.objects.get(name="response-comparison")
    evaluation = Dataset.objects.get(name="internal-evaluation")
    export_create(dataset=comparison, user=lead, layout="preference")
    export_create(dataset=evaluation, user=lead, layout="raw", queue_run=False)
    rows = b'{"prompt": "Is this fine?", "response-1": "a", "response-2": "b", "response-3": "c"}\n{"prompt": 4}\n'
    import_create(dataset=comparison, user=lead, file=BytesIO(rows), filename="new-prompts.jsonl")
    metrics_refresh(dataset=evaluation, user=lead)


def admin_pages() -> list[tuple[str, str]]:
    comparison = Dataset.objects.get(name="response-comparison")
    evaluation = Dataset.objects.get(name="internal-evaluation")
    record = Record.objects.filter(dataset=comparison).order_by("inserted_at", "id").first()
    created = AuditEntry.objects.get(verb="dataset created", object_id=str(comparison.pk))  # guidelines and all
    return [
        ("admin-index", "/admin/"),
        ("admin-datasets", "/admin/feedback/dataset/"),
        ("admin-dataset", f"/admin/feedback/dataset/{comparison.pk}/change/"),
        ("admin-dataset-evaluation", f"/admin/feedback/dataset/{evaluation.pk}/change/"),
        ("admin-dataset-add", "/admin/feedback/dataset/add/"),
        ("admin-records", "/admin/feedback/record/"),
        ("admin-record", f"/admin/feedback/record/{record.pk}/change/"),
        ("admin-responses", "/admin/feedback/response/"),
        ("admin-export-jobs", "/admin/feedback/exportjob/"),
        ("admin-import-jobs", "/admin/feedback/importjob/"),
        ("admin-metrics-jobs", "/admin/feedback/metricsjob/"),
        ("admin-audit-log", "/admin/workspaces/auditentry/"),
        ("admin-audit-entry", f"/admin/workspaces/auditentry/{created.pk}/change/"),
    ]


@pytest.mark.parametrize("viewport", list(VIEWPORTS))
def test_the_main_admin_pages_fit_and_can_be_saved(browser: Browser, live_server, viewport, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    call_command("seed_demo", "--password", PASSWORD, stdout=StringIO())
    admin_jobs()
    target = os.environ.get("FEEDLOOP_SCREENSHOTS_DIR")
    folder = Path(target) if target else None
    if folder:
        folder.mkdir(parents=True, exist_ok=True)
    context = browser.new_context(viewport=VIEWPORTS[viewport])
    page = context.new_page()
    try:
        log_in(page, live_server.url, "lead", PASSWORD)
        for name, path in admin_pages():
            response = page.goto(f"{live_server.url}{path}")
            assert response is not None and response.status == 200, (name, response and response.status)
            if folder:
                page.screenshot(path=str(folder / f"{name}-{viewport}.png"), full_page=True)
            overflow = page.evaluate("document.scrollingElement.scrollWidth - window.innerWidth")
            assert overflow <= 1, f"{name} scrolls sideways by {overflow}px at {viewport} width"
            # The settings' option rows and the inlines' tables fit their (clipped) boxes too.
            widest = page.evaluate(
                "Math.max(0, ...[...document.querySelectorAll('.option-rows, .inline-group table')].map(table => "
                "table.getBoundingClientRect().right"
                " - (table.closest('.form-row') || table.closest('.inline-group')).getBoundingClientRect().right))"
            )
            assert widest <= 1, f"{name}: a table sticks out of its box by {widest}px at {viewport} width"
    finally:
        context.close()
