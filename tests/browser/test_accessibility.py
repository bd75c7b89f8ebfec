"""axe-core (vendored in tests/browser/vendor/, never fetched) finds no serious or critical
WCAG 2 A/AA violation on any labeler page of the demo, at desktop and phone width: the
pages of the screenshot walk, every record page with its errors shown (submitted empty),
the write page with its errors, and the "nothing left" page."""

from __future__ import annotations

from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from playwright.sync_api import Browser, Page, expect

from feedback.models import Dataset, Record
from tests.browser.conftest import log_in
from tests.browser.labeler_pages import VIEWPORTS, pages, review_pages
from tests.browser.review_data import disputed_comparison

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.browser]

AXE = Path(__file__).parent / "vendor" / "axe-core" / "axe.min.js"
PASSWORD = "accessibility-password-1"
# Every WCAG 2.x success criterion at levels A and AA that axe checks automatically.
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22a", "wcag22aa"]
FAILING_IMPACTS = ("serious", "critical")


def axe_violations(page: Page) -> list[dict[str, Any]]:
    """The page's serious and critical violations, as axe reports them."""
    page.add_script_tag(path=str(AXE))
    result = page.evaluate(
        "tags => axe.run(document, {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']})",
        WCAG_TAGS,
    )
    return [violation for violation in result["violations"] if violation["impact"] in FAILING_IMPACTS]


def describe(name: str, violations: list[dict[str, Any]]) -> str:
    lines = []
    for violation in violations:
        targets = ", ".join(" ".join(node["target"]) for node in violation["nodes"][:8])
        more = f" (+{len(violation['nodes']) - 8} more)" if len(violation["nodes"]) > 8 else ""
        lines.append(f"{name}: {violation['id']} [{violation['impact']}] {violation['help']} — {targets}{more}")
    return "\n".join(lines)


def unanswered_record(dataset: Dataset) -> Record:
    ana = get_user_model().objects.get(username="ana")
    return Record.objects.filter(dataset=dataset).exclude(responses__user=ana).order_by("inserted_at", "id").first()


def empty_the_form(page: Page) -> None:
    page.locator("form.answer").evaluate(
        "form => { form.querySelectorAll('input:checked').forEach(input => { input.checked = false; });"
        " form.querySelectorAll('textarea').forEach(area => { area.value = ''; }); }"
    )


@pytest.mark.parametrize("viewport", list(VIEWPORTS))
def test_no_serious_violation_on_any_labeler_page(browser: Browser, live_server, viewport):
    call_command("seed_demo", "--password", PASSWORD, stdout=StringIO())
    context = browser.new_context(viewport=VIEWPORTS[viewport], bypass_csp=True)
    page = context.new_page()
    page.set_default_timeout(10_000)
    found: list[str] = []
    checked: list[str] = []

    def check(name: str) -> None:
        checked.append(name)
        violations = axe_violations(page)
        if violations:
            found.append(describe(name, violations))

    try:
        for name, path in pages(live_server.url):
            if name == "home":
                log_in(page, live_server.url, "ana", PASSWORD)
            response = page.goto(f"{live_server.url}{path}")
            assert response is not None and response.status == 200, (name, response and response.status)
            check(name)
        for dataset in Dataset.objects.order_by("name"):
            if any(question.required for question in dataset.questions.all()):
                record = unanswered_record(dataset)
                page.goto(f"{live_server.url}/datasets/{dataset.pk}/records/{record.pk}")
                empty_the_form(page)  # suggestions prefill some answers
                page.get_by_role("button", name="Submit", exact=True).click()
                expect(page.locator("form.answer .error").first).to_be_visible()
                check(f"record-{dataset.name}-with-errors")
            if dataset.allow_labeler_records:
                page.goto(f"{live_server.url}/datasets/{dataset.pk}/write")
                page.get_by_role("button", name="Submit", exact=True).click()
                expect(page.locator("form.answer .error").first).to_be_visible()
                check(f"write-{dataset.name}-with-errors")
    finally:
        context.close()
    assert len(checked) > len(pages(live_server.url))
    # The pairwise choice too, answered and with its error shown.
    assert {"record-pairwise-preference", "record-pairwise-preference-with-errors"} <= set(checked)
    assert not found, f"axe at {viewport} width:\n" + "\n".join(found)


@pytest.mark.parametrize("viewport", list(VIEWPORTS))
def test_no_serious_violation_on_the_review_and_dashboard_pages(browser: Browser, live_server, viewport):
    """The pages of the labeler site that the workspace admin (`lead`) works in."""
    call_command("seed_demo", "--password", PASSWORD, stdout=StringIO())
    shown = review_pages(disputed_comparison())
    context = browser.new_context(viewport=VIEWPORTS[viewport], bypass_csp=True)
    page = context.new_page()
    page.set_default_timeout(10_000)
    found: list[str] = []
    try:
        log_in(page, live_server.url, "lead", PASSWORD)
        for name, path in shown:
            response = page.goto(f"{live_server.url}{path}")
            assert response is not None and response.status == 200, (name, response and response.status)
            if violations := axe_violations(page):
                found.append(describe(name, violations))
    finally:
        context.close()
    assert not found, f"axe at {viewport} width:\n" + "\n".join(found)


# The controls a thumb has to hit on the record page: choices (a radio or checkbox with
# its label), buttons and button-like links. 44 CSS pixels square at least (WCAG 2.5.5).
TARGETS = """() => Array.from(document.querySelectorAll(
    "label:has(> input[type=radio]), label:has(> input[type=checkbox]), button, a.button"))
  .filter(element => element.offsetParent !== null)
  .map(element => {
    const box = element.getBoundingClientRect();
    return {describe: element.tagName.toLowerCase() + ` "${element.innerText.trim().slice(0, 30)}"`,
            width: box.width, height: box.height};
  })"""
THUMB = 44


def test_record_page_controls_are_large_enough_for_a_thumb_on_phones(browser: Browser, live_server):
    call_command("seed_demo", "--password", PASSWORD, stdout=StringIO())
    context = browser.new_context(viewport=VIEWPORTS["phone"], is_mobile=True, has_touch=True)
    page = context.new_page()
    page.set_default_timeout(10_000)
    small: list[str] = []
    kinds: set[str] = set()
    try:
        log_in(page, live_server.url, "ana", PASSWORD)
        for dataset in Dataset.objects.order_by("name"):
            page.goto(f"{live_server.url}/datasets/{dataset.pk}/records/{unanswered_record(dataset).pk}")
            for target in page.evaluate(TARGETS):
                kinds.add(target["describe"].split(" ")[0])
                if target["width"] < THUMB or target["height"] < THUMB:
                    small.append(f"{dataset.name}: {target['describe']} {target['width']:.0f}x{target['height']:.0f}")
    finally:
        context.close()
    assert {"label", "button"} <= kinds
    assert not small, f"smaller than {THUMB}x{THUMB} px at phone width:\n" + "\n".join(small)
