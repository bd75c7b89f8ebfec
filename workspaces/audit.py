"""The audit log: who changed what, recorded by the write services themselves.

Each service that changes a workspace, a membership, a per-dataset grant, a person, a
dataset or its schema, a webhook, an API key, or starts a job calls `created`, `updated`,
`deleted` (or `record`) here once, inside its own transaction: the admin, the API and
the pages all reach the change through that service, so each change is recorded once
whatever the adapter, and a write that rolls back leaves no entry.

Who made the change and through what come from the request being served
(`audit_middleware` in `workspaces.middleware` sets them with `acting`); anything outside a
request (Celery tasks, management commands) is the system's. Secret fields (a webhook's
signing secret, an API key's digest) are named in `secret` and recorded only as "changed".
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.db.models import Model

from workspaces.models import AuditAction, AuditEntry, AuditVia

SECRET_CHANGED = "changed"  # noqa: S105 (what is recorded in place of a secret)


@dataclass(frozen=True)
class _Acting:
    via: str
    request: Any = None

    def actor(self) -> Any:
        # Read when the change is recorded, not when the request starts: the API
        # authenticates its key inside the view (DRF sets the request's user then).
        user = getattr(self.request, "user", None)
        return user if user is not None and user.is_authenticated else None


_acting: ContextVar[_Acting | None] = ContextVar("feedloop_audit_acting", default=None)


@contextmanager
def acting(*, via: str, request: Any = None) -> Iterator[None]:
    """Changes made inside are recorded as made through `via` by `request`'s user."""
    token = _acting.set(_Acting(AuditVia(via), request))
    try:
        yield
    finally:
        _acting.reset(token)


def _plain(value: Any) -> Any:
    """The value as JSON holds it (dates, decimals and UUIDs as text)."""
    return json.loads(json.dumps(value, cls=DjangoJSONEncoder))


def snapshot(obj: Model, fields: Iterable[str]) -> dict[str, Any]:
    """The named fields' values now, to compare with after a change (`updated`)."""
    return {name: _plain(getattr(obj, name)) for name in fields}


def _changes(before: Mapping[str, Any], after: Mapping[str, Any], secret: Iterable[str]) -> dict[str, Any]:
    secret = set(secret)
    return {
        name: SECRET_CHANGED if name in secret else [before.get(name), after.get(name)]
        for name in sorted(set(before) | set(after))
        if before.get(name) != after.get(name)
    }


def record(
    obj: Model, *, action: str, verb: str, workspace_id: Any, changes: dict[str, Any], label: str | None = None
) -> AuditEntry:
    """Write one entry as it is given; `created`, `updated` and `deleted` compute the
    changes from the object, this is for changes that are not its fields (a grant)."""
    acting = _acting.get() or _Acting(AuditVia.SYSTEM)
    actor = acting.actor()
    return AuditEntry.objects.create(
        actor_id=getattr(actor, "pk", None),
        actor_label=getattr(actor, "username", "") if actor is not None else "",
        via=acting.via,
        action=action,
        verb=verb,
        object_type=str(obj._meta.verbose_name),
        object_id=str(obj.pk),
        object_label=(str(obj) if label is None else label)[:300],
        workspace_id=workspace_id,
        changes=changes,
    )


def created(obj: Model, **details: Any) -> AuditEntry:
    """Record that `obj` was created, with its `fields` as [None, value] (`_whole`)."""
    return _whole(obj, AuditAction.CREATED, **details)


def updated(
    obj: Model,
    before: Mapping[str, Any],
    *,
    verb: str,
    workspace_id: Any,
    label: str | None = None,
    secret: Iterable[str] = (),
) -> AuditEntry | None:
    """Record the fields of `before` (a `snapshot`) that `obj` now holds differently;
    a change that changed nothing is not recorded."""
    changes = _changes(before, snapshot(obj, before), secret)
    if not changes:
        return None
    return record(obj, action=AuditAction.UPDATED, verb=verb, workspace_id=workspace_id, label=label, changes=changes)


def deleted(obj: Model, **details: Any) -> AuditEntry:
    """Record that `obj` is being deleted, with its `fields` as [value, None] (`_whole`).
    Call it before the delete, while the object still has its id."""
    return _whole(obj, AuditAction.DELETED, **details)


def _whole(
    obj: Model,
    action: str,
    *,
    verb: str,
    fields: Iterable[str],
    workspace_id: Any,
    label: str | None = None,
    secret: Iterable[str] = (),
) -> AuditEntry:
    """An object that appears or goes: its `fields` against nothing; `label` defaults to
    `str(obj)`, `secret` names fields recorded only as "changed"."""
    values = snapshot(obj, fields)
    before, after = ({}, values) if action == AuditAction.CREATED else (values, {})
    changes = _changes(before, after, secret)
    return record(obj, action=action, verb=verb, workspace_id=workspace_id, label=label, changes=changes)
