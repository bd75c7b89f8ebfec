"""API rate limits count per API key: over the limit is a JSON 429 with Retry-After; the
same person's other key, and other people, keep their own allowance."""

from __future__ import annotations

from django.test import Client
from rest_framework.test import APIClient

from accounts.api_keys import api_key_create


def key_client(user, name: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_X_ARGILLA_API_KEY=api_key_create(user=user, name=name)[1])
    return client


def test_each_key_has_its_own_allowance(people, settings):
    settings.FEEDLOOP_API_RATE = "3/minute"
    script, notebook = key_client(people.admin_a, "script"), key_client(people.admin_a, "notebook")

    answers = [script.get("/api/v1/me") for _ in range(4)]

    assert [answer.status_code for answer in answers] == [200, 200, 200, 429]
    refused = answers[3]
    assert refused["Content-Type"] == "application/json" and "throttled" in refused.json()["detail"].lower()
    assert 0 < int(refused["Retry-After"]) <= 60
    assert notebook.get("/api/v1/me").status_code == 200
    assert key_client(people.labeler_a1, "theirs").get("/api/v1/me").status_code == 200


def test_a_session_caller_counts_per_user_and_an_empty_rate_means_no_limit(people, settings):
    settings.FEEDLOOP_API_RATE = "2/minute"
    browser = Client()
    browser.force_login(people.labeler_a1)
    assert [browser.get("/api/v1/me").status_code for _ in range(3)] == [200, 200, 429]
    settings.FEEDLOOP_API_RATE = ""
    assert browser.get("/api/v1/me").status_code == 200
