"""Request ids: one per request, returned in X-Request-ID and on every log line the
request writes (JSON lines by default), with one access log line per request."""

from __future__ import annotations

import json
import logging

import pytest
from django.test import Client

from accounts.api_keys import api_key_create


def console_lines(caplog) -> list[dict]:
    """The captured records as the configured console handler writes them (JSON lines)."""
    console = next(handler for handler in logging.getLogger().handlers if handler.name == "console")
    return [json.loads(console.format(record)) for record in caplog.records]


def access_line(caplog, request_id: str) -> dict:
    lines = [line for line in console_lines(caplog) if line["logger"] == "feedloop.access"]
    assert len(lines) == 1, lines
    assert lines[0]["request_id"] == request_id
    return lines[0]


@pytest.mark.django_db
def test_a_request_gets_an_id_on_the_response_and_on_its_json_log_lines(caplog, people):
    caplog.set_level(logging.INFO)
    client = Client(HTTP_X_ARGILLA_API_KEY=api_key_create(user=people.admin_a, name="logs")[1])
    answer = client.get(f"/api/v1/workspaces/{people.workspace_a.pk}")
    request_id = answer["X-Request-ID"]
    assert len(request_id) == 32
    line = access_line(caplog, request_id)
    assert line["method"] == "GET" and line["status"] == answer.status_code
    # The route pattern, never the raw path with its ids.
    assert str(people.workspace_a.pk) not in json.dumps(line)
    assert "<" in line["route"] and line["user_id"] == str(people.admin_a.pk)
    assert isinstance(line["duration_ms"], float) and line["level"] == "INFO" and line["time"]
    # Another request, another id.
    assert client.get("/api/v1/version")["X-Request-ID"] != request_id


@pytest.mark.django_db
def test_every_record_written_during_the_request_carries_its_id(caplog, people, settings):
    caplog.set_level(logging.INFO)
    # Django logs the 401 answer as a warning once the middleware has returned it.
    answer = Client(HTTP_X_ARGILLA_API_KEY="not-a-key").get("/api/v1/me", HTTP_X_REQUEST_ID="trace-123")
    assert answer["X-Request-ID"] == "trace-123"
    lines = console_lines(caplog)
    assert lines and {line["request_id"] for line in lines} == {"trace-123"}
    assert access_line(caplog, "trace-123")["user_id"] is None


@pytest.mark.django_db
@pytest.mark.parametrize("bad", ["x" * 200, "two words", "a\u00e9b", "<script>", ""])
def test_an_incoming_id_that_does_not_look_like_one_is_replaced(bad, caplog):
    caplog.set_level(logging.INFO)
    answer = Client().get("/api/v1/version", HTTP_X_REQUEST_ID=bad)
    assert answer["X-Request-ID"] != bad and len(answer["X-Request-ID"]) == 32
    assert access_line(caplog, answer["X-Request-ID"])["route"] == "api/v1/version"


@pytest.mark.django_db
def test_a_route_that_does_not_exist_is_logged_as_unmatched(caplog):
    caplog.set_level(logging.INFO)
    answer = Client().get("/no/such/page/123")
    assert answer.status_code == 404
    line = access_line(caplog, answer["X-Request-ID"])
    assert line["route"] == "unmatched" and line["status"] == 404
