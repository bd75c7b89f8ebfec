"""API keys: create (shown once), authenticate, revoke."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import timedelta
from typing import Any

from django.db import connections, transaction
from django.utils import timezone

from accounts.models import ApiKey, User
from config.db import Columns
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


_KEY = Columns(ApiKey, "k")
_USER = Columns(User, "u")
# Every API request runs it, so it is written in SQL (see `Columns`); only the models'
# own column and table names are put into it, the values go as parameters.
_LIVE_KEY = f"""
SELECT {_KEY.select}, {_USER.select}
FROM {ApiKey._meta.db_table} k JOIN {User._meta.db_table} u ON u.id = k.user_id
WHERE k.prefix = %s AND k.revoked_at IS NULL AND (k.expires_at IS NULL OR k.expires_at > %s)
LIMIT 1"""  # noqa: S608


def api_key_authenticate(key: str) -> ApiKey | None:
    """The live key matching `key` (not revoked, not expired, its user active), or None.
    Records when it was used."""
    parts = key.split("_")
    if len(parts) < 3 or parts[0] != KEY_PREFIX:
        return None
    now = timezone.now()
    connection = connections[ApiKey.objects.db]
    with connection.cursor() as cursor:
        cursor.execute(_LIVE_KEY, [parts[1], connection.ops.adapt_datetimefield_value(now)])
        row = cursor.fetchone()
    if row is None:
        return None
    api_key = _KEY.read(connection, row)
    if not hmac.compare_digest(api_key.digest, _digest(key)):
        return None
    api_key.user = _USER.read(connection, row, len(_KEY))
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
