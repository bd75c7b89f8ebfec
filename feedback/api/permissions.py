"""The API's gate: authenticated, and read-only keys only read. Object rules are in
`workspaces.access`, applied by `feedback.api.lookups`."""

from __future__ import annotations

from typing import Any

from rest_framework.permissions import SAFE_METHODS, BasePermission
from rest_framework.request import Request

from accounts.models import ApiKey


class ApiAccess(BasePermission):
    message = "This API key is read-only."

    def has_permission(self, request: Request, view: Any) -> bool:
        if not (request.user and request.user.is_authenticated and request.user.is_active):
            return False
        key = request.auth
        return not (isinstance(key, ApiKey) and key.read_only and request.method not in SAFE_METHODS)
