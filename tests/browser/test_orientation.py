"""Orientation on the record page in a real browser: Skip moves on and stores nothing,
and the guidelines stay beside the record on wide screens (folded at the top on phones)."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from feedback.models import Record, Response
from feedback.services import datasets as services
from feedback.services.records import records_bulk_upsert
from tests.browser.conftest import log_in
from tests.factories import PASSWORD, MembershipFactory, UserFactory, WorkspaceFactory

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.browser]

GUIDELINES = "Rate **helpfulness** first.\n\n" + "\n\n".join(f"Rule {n}: read the whole answer." for n in range(1, 9))


@pytest.fixture
def rated():
    workspace = WorkspaceFactory(name="orientation-ws")
    MembershipFactory(workspace=workspace, user=UserFactory(username="ana"))
    dataset = services.dataset_create(workspace=workspace, name="ratings", guidelines=GUIDELINES)
    services.field_create(dataset=dataset, name="prompt")
    services.field_create(dataset=dataset, name="answer")
    services.question_create(
        dataset=dataset, name="quality", type="rating", settings={"options": [{"value": v} for v in range(1, 6)]}
    )
    services.question_create(dataset=dataset, name="comment", type="text", required=False)
    dataset = services.dataset_publish(dataset=dataset)
    long_answer = "\n\n".join(f"Paragraph {n} of a long answer, to scroll past." for n in range(40))
    records_bulk_upsert(
        dataset=dataset,
        items=[{"external_id": f"r{n}", "fields": {"prompt": f"Prompt {n}", "answer": long_answer}} for n in (1, 2)],
    )
    return dataset


def start(page: Page, base: str, dataset) -> None:
    log_in(page, base, "ana", PASSWORD)
    page.goto(f"{base}/datasets/{dataset.pk}/next")


def test_skip_moves_on_from_a_half_filled_form_without_storing_it(page: Page, live_server, rated):
    start(page, live_server.url, rated)
    first, second = Record.objects.filter(dataset=rated).order_by("inserted_at", "id")
    expect(page).to_have_url(re.compile(f"/records/{first.pk}$"))
    expect(page.locator("nav.orientation .status-badge")).to_have_text("Your response: new")
    page.fill('textarea[name="comment"]', "half a thought")  # a required rating is left out
    page.get_by_role("button", name="Skip").click()
    expect(page).to_have_url(re.compile(f"/records/{second.pk}$"))
    assert not Response.objects.exists()
    expect(page.locator("nav.orientation")).to_contain_text("0 of 2 done · 2 left for you")
    # The skipped record comes back once the other one is answered.
    page.get_by_label("4").check()
    page.get_by_role("button", name="Submit").click()
    expect(page).to_have_url(re.compile(f"/records/{first.pk}$"))
    expect(page.locator('textarea[name="comment"]')).to_have_value("")


def test_guidelines_stay_beside_the_record_while_scrolling_and_fold(page: Page, live_server, rated):
    start(page, live_server.url, rated)
    panel = page.locator("aside.guidelines-panel")
    expect(panel).to_be_visible()
    expect(page.locator("details.guidelines-top")).to_be_hidden()
    expect(panel.locator("strong", has_text="helpfulness")).to_be_visible()
    record_box = page.locator("section.record").bounding_box()
    panel_box = panel.bounding_box()
    assert panel_box["x"] >= record_box["x"] + record_box["width"], "the panel sits beside the record"
    page.locator("form.answer").scroll_into_view_if_needed()
    assert page.evaluate("window.scrollY") > 1000
    expect(panel.locator("summary")).to_be_in_viewport()
    wide = page.locator("section.record").bounding_box()["width"]
    panel.locator("summary").focus()
    page.keyboard.press("Enter")  # folds it, from the keyboard
    expect(panel.locator("strong", has_text="helpfulness")).to_be_hidden()
    assert page.locator("section.record").bounding_box()["width"] > wide + 200
    if folder := os.environ.get("FEEDLOOP_SCREENSHOTS_DIR"):
        page.screenshot(path=str(Path(folder) / "record-guidelines-folded-desktop.png"))


def test_on_a_phone_the_guidelines_fold_at_the_top(browser: Browser, live_server, rated):
    context = browser.new_context(viewport={"width": 390, "height": 844})
    page = context.new_page()
    try:
        start(page, live_server.url, rated)
        expect(page.locator("aside.guidelines-panel")).to_be_hidden()
        top = page.locator("details.guidelines-top")
        expect(top).to_be_visible()
        expect(top.locator("strong", has_text="helpfulness")).to_be_hidden()
        top.locator("summary").click()
        expect(top.locator("strong", has_text="helpfulness")).to_be_visible()
        assert top.bounding_box()["y"] < page.locator("section.record").bounding_box()["y"]
    finally:
        context.close()


def test_a_folded_panel_stays_folded_on_the_next_record(page: Page, live_server, rated):
    start(page, live_server.url, rated)
    first = page.url
    panel = page.locator("aside.guidelines-panel details")
    panel.locator("summary").click()
    expect(panel).not_to_have_attribute("open", "")
    page.get_by_role("button", name="Skip").click()
    expect(page).not_to_have_url(first)
    expect(page.locator("aside.guidelines-panel details")).not_to_have_attribute("open", "")
    page.locator("aside.guidelines-panel summary").click()  # opened again, it stays open
    page.reload()
    expect(page.locator("aside.guidelines-panel strong", has_text="helpfulness")).to_be_visible()


def test_the_s_key_skips_unless_one_is_typing(page: Page, live_server, rated):
    start(page, live_server.url, rated)
    first, second = Record.objects.filter(dataset=rated).order_by("inserted_at", "id")
    expect(page).to_have_url(re.compile(f"/records/{first.pk}$"))
    page.locator('textarea[name="comment"]').press_sequentially("s is a letter")  # typed, not a shortcut
    expect(page).to_have_url(re.compile(f"/records/{first.pk}$"))
    page.locator("h1").first.click()  # out of the text box
    page.keyboard.press("s")
    expect(page).to_have_url(re.compile(f"/records/{second.pk}$"))
    assert not Response.objects.exists()
