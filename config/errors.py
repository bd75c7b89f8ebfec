"""How the site answers when something fails outside the rules of a view.

* A database or broker that cannot be reached (`UNAVAILABLE`: the database refusing
  connections or dropping one, a Redis broker or cache that is down) is a 503 with a
  Retry-After header: `{"detail": ...}` under /api/, a short page elsewhere. The page is
  rendered without the request's context, which would need the database.
* Under /api/ every other error is JSON too: `{"detail": ...}` with 400, 403, 404 or 500,
  never Django's HTML pages (docs/api.md: errors are `{"detail": ...}`).

`ServiceUnavailableMiddleware` catches what views raise (DRF passes on what it does
not handle); the handlers below (set in config.urls) answer what is raised elsewhere,
in another middleware for example, and every other unhandled error.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable

import redis.exceptions
from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template.loader import render_to_string
from django.views import defaults
from kombu.exceptions import OperationalError as BrokerOperationalError

logger = logging.getLogger(__name__)

UNAVAILABLE = (
    OperationalError,
    InterfaceError,
    BrokerOperationalError,
    redis.exceptions.ConnectionError,
    redis.exceptions.TimeoutError,
)
RETRY_AFTER_SECONDS = 30


def _is_api(request: HttpRequest) -> bool:
    return request.path.startswith("/api/")


def unavailable(request: HttpRequest) -> HttpResponse:
    """The 503 answer: JSON under /api/, a short page elsewhere; both say when to retry."""
    response: HttpResponse
    if _is_api(request):
        response = JsonResponse(
            {"detail": "The service is temporarily unavailable (its database or task queue cannot be reached)."},
            status=503,
        )
    else:
        response = HttpResponse(render_to_string("503.html", {"retry_after": RETRY_AFTER_SECONDS}), status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


class ServiceUnavailableMiddleware:
    """A view that fails because the database or the broker cannot be reached answers 503."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not isinstance(exception, UNAVAILABLE):
            return None
        logger.warning("%s %s answered 503: %s", request.method, request.path, exception, exc_info=exception)
        return unavailable(request)


def server_error(request: HttpRequest) -> HttpResponse:
    """handler500: called while the unhandled exception is being handled."""
    if isinstance(sys.exc_info()[1], UNAVAILABLE):
        return unavailable(request)
    if _is_api(request):
        return JsonResponse({"detail": "Server error."}, status=500)
    return defaults.server_error(request)


def api_not_found(request: HttpRequest, *args: object, **kwargs: object) -> HttpResponse:
    """The last route under /api/: a JSON 404 even with DEBUG on, where Django would
    answer its own HTML page instead of calling handler404."""
    return JsonResponse({"detail": "Not found."}, status=404)


def not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    if _is_api(request):
        return JsonResponse({"detail": "Not found."}, status=404)
    return defaults.page_not_found(request, exception)


def bad_request(request: HttpRequest, exception: Exception) -> HttpResponse:
    if _is_api(request):
        return JsonResponse({"detail": "Bad request."}, status=400)
    return defaults.bad_request(request, exception)


def permission_denied(request: HttpRequest, exception: Exception) -> HttpResponse:
    if _is_api(request):
        return JsonResponse({"detail": "You do not have permission to perform this action."}, status=403)
    return defaults.permission_denied(request, exception)
