"""API keys: create (shown once), authenticate, revoke."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import timedelta
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from accounts.models import ApiKey, User
from workspaces import access, audit

KEY_PREFIX = "fl"
LAST_USED_RESOLUTION = timedelta(minutes=1)


class ApiKeyError(ValueError):
    """The key cannot be created as asked; the message says why, `field` about what."""

    def __init__(self, message: str, field: str = "") -> None:
        super().__init__(message)
        self.field = field


def _digest(key: str) -> str:
    # Keys carry ~190 bits of randomness, so a fast hash is enough (as for GitHub tokens).
    return hashlib.sha256(key.encode()).hexdigest()


@transaction.atomic
def api_key_create(
    *, user: User, name: str, workspace: Any | None = None, read_only: bool = False, expires_at: Any = None
) -> tuple[ApiKey, str]:
    """Create a key for `user`; returns the row and the key itself, which is never stored.

    A key limited to a workspace must name one the user belongs to (or any, for owners).
    A key with `expires_at` stops working then; it must lie in the future.
    """
    name = (name or "").strip()
    if not name or len(name) > 200:
        raise ApiKeyError("give the key a name of 1 to 200 characters", "name")
    if expires_at is not None and expires_at <= timezone.now():
        raise ApiKeyError("the expiry must lie in the future", "expires_at")
    if workspace is not None and not access.can_see_workspace(user, workspace):
        raise ApiKeyError("no such workspace", "workspace_id")
    prefix = secrets.token_hex(4)
    key = f"{KEY_PREFIX}_{prefix}_{secrets.token_urlsafe(24)}"
    api_key = ApiKey.objects.create(
        user=user,
        name=name,
        prefix=prefix,
        digest=_digest(key),
        workspace=workspace,
        read_only=read_only,
        expires_at=expires_at,
    )
    audit.created(
        api_key,
        verb="key created",
        fields=("user_id", "name", "prefix", "digest", "workspace_id", "read_only", "expires_at"),
        workspace_id=api_key.workspace_id,
        label=_key_label(api_key, user),
        secret=["digest"],
    )
    return api_key, key


def api_key_authenticate(key: str) -> ApiKey | None:
    """The live key matching `key` (not revoked, not expired, its user active), or None.
    Records when it was used."""
    parts = key.split("_")
    if len(parts) < 3 or parts[0] != KEY_PREFIX:
        return None
    now = timezone.now()
    api_key = (
        ApiKey.objects.select_related("user")
        .filter(Q(expires_at__isnull=True) | Q(expires_at__gt=now), prefix=parts[1], revoked_at__isnull=True)
        .first()
    )
    if api_key is None or not hmac.compare_digest(api_key.digest, _digest(key)):
        return None
    if not api_key.user.is_active:
        return None
    if api_key.last_used_at is None or api_key.last_used_at < now - LAST_USED_RESOLUTION:
        ApiKey.objects.filter(pk=api_key.pk).update(last_used_at=now)
        api_key.last_used_at = now
    return api_key


@transaction.atomic
def api_key_revoke(*, api_key: ApiKey) -> ApiKey:
    """Revoke a key for good; revoking twice changes nothing."""
    if api_key.revoked_at is None:
        before = audit.snapshot(api_key, ["revoked_at"])
        api_key.revoked_at = timezone.now()
        api_key.save(update_fields=["revoked_at"])
        audit.updated(api_key, before, verb="key revoked", workspace_id=api_key.workspace_id, label=_key_label(api_key))
    return api_key


def _key_label(api_key: ApiKey, user: User | None = None) -> str:
    return f"{api_key.name} (fl_{api_key.prefix}_…) of {(user or api_key.user).username}"
