"""API rate limits per API key (DRF's throttling, counted in Django's cache).

Each key has its own allowance (`FEEDLOOP_API_RATE`, e.g. "100/second"), so a runaway
script spends its own key's budget, not its owner's other keys' or anyone else's; a
session caller (the pages' own API calls) counts per user, an anonymous one per address.
Over the limit: 429 with Retry-After and `{"detail": ...}`. Several web processes share
the count only through a shared cache (`DJANGO_CACHE_URL`)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from rest_framework.throttling import SimpleRateThrottle

from accounts.models import ApiKey


class ApiKeyRateThrottle(SimpleRateThrottle):
    scope = "api"

    def get_rate(self) -> str | None:
        # Read per request (not at import, as DRF's class attribute would), so the setting
        # can change without a restart in tests; empty means no limit.
        return settings.FEEDLOOP_API_RATE or None

    def get_cache_key(self, request: Any, view: Any) -> str | None:
        if isinstance(request.auth, ApiKey):
            ident = f"key:{request.auth.pk}"
        elif request.user and request.user.is_authenticated:
            ident = f"user:{request.user.pk}"
        else:
            ident = f"ip:{self.get_ident(request)}"
        return self.cache_format % {"scope": self.scope, "ident": ident}
