"""Request ids and the access log.

Every request gets an id: the caller's `X-Request-ID` when it looks like one (a proxy or
client that already tagged the request keeps its id), else a fresh one. It is returned in
the `X-Request-ID` response header, put on every log record written while the request is
served (a context variable read by `RequestIdFilter`), and carried into the Celery tasks
sent during the request (a task header), so the worker's log lines of that task carry it
too. One access log line per request (`feedloop.access`) says what was served, by route
pattern rather than raw path, so that ids in URLs do not make every line unique.
"""

from __future__ import annotations

import contextvars
import logging
import re
import time
import uuid
from collections.abc import Callable
from typing import Any

from celery.signals import before_task_publish, task_postrun, task_prerun
from django.core.signals import request_finished
from django.http import HttpRequest, HttpResponse

from config import instruments

HEADER = "X-Request-ID"
# The Celery message header that carries the id into a task.
TASK_HEADER = "feedloop_request_id"
# What an incoming id may look like: short, printable, nothing a log reader could trip on.
SANE_ID = re.compile(r"[A-Za-z0-9._:@/+=-]{1,128}")

request_id: contextvars.ContextVar[str | None] = contextvars.ContextVar("request_id", default=None)
access_log = logging.getLogger("feedloop.access")
task_log = logging.getLogger("feedloop.tasks")


class RequestIdFilter(logging.Filter):
    """Put the current request's (or task's) id on every record, as `request_id`."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = request_id.get()
        return True


def incoming_or_new(value: str | None) -> str:
    """The caller's id when it looks sane, else a fresh one."""
    if value and SANE_ID.fullmatch(value):
        return value
    return uuid.uuid4().hex


def route_of(request: HttpRequest) -> str:
    """The URL pattern that served the request ("api/v1/datasets/<uuid:dataset_id>"),
    or "unmatched": never the raw path, which holds ids."""
    match = getattr(request, "resolver_match", None)
    return match.route if match is not None and match.route else "unmatched"


class RequestIdMiddleware:
    """Tag the request with its id, write the access log line and time the request."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> Any:
        rid = incoming_or_new(request.headers.get(HEADER))
        # Kept until the response is closed (request_finished): Django logs a 4xx or
        # 5xx answer after the middleware has returned it.
        request_id.set(rid)
        started = time.perf_counter()
        response = self.get_response(request)
        response[HEADER] = rid
        seconds = time.perf_counter() - started
        route = route_of(request)
        instruments.observe_request(
            method=request.method or "", route=route, status=response.status_code, seconds=seconds
        )
        user = getattr(request, "user", None)
        access_log.info(
            "%s %s %s",
            request.method,
            route,
            response.status_code,
            extra={
                "method": request.method,
                "route": route,
                "status": response.status_code,
                "duration_ms": round(seconds * 1000, 1),
                "user_id": user.pk if user is not None and user.is_authenticated else None,
            },
        )
        return response


@request_finished.connect
def _forget_request_id(**_: Any) -> None:
    request_id.set(None)


@before_task_publish.connect
def _carry_request_id(headers: dict | None = None, **_: Any) -> None:
    rid = request_id.get()
    if rid and headers is not None:
        headers[TASK_HEADER] = rid


_task_tokens: dict[str, tuple[contextvars.Token, float]] = {}


@task_prerun.connect
def _adopt_request_id(task_id: str = "", task: Any = None, **_: Any) -> None:
    name = getattr(task, "name", None)
    rid = getattr(task.request, TASK_HEADER, None) if task is not None else None
    # A task run in-process (no broker) keeps the id of the request that ran it.
    token = request_id.set(rid or request_id.get())
    _task_tokens[task_id] = (token, time.perf_counter())
    task_log.info("task %s started", name, extra={"task": name, "task_id": task_id})


@task_postrun.connect
def _drop_request_id(task_id: str = "", task: Any = None, state: str | None = None, **_: Any) -> None:
    name = getattr(task, "name", None)
    token, started = _task_tokens.pop(task_id, (None, time.perf_counter()))
    duration_ms = round((time.perf_counter() - started) * 1000, 1)
    task_log.info(
        "task %s ended: %s",
        name,
        state,
        extra={"task": name, "task_id": task_id, "state": state, "duration_ms": duration_ms},
    )
    if token is not None:
        request_id.reset(token)
