"""Real Chromium (Debian's, never a downloaded one) driven by Playwright against a live server.

A missing browser is a failure, not a skip: `.ci/run` installs it.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

# Playwright's sync API runs an event loop in this thread; the tests' own database
# calls are synchronous and safe here.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

from playwright.sync_api import Browser, ConsoleMessage, Page, Playwright, sync_playwright

CHROMIUM = os.environ.get("FEEDLOOP_CHROMIUM", "/usr/bin/chromium")
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]


@pytest.fixture(scope="session")
def playwright() -> Iterator[Playwright]:
    if not Path(CHROMIUM).exists():
        pytest.fail(f"Chromium is not installed at {CHROMIUM}; `.ci/run` installs Debian's chromium package.")
    with sync_playwright() as playwright:
        yield playwright


@pytest.fixture(scope="session")
def browser(playwright: Playwright) -> Iterator[Browser]:
    browser = playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
    yield browser
    browser.close()


def watch_csp(page: Page) -> list[str]:
    """The Content-Security-Policy violations Chromium reports on the page's console
    (one error per blocked script, style or load), kept as they come, page after page."""
    blocked: list[str] = []

    def keep(message: ConsoleMessage) -> None:
        if message.type == "error" and "Content Security Policy" in message.text:
            blocked.append(f"{page.url}: {message.text}")

    page.on("console", keep)
    return blocked


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    """A desktop-sized page; whatever a test does on it, a CSP violation fails it."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(10_000)
    blocked = watch_csp(page)
    yield page
    context.close()
    assert not blocked, "Content-Security-Policy violations:\n" + "\n".join(blocked)


@pytest.fixture
def back_cache_page(playwright: Playwright) -> Iterator[Page]:
    """A page whose Back restores the previous page as it was left (the back/forward
    cache of everyday browsers, which Playwright switches off by default)."""
    browser = playwright.chromium.launch(
        executable_path=CHROMIUM, args=FLAGS, ignore_default_args=["--disable-back-forward-cache"]
    )
    page = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    page.set_default_timeout(10_000)
    yield page
    browser.close()


def log_in(page: Page, base_url: str, username: str, password: str) -> None:
    page.goto(f"{base_url}/accounts/login/")
    page.fill('input[name="login"]', username)
    page.fill('input[name="password"]', password)
    page.click('button[type="submit"]')
    page.wait_for_url(f"{base_url}/")
