"""Per-request context: the caller's workspace roles, read once however many access checks
a request makes (`access.roles_memo_start`; API-key requests start the memo when the key
authenticates, in accounts.authentication), and who is acting for the audit log."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.urls import get_script_prefix, reverse

from workspaces import access, audit
from workspaces.models import AuditVia


def roles_memo_middleware(get_response: Callable[[HttpRequest], HttpResponse]) -> Callable[[HttpRequest], HttpResponse]:
    def middleware(request: HttpRequest) -> HttpResponse:
        # Only a session signs a request in: without its cookie there is no user to load.
        if request.COOKIES.get(settings.SESSION_COOKIE_NAME):
            access.roles_memo_start(request.user)  # this request's own user object
        return get_response(request)

    return middleware


def _via(path_info: str) -> str:
    if path_info.startswith("/api/"):
        return AuditVia.API
    # path_info leaves out the prefix a deployment may serve the site under; reverse() keeps it.
    if path_info.startswith(reverse("admin:index").removeprefix(get_script_prefix().rstrip("/"))):
        return AuditVia.ADMIN
    return AuditVia.PAGE


def audit_middleware(get_response: Callable[[HttpRequest], HttpResponse]) -> Callable[[HttpRequest], HttpResponse]:
    """Changes made while serving a request are the requester's, made through the admin,
    the API or a page (`workspaces.audit`)."""

    def middleware(request: HttpRequest) -> HttpResponse:
        with audit.acting(via=_via(request.path_info), request=request):
            return get_response(request)

    return middleware
