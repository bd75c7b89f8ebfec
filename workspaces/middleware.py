"""Each signed-in request reads a caller's workspace role once, however many access
checks it makes (`access.roles_memo_start`). API-key requests start the memo when the
key authenticates (accounts.authentication); this does it for session requests."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse

from workspaces import access


def roles_memo_middleware(get_response: Callable[[HttpRequest], HttpResponse]) -> Callable[[HttpRequest], HttpResponse]:
    def middleware(request: HttpRequest) -> HttpResponse:
        # Only a session signs a request in: without its cookie there is no user to load.
        if request.COOKIES.get(settings.SESSION_COOKIE_NAME):
            access.roles_memo_start(request.user)  # this request's own user object
        return get_response(request)

    return middleware
