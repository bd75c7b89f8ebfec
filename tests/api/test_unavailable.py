"""Over real HTTP: a database or broker that cannot be reached is a 503 with
Retry-After (JSON under /api/, a short page for labelers), and every other API error
is JSON, never Django's HTML pages."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
import requests
from django.db import connections
from django.test import Client

from accounts.api_keys import api_key_create
from feedback.models import DeliveryStatus, WebhookDelivery
from feedback.services.webhooks import webhook_create
from feedback.tasks import sweep_jobs
from tests.builders import comparison_dataset
from tests.workers.conftest import broker_at

CLOSED_PORT = "1"  # nothing listens there: every connection is refused


@contextmanager
def database_unreachable() -> Iterator[None]:
    """Point the database settings at a closed port: every new connection (the live
    server's included; it opens one per request) is refused until the block ends."""
    database = connections["default"].settings_dict
    port = database["PORT"]
    connections.close_all()
    database["PORT"] = CLOSED_PORT
    try:
        yield
    finally:
        database["PORT"] = port
        connections.close_all()


def assert_json_503(answer: requests.Response) -> None:
    assert answer.status_code == 503, answer.text
    assert answer.headers["Content-Type"] == "application/json"
    assert "unavailable" in answer.json()["detail"]
    assert int(answer.headers["Retry-After"]) > 0


def test_the_api_answers_json_503_while_the_database_is_down(people, live_server):
    key = api_key_create(user=people.admin_a, name="test")[1]
    assert requests.get(f"{live_server.url}/api/v1/me", headers={"X-Argilla-Api-Key": key}, timeout=30).ok

    with database_unreachable():
        answer = requests.get(f"{live_server.url}/api/v1/me", headers={"X-Argilla-Api-Key": key}, timeout=30)

    assert_json_503(answer)
    assert requests.get(f"{live_server.url}/api/v1/me", headers={"X-Argilla-Api-Key": key}, timeout=30).ok


def test_labeler_pages_answer_a_short_503_page_while_the_database_is_down(people, live_server):
    dataset = comparison_dataset(people.workspace_a)
    client = Client()
    client.force_login(people.labeler_a1)
    cookies = {"sessionid": client.cookies["sessionid"].value}

    with database_unreachable():
        answer = requests.get(f"{live_server.url}/datasets/{dataset.pk}/next", cookies=cookies, timeout=30)

    assert answer.status_code == 503
    assert answer.headers["Content-Type"].startswith("text/html")
    assert "briefly unavailable" in answer.text and int(answer.headers["Retry-After"]) > 0


def test_a_write_while_the_broker_is_down_is_answered_and_its_webhooks_wait_for_the_sweep(
    people, live_server, receiver, settings
):
    dataset = comparison_dataset(people.workspace_a)
    webhook_create(url=receiver.url, events=["record.created"])
    key = api_key_create(user=people.admin_a, name="test")[1]
    item = {"external_id": "r-1", "fields": {"prompt": "p", "response-1": "a", "response-2": "b", "response-3": "c"}}

    # The record is stored; queueing its webhook delivery after the commit fails.
    with broker_at("redis://127.0.0.1:1/0"):
        answer = requests.put(
            f"{live_server.url}/api/v1/datasets/{dataset.pk}/records/bulk",
            json={"items": [item]},
            headers={"X-Argilla-Api-Key": key},
            timeout=30,
        )

    assert answer.status_code == 200, answer.text
    delivery = WebhookDelivery.objects.get()
    assert (delivery.status, delivery.sent_at) == (DeliveryStatus.PENDING, None)
    # The broker is back (here: tasks run in-process); the sweep sends what waited.
    settings.FEEDLOOP_JOB_QUEUE_GRACE = 0
    assert sweep_jobs()["deliveries_sent"] == 1
    assert json.loads(receiver.wait_for(1)[0].body)["data"]["external_id"] == "r-1"
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.DELIVERED and delivery.sent_at is not None
    assert sweep_jobs()["deliveries_sent"] == 0


@pytest.fixture
def failing_urls(settings) -> None:
    settings.ROOT_URLCONF = "tests.api.broken_urls"


def test_an_unhandled_error_under_the_api_is_json_500(live_server, failing_urls):
    answer = requests.get(f"{live_server.url}/api/v1/failing", timeout=30)
    assert answer.status_code == 500
    assert answer.headers["Content-Type"] == "application/json"
    assert answer.json() == {"detail": "Server error."}
    # Elsewhere it stays Django's page.
    page = requests.get(f"{live_server.url}/failing", timeout=30)
    assert page.status_code == 500 and page.headers["Content-Type"].startswith("text/html")


def test_an_unknown_api_path_is_json_404(live_server):
    answer = requests.get(f"{live_server.url}/api/v1/no-such-thing", timeout=30)
    assert answer.status_code == 404
    assert answer.headers["Content-Type"] == "application/json"
    assert answer.json() == {"detail": "Not found."}


def test_an_unknown_api_path_is_json_404_in_debug_too(client, settings):
    """The quick try runs with DEBUG on, where Django answers 404s with its own HTML page."""
    settings.DEBUG = True
    answer = client.get("/api/v1/no-such-thing")
    assert answer.status_code == 404
    assert answer.headers["Content-Type"] == "application/json"
    assert answer.json() == {"detail": "Not found."}
