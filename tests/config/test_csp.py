"""Every response carries the strict Content-Security-Policy: the labeler, review and
dashboard pages, the login pages, the admin and the API docs (a browser checks that the
pages keep to it: tests/browser/test_csp.py)."""

from __future__ import annotations

from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.test import Client

from tests.browser.labeler_pages import (
    SIGNED_IN_ACCOUNT_PAGES,
    SIGNED_OUT_ACCOUNT_PAGES,
    admin_pages,
    pages,
    review_pages,
)
from tests.browser.review_data import disputed_comparison

PASSWORD = "csp-password-1"

STRICT = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": "'self'",
    "img-src": "'self' data:",
    "object-src": "'none'",
    "base-uri": "'self'",
    "form-action": "'self'",
    "frame-ancestors": "'none'",
}
OTHER_PAGES = [
    ("api-docs", "/api/docs"),
    ("api-docs-script", "/api/docs?script="),
    ("not-found", "/no-such-page/"),
    ("api-not-authenticated", "/api/v1/me"),
]


def policy(header: str) -> dict[str, str]:
    directives = (part.strip().split(None, 1) for part in header.split(";") if part.strip())
    return {name: value for name, value in directives}


def signed_in(username: str) -> Client:
    client = Client()
    client.force_login(get_user_model().objects.get(username=username))
    return client


@pytest.mark.django_db
def test_every_page_carries_the_strict_policy():
    call_command("seed_demo", "--password", PASSWORD, stdout=StringIO())
    review = disputed_comparison()
    owner = get_user_model().objects.get(username="owner")
    walks = [
        (Client(), SIGNED_OUT_ACCOUNT_PAGES + OTHER_PAGES),
        (signed_in("ana"), [page for page in pages("") if page[0] != "login"] + SIGNED_IN_ACCOUNT_PAGES),
        (signed_in("lead"), review_pages(review)),
        (signed_in("owner"), admin_pages(owner)),
    ]
    seen: dict[str, int] = {}
    for client, shown in walks:
        for name, path in shown:
            response = client.get(path)
            seen[name] = response.status_code
            assert "Content-Security-Policy" in response, name
            assert "Content-Security-Policy-Report-Only" not in response, name
            assert policy(response["Content-Security-Policy"]) == STRICT, name
    # The pages were really shown, not redirected or refused.
    assert {name for name, status in seen.items() if status != 200} == {"not-found", "api-not-authenticated"}
    assert {"admin-feedback_dataset-change", "admin-feedback_dataset-add", "dashboard-internal-evaluation"} <= set(seen)
