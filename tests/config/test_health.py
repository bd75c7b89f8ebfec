"""The probes: /healthz says the process is up without touching anything; /readyz checks
the database (and that every migration is applied), the broker and file storage, and
answers 503 with Retry-After and what failed. Both answer any Host, before the rest of
the stack (an orchestrator probes by pod address)."""

from __future__ import annotations

import pytest
import requests
from django.core.management import call_command
from django.test import Client

from tests.api.test_unavailable import database_unreachable
from tests.workers.conftest import broker_at


def test_healthz_answers_any_host_over_real_http_without_the_database(gunicorn_url):
    pod = {"Host": "10.1.2.3:8000"}
    answer = requests.get(f"{gunicorn_url}/healthz", headers=pod, timeout=30)
    assert (answer.status_code, answer.json()) == (200, {"status": "ok"})
    # An ordinary page with that Host is refused: only the probes skip the host check.
    assert requests.get(f"{gunicorn_url}/api/v1/version", headers=pod, timeout=30).status_code == 400
    with database_unreachable():  # any query would fail
        assert Client().get("/healthz").status_code == 200


def test_readyz_reports_every_check_over_real_http(gunicorn_url):
    answer = requests.get(f"{gunicorn_url}/readyz", headers={"Host": "10.1.2.3:8000"}, timeout=30)
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["status"] == "ready"
    assert body["checks"]["database"] == body["checks"]["storage"] == "ok"
    assert body["checks"]["broker"] in ("ok", "not used (tasks run in-process)")


def not_ready(failing: str) -> dict:
    answer = Client().get("/readyz")
    assert answer.status_code == 503, answer.content
    assert int(answer["Retry-After"]) > 0
    body = answer.json()
    assert body["status"] == "not ready" and body["checks"][failing].startswith("failed"), body
    return body


@pytest.mark.django_db(transaction=True)
def test_readyz_is_503_while_the_database_is_unreachable_and_recovers():
    with database_unreachable():
        body = not_ready("database")
    assert body["checks"]["storage"] == "ok"
    assert Client().get("/readyz").status_code == 200


@pytest.mark.django_db(transaction=True)
def test_readyz_is_503_while_a_migration_is_not_applied():
    call_command("migrate", "feedback", "0015", verbosity=0)
    try:
        body = not_ready("database")
    finally:
        call_command("migrate", "feedback", verbosity=0)
    assert body["checks"]["database"] == "failed: 1 migrations not applied"
    assert Client().get("/readyz").status_code == 200


@pytest.mark.django_db(transaction=True)
def test_readyz_is_503_while_the_broker_is_unreachable():
    with broker_at("redis://127.0.0.1:1/0"):
        body = not_ready("broker")
    assert body["checks"]["database"] == "ok"


@pytest.mark.django_db(transaction=True)
def test_readyz_is_503_when_file_storage_cannot_be_written(settings, tmp_path):
    (tmp_path / "a-file").write_text("not a directory")
    settings.MEDIA_ROOT = tmp_path / "a-file" / "storage"
    not_ready("storage")
    settings.MEDIA_ROOT = tmp_path / "storage"
    assert Client().get("/readyz").status_code == 200
    assert list((tmp_path / "storage" / "readyz").iterdir()) == []  # the probe file is removed


def test_probes_are_not_redirected_to_https_under_the_production_profile(settings, db):
    settings.SECURE_SSL_REDIRECT = True
    assert Client().get("/api/v1/version").status_code == 301  # everything else goes to HTTPS
    assert Client().get("/healthz").status_code == 200
    assert Client().get("/readyz").status_code == 200
