"""DRF authentication by API key: `X-Argilla-Api-Key: <key>` or `Authorization: Bearer <key>`."""

from __future__ import annotations

from typing import Any

from rest_framework.authentication import BaseAuthentication
from rest_framework.exceptions import AuthenticationFailed
from rest_framework.request import Request

from accounts.api_keys import api_key_authenticate
from workspaces import access


def _key_from(request: Request) -> str | None:
    key = request.META.get("HTTP_X_ARGILLA_API_KEY")
    if key:
        return key.strip()
    header = request.META.get("HTTP_AUTHORIZATION", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() == "bearer" and value.strip():
        return value.strip()
    return None


class ApiKeyAuthentication(BaseAuthentication):
    """A key that is present but wrong, revoked or of an inactive user is a 401."""

    def authenticate(self, request: Request) -> tuple[Any, Any] | None:
        key = _key_from(request)
        if key is None:
            return None
        api_key = api_key_authenticate(key)
        if api_key is None:
            raise AuthenticationFailed("Invalid or revoked API key.")
        # The user row was read for this request alone, so its roles may be memoised.
        access.roles_memo_start(api_key.user)
        return api_key.user, api_key

    def authenticate_header(self, request: Request) -> str:
        # Makes DRF answer 401 (not 403) when credentials are missing.
        return 'Bearer realm="api"'
