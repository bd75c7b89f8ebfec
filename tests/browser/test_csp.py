"""The pages keep to the Content-Security-Policy in Chromium: no inline script or style,
nothing from elsewhere. Every labeler page of the demo, the review and dashboard pages,
the login and account pages, the admin's lists and forms and the API docs are visited, and any CSP
violation the browser reports (a `securitypolicyviolation` event or its console error)
fails the test."""

from __future__ import annotations

from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from playwright.sync_api import Browser, Page, expect

from tests.browser.conftest import log_in, watch_csp
from tests.browser.labeler_pages import (
    SIGNED_IN_ACCOUNT_PAGES,
    SIGNED_OUT_ACCOUNT_PAGES,
    admin_pages,
    pages,
    review_pages,
)
from tests.browser.review_data import disputed_comparison

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.browser]

PASSWORD = "csp-password-1"

# Runs in every document before its own scripts: keeps what the browser blocked.
LISTEN = """
window.cspViolations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  window.cspViolations.push(
    `${event.effectiveDirective} blocked ${event.blockedURI || "inline code"} (${event.sourceFile}:${event.lineNumber})`
  );
});
"""
# Read once the page's pending tasks (violation events are dispatched as tasks) have run.
VIOLATIONS = "() => new Promise((resolve) => setTimeout(() => resolve(window.cspViolations || []), 0))"


class Violations:
    """What the browser blocked, page by page, from both the events and the console."""

    def __init__(self, page: Page) -> None:
        self.page = page
        self.events: list[str] = []
        self.console = watch_csp(page)
        self.visited: list[str] = []
        page.add_init_script(LISTEN)

    def check(self, name: str) -> None:
        self.visited.append(name)
        self.events += [f"{name}: {violation}" for violation in self.page.evaluate(VIOLATIONS)]

    @property
    def found(self) -> list[str]:
        return self.events + self.console

    def visit(self, base: str, name: str, path: str) -> None:
        response = self.page.goto(f"{base}{path}")
        assert response is not None and response.status == 200, (name, response and response.status)
        self.check(name)


def test_no_page_violates_the_content_security_policy(browser: Browser, live_server):
    call_command("seed_demo", "--password", PASSWORD, stdout=StringIO())
    review = disputed_comparison()
    owner = get_user_model().objects.get(username="owner")
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(10_000)
    seen = Violations(page)
    base = live_server.url
    try:
        seen.visit(base, "api-docs", "/api/docs")
        expect(page.get_by_role("heading", name="Feedloop API")).to_be_visible()  # drawn by its script
        seen.check("api-docs-drawn")

        log_in(page, base, "ana", PASSWORD)
        for name, path in pages(base):
            if name != "login":
                seen.visit(base, name, path)
        # A record submitted empty: its errors are shown by the page's script.
        dataset_page = next(path for name, path in pages(base) if name == "record-internal-evaluation")
        seen.visit(base, "record-with-errors", dataset_page)
        page.locator("form.answer").evaluate(
            "form => { form.querySelectorAll('input:checked').forEach(input => { input.checked = false; });"
            " form.querySelectorAll('textarea').forEach(area => { area.value = ''; }); }"
        )
        page.get_by_role("button", name="Submit", exact=True).click()
        expect(page.locator("form.answer .error").first).to_be_visible()
        seen.check("record-with-errors-shown")
        for name, path in SIGNED_IN_ACCOUNT_PAGES:
            seen.visit(base, name, path)
        page.context.clear_cookies()
        for name, path in SIGNED_OUT_ACCOUNT_PAGES:
            seen.visit(base, name, path)

        log_in(page, base, "lead", PASSWORD)
        for name, path in review_pages(review):
            seen.visit(base, name, path)
        page.context.clear_cookies()

        log_in(page, base, "owner", PASSWORD)
        for name, path in admin_pages(owner):
            seen.visit(base, name, path)
        # The dataset page's settings widgets at work: a question row given a type.
        seen.visit(base, "admin-dataset-add-question", "/admin/feedback/dataset/add/")
        page.locator('select[name="questions-0-type"]').select_option("rating")
        expect(page.locator("#questions-0 .form-row.field-options")).to_be_hidden()
        seen.check("admin-dataset-question-typed")
    finally:
        context.close()
    assert {"api-docs-drawn", "dashboard-internal-evaluation", "admin-feedback_dataset-change"} <= set(seen.visited)
    assert not seen.found, "Content-Security-Policy violations:\n" + "\n".join(seen.found)
