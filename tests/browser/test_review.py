"""The review page in Chromium on the demo data: a disputed comparison reaches the
queue, the workspace admin reads both rankings side by side and settles it."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command
from playwright.sync_api import Page, expect

from feedback.models import ReviewState
from tests.browser.conftest import log_in
from tests.browser.review_data import disputed_comparison

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.browser]
PASSWORD = "review-password-1"


def test_a_reviewer_settles_a_disputed_comparison(page: Page, live_server):
    call_command("seed_demo", "--password", PASSWORD, stdout=StringIO())
    review = disputed_comparison()
    assert review.disagreement["ranking"] == 1.0  # every pair of responses ordered oppositely
    log_in(page, live_server.url, "lead", PASSWORD)
    page.goto(f"{live_server.url}/datasets/{review.dataset_id}/records")
    page.get_by_role("link", name="Review queue").click()
    expect(page.locator("table.reviews tbody tr")).to_have_count(1)
    expect(page.locator("table.reviews")).to_contain_text("answers disagree")
    page.locator("table.reviews tbody a").click()
    answers = page.locator("table.answers")
    expect(answers).to_contain_text("ana")
    expect(answers).to_contain_text("ben")
    expect(answers).to_contain_text("Response 3 > Response 1 > Response 2")
    expect(answers).to_contain_text("names the safety steps")
    # The form starts from the mean ranks (all equal: in option order); the reviewer
    # puts response-3 first.
    page.get_by_role("radiogroup", name="Rank of Response 3").get_by_text("1", exact=True).click()
    page.get_by_role("radiogroup", name="Rank of Response 1").get_by_text("2", exact=True).click()
    page.get_by_role("radiogroup", name="Rank of Response 2").get_by_text("3", exact=True).click()
    page.fill("#note", "Response 3 is the only safe answer.")
    page.get_by_role("button", name="Settle").click()
    page.wait_for_url(f"{live_server.url}/datasets/{review.dataset_id}/review/")
    expect(page.locator("body")).to_contain_text("Settled.")
    expect(page.locator("table.reviews")).to_contain_text("settled by lead")
    review.refresh_from_db()
    assert review.state == ReviewState.SETTLED and review.note == "Response 3 is the only safe answer."
    assert [item["value"] for item in review.values["ranking"]["value"]] == ["response-3", "response-1", "response-2"]
