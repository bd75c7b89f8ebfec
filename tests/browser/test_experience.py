"""The labeler's experience (#13): what a person sees and reads, in a real browser."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from feedback.models import Record, Response
from feedback.services import datasets as services
from feedback.services.records import records_bulk_upsert
from tests.browser.conftest import log_in
from tests.factories import PASSWORD, MembershipFactory, UserFactory, WorkspaceFactory

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.browser]


@pytest.fixture
def workspace():
    workspace = WorkspaceFactory(name="experience-ws")
    MembershipFactory(workspace=workspace, user=UserFactory(username="ana"))
    return workspace


def plain_dataset(workspace, fields: dict, *, name: str = "plain"):
    """A published dataset of plain-text (and a chat) fields with one rating question."""
    dataset = services.dataset_create(workspace=workspace, name=name)
    for field_name, value in fields.items():
        services.field_create(dataset=dataset, name=field_name, type="chat" if isinstance(value, list) else "text")
    services.question_create(
        dataset=dataset, name="quality", type="rating", settings={"options": [{"value": v} for v in range(1, 6)]}
    )
    dataset = services.dataset_publish(dataset=dataset)
    records_bulk_upsert(dataset=dataset, items=[{"external_id": "r1", "fields": fields}])
    return dataset


def test_plain_text_fields_read_as_written(page: Page, live_server, workspace):
    dataset = plain_dataset(
        workspace,
        {
            "system": "Coding assistant…\nSecond line",
            "context": "<b>ctx</b> & Q&A",
            "chat": [{"role": "user", "content": "<i>hi</i> & bye"}],
        },
    )
    log_in(page, live_server.url, "ana", PASSWORD)
    page.goto(f"{live_server.url}/datasets/{dataset.pk}/next")
    expect(page.locator('[data-field="system"] br')).to_have_count(1)  # the line break stays a break
    assert page.locator('[data-field="system"]').inner_text().strip() == "Coding assistant…\nSecond line"
    expect(page.locator('[data-field="context"]')).to_have_text("<b>ctx</b> & Q&A")
    expect(page.locator(".chat .message")).to_contain_text("<i>hi</i> & bye")
    assert page.locator(".record b, .record i").count() == 0  # shown as text, never as tags


def test_every_page_has_an_icon_and_nothing_is_missing(page: Page, live_server, workspace):
    dataset = plain_dataset(workspace, {"prompt": "Hi"})
    failed: list[str] = []
    page.on("response", lambda response: failed.append(response.url) if response.status >= 400 else None)
    log_in(page, live_server.url, "ana", PASSWORD)
    page.goto(f"{live_server.url}/datasets/{dataset.pk}/next")
    icon = page.locator('link[rel="icon"]').get_attribute("href")
    assert icon and page.request.get(f"{live_server.url}{icon}").ok
    # What browsers ask for on their own, whatever the page links.
    answer = page.goto(f"{live_server.url}/favicon.ico")
    assert answer is not None and answer.ok and "svg" in answer.headers["content-type"]
    assert failed == []


def status_messages(page: Page) -> list[str]:
    return [text.strip() for text in page.get_by_role("status").all_inner_texts()]


def test_each_step_is_confirmed_once_on_the_next_page(page: Page, live_server, workspace):
    dataset = plain_dataset(workspace, {"prompt": "Hi"})
    records_bulk_upsert(
        dataset=dataset, items=[{"external_id": f"r{n}", "fields": {"prompt": f"P{n}"}} for n in (2, 3)]
    )
    log_in(page, live_server.url, "ana", PASSWORD)
    assert status_messages(page) == ["Successfully signed in as ana."]  # on the home page
    page.get_by_role("link", name="Start").click()
    assert status_messages(page) == []
    page.get_by_label("3").check()
    page.get_by_role("button", name="Submit").click()
    expect(page.get_by_role("status")).to_have_text("Response submitted.")
    page.get_by_label("2").check()
    page.get_by_role("button", name="Save draft").click()
    expect(page.get_by_role("status")).to_have_text("Draft saved.")
    page.get_by_role("button", name="Discard").click()
    expect(page.get_by_role("status")).to_contain_text("Record discarded.")
    page.get_by_role("button", name="Undo").click()
    expect(page.get_by_role("status")).to_have_text("Discard undone: your answers are back as a draft.")
    expect(page.get_by_label("2")).to_be_checked()
    page.reload()
    assert status_messages(page) == []


def stored_quality(dataset) -> tuple[int, str]:
    response = Response.objects.get(record__dataset=dataset, record__external_id="r1")
    return response.values["quality"]["value"], response.status


def test_two_tabs_on_one_record_never_overwrite_silently(page: Page, live_server, workspace):
    dataset = plain_dataset(workspace, {"prompt": "Hi"})
    record_url = f"{live_server.url}/datasets/{dataset.pk}/records/{Record.objects.get(dataset=dataset).pk}"
    log_in(page, live_server.url, "ana", PASSWORD)
    second = page.context.new_page()
    page.goto(record_url)
    second.goto(record_url)
    page.get_by_label("3").check()
    page.get_by_role("button", name="Submit").click()
    expect(page.get_by_role("status")).to_have_text("Response submitted.")
    second.get_by_label("5").check()
    second.get_by_role("button", name="Submit").click()
    alert = second.locator(".conflict")
    expect(alert).to_contain_text("This record was answered meanwhile")
    expect(alert.locator("dd")).to_have_text("3")  # the newer, stored answer
    expect(second.get_by_label("5")).to_be_checked()  # mine is kept in the form
    assert stored_quality(dataset) == (3, "submitted")
    second.get_by_role("button", name="Replace with mine").click()
    expect(second.get_by_role("status")).to_have_text("Response submitted.")
    assert stored_quality(dataset) == (5, "submitted")


def test_back_after_submit_asks_before_replacing(back_cache_page: Page, live_server, workspace):
    page = back_cache_page
    dataset = plain_dataset(workspace, {"prompt": "Hi"})
    records_bulk_upsert(dataset=dataset, items=[{"external_id": "r2", "fields": {"prompt": "P2"}}])
    log_in(page, live_server.url, "ana", PASSWORD)
    page.get_by_role("link", name="Start").click()
    page.get_by_label("3").check()
    page.get_by_role("button", name="Submit").click()
    expect(page.locator(".record")).to_contain_text("P2")
    page.go_back(wait_until="commit")  # a restored page fires no load event
    expect(page.locator(".record")).to_contain_text("Hi")
    expect(page.get_by_label("3")).to_be_checked()  # the page as it was left, not as stored now
    page.get_by_label("4").check()
    page.get_by_role("button", name="Submit").click()
    expect(page.locator(".conflict")).to_contain_text("3")
    assert stored_quality(dataset) == (3, "submitted")
    page.get_by_role("link", name="Keep theirs").click()
    expect(page.locator(".record")).to_contain_text("P2")
    assert stored_quality(dataset) == (3, "submitted")


def test_a_long_field_collapses_with_show_all(page: Page, live_server, workspace):
    paragraphs = "\n\n".join(f"Paragraph {n}: " + "lorem ipsum " * 40 for n in range(80))  # ~40,000 characters
    dataset = plain_dataset(workspace, {"prompt": "Short prompt", "response": paragraphs})
    log_in(page, live_server.url, "ana", PASSWORD)
    page.goto(f"{live_server.url}/datasets/{dataset.pk}/next")
    long, short = page.locator('[data-field="response"]'), page.locator('[data-field="prompt"]')
    assert page.evaluate("document.documentElement.scrollHeight") < 2500
    assert long.bounding_box()["height"] < 500
    show_all = page.locator("summary", has_text="Show all")
    expect(show_all).to_be_visible()
    assert page.locator('.field:has([data-field="prompt"]) summary').count() == 0  # short fields stay as they are
    show_all.focus()
    page.keyboard.press("Enter")  # keyboard accessible
    assert long.bounding_box()["height"] > 5000
    expect(page.get_by_text("Paragraph 79:")).to_be_visible()
    expect(short).to_have_text("Short prompt")
