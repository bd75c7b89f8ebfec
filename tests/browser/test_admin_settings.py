"""The dataset page shows, in each question row, only the settings inputs of its type."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import log_in
from tests.factories import PASSWORD

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.browser]


def test_a_new_question_row_shows_the_inputs_of_the_type_chosen(page: Page, live_server, people):
    log_in(page, live_server.url, people.admin_a.username, PASSWORD)
    page.goto(f"{live_server.url}/admin/feedback/dataset/add/")
    row = page.locator("#questions-0")
    options, scale, markdown = (
        row.locator(f".form-row.field-{name}") for name in ("options", "scale_min", "use_markdown")
    )
    # Before a type is chosen every input shows, each saying which types it is for.
    for line in (options, scale, markdown):
        expect(line).to_be_visible()
    row.locator('select[name="questions-0-type"]').select_option("rating")
    expect(scale).to_be_visible()
    expect(options).to_be_hidden()
    expect(markdown).to_be_hidden()
    row.locator('select[name="questions-0-type"]').select_option("ranking")
    expect(options).to_be_visible()
    expect(scale).to_be_hidden()
    row.locator('select[name="questions-0-type"]').select_option("text")
    expect(markdown).to_be_visible()
    expect(options).to_be_hidden()
    # A field row: the markdown checkbox, whatever its type.
    page.locator('select[name="fields-0-type"]').select_option("chat")
    expect(page.locator("#fields-0 .form-row.field-use_markdown")).to_be_visible()
