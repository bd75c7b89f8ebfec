"""Every labeler page, and the review and dashboard pages as the workspace admin sees them, at desktop
and phone width: it loads, fits the width (no sideways scrolling), and with
FEEDLOOP_SCREENSHOTS_DIR set (`make screenshots`) it is saved as a PNG for people to
look at."""

from __future__ import annotations

import os
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from playwright.sync_api import Browser, expect

from feedback.models import Dataset, Review
from tests.browser.conftest import log_in
from tests.browser.labeler_pages import VIEWPORTS, pages
from tests.browser.review_data import disputed_comparison

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.browser]

PASSWORD = "screenshot-password-1"


def review_pages(review: Review) -> list[tuple[str, str]]:
    """The review queue and a disputed record, the workspace overview and the dashboards
    (the demo's team at work on the evaluation and the pairwise votes; the comparison
    barely started), as the workspace admin sees them."""
    evaluation = Dataset.objects.get(name="internal-evaluation")
    pairwise = Dataset.objects.get(name="pairwise-preference")
    return [
        ("review-queue", f"/datasets/{review.dataset_id}/review/"),
        ("review-record", f"/datasets/{review.dataset_id}/review/{review.record_id}/"),
        ("workspace-overview", f"/workspaces/{evaluation.workspace_id}/"),
        ("dashboard-internal-evaluation", f"/datasets/{evaluation.pk}/dashboard/"),
        ("dashboard-response-comparison", f"/datasets/{review.dataset_id}/dashboard/"),
        ("dashboard-pairwise-preference", f"/datasets/{pairwise.pk}/dashboard/"),
    ]


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
