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
from playwright.sync_api import Browser

from tests.browser.conftest import log_in
from tests.browser.labeler_pages import VIEWPORTS, pages, review_pages
from tests.browser.review_data import disputed_comparison

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
    for username, shown in (("ana", pages(live_server.url)), ("lead", review_pages(review))):
        context = browser.new_context(viewport=VIEWPORTS[viewport])
        page = context.new_page()
        try:
            for name, path in shown:
                if name in ("home", "review-queue"):
                    log_in(page, live_server.url, username, PASSWORD)
                response = page.goto(f"{live_server.url}{path}")
                assert response is not None and response.status == 200, (name, response and response.status)
                overflow = page.evaluate("document.scrollingElement.scrollWidth - window.innerWidth")
                assert overflow <= 1, f"{name} scrolls sideways by {overflow}px at {viewport} width"
                if folder:
                    page.screenshot(path=str(folder / f"{name}-{viewport}.png"), full_page=True)
        finally:
            context.close()
