"""Probes for load balancers and orchestrators, answered before any other middleware:

* `GET /healthz`: the process is up and serving (no database, no broker: 200).
* `GET /readyz`: it can do its work: the database answers, every migration is applied,
  the broker takes connections (unless tasks run in-process) and file storage takes a
  small file (written and removed). 200 with each check's result, else 503 with Retry-After and what failed.

They come first in MIDDLEWARE so that a probe is answered whatever the Host header (an
orchestrator probes by pod address, which ALLOWED_HOSTS rightly does not list), over
plain HTTP even when SSL redirects are on, and without a session or CSRF. They reveal
no data: only whether each dependency answered, and the error's class name.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.migrations.executor import MigrationExecutor
from django.http import HttpRequest, HttpResponse, JsonResponse

from config.errors import RETRY_AFTER_SECONDS

BROKER_TIMEOUT_SECONDS = 3.0


class NotReady(Exception):
    """A dependency answered, but not as it must (its message says how)."""


def _database() -> str:
    connection = connections[DEFAULT_DB_ALIAS]
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    executor = MigrationExecutor(connection)
    pending = executor.migration_plan(executor.loader.graph.leaf_nodes())
    if pending:
        raise NotReady(f"{len(pending)} migrations not applied")
    return "ok"


def _broker() -> str:
    from config.celery import app

    if app.conf.task_always_eager:
        return "not used (tasks run in-process)"
    with app.connection_for_write() as connection:
        connection.ensure_connection(max_retries=1, timeout=BROKER_TIMEOUT_SECONDS)
    return "ok"


def _storage() -> str:
    # A small file written and removed: the storage is there and takes writes (a local
    # directory is created on first use, as any save would).
    name = default_storage.save(f"readyz/{uuid.uuid4().hex}", ContentFile(b"ready"))
    default_storage.delete(name)
    return "ok"


CHECKS: dict[str, Callable[[], str]] = {"database": _database, "broker": _broker, "storage": _storage}


def readiness() -> tuple[bool, dict[str, str]]:
    """Every check's result ("ok", or what failed) and whether all passed."""
    results: dict[str, str] = {}
    ready = True
    for name, check in CHECKS.items():
        try:
            results[name] = check()
        except Exception as error:  # any failure means "not ready", said by its kind
            ready = False
            results[name] = f"failed: {error if isinstance(error, NotReady) else type(error).__name__}"
    return ready, results


class HealthMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> Any:
        if request.path == "/healthz":
            return JsonResponse({"status": "ok"})
        if request.path == "/readyz":
            ready, checks = readiness()
            if ready:
                return JsonResponse({"status": "ready", "checks": checks})
            response = JsonResponse({"status": "not ready", "checks": checks}, status=503)
            response["Retry-After"] = str(RETRY_AFTER_SECONDS)
            return response
        return self.get_response(request)
