"""Workspaces and memberships: the write paths."""

from __future__ import annotations

from functools import partial
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from config.db import unique_name
from workspaces import access, audit
from workspaces.models import Membership, Role, Workspace


class WorkspaceError(ValueError):
    """The change is refused; `conflict` tells a clash with existing data from bad input."""

    def __init__(self, message: str, *, conflict: bool = False) -> None:
        super().__init__(message)
        self.conflict = conflict


def _save(workspace: Workspace) -> None:
    try:
        workspace.full_clean(validate_unique=False)
    except ValidationError as error:
        raise WorkspaceError("; ".join(f"{k}: {' '.join(v)}" for k, v in error.message_dict.items())) from None
    with unique_name(f"a workspace named {workspace.name!r}", error=partial(WorkspaceError, conflict=True)):
        workspace.save()


@transaction.atomic
def workspace_create(*, name: str) -> Workspace:
    workspace = Workspace(name=name)
    _save(workspace)
    audit.created(workspace, verb="workspace created", fields=["name"], workspace_id=workspace.pk)
    return workspace


@transaction.atomic
def workspace_rename(*, workspace: Workspace, name: str) -> Workspace:
    # Read again: the admin hands over its form's object with the new name already set.
    workspace = Workspace.objects.select_for_update().get(pk=workspace.pk)
    before = audit.snapshot(workspace, ["name"])
    workspace.name = name
    _save(workspace)
    audit.updated(workspace, before, verb="workspace renamed", workspace_id=workspace.pk)
    return workspace


@transaction.atomic
def workspace_delete(*, workspace: Workspace) -> None:
    """Delete an empty workspace; one that still holds datasets is refused."""
    if workspace.datasets.exists():  # type: ignore[attr-defined]
        raise WorkspaceError("the workspace still has datasets; delete them first", conflict=True)
    audit.deleted(workspace, verb="workspace deleted", fields=["name"], workspace_id=workspace.pk)
    workspace.delete()


@transaction.atomic
def membership_add(*, workspace: Workspace, user: Any, role: Role | None = None) -> Membership:
    """Add `user` to `workspace` (idempotent). Without a role, staff users join as admins."""
    role = role or (Role.ADMIN if user.is_staff else Role.ANNOTATOR)
    membership, created = Membership.objects.get_or_create(workspace=workspace, user=user, defaults={"role": role})
    label = _membership_label(workspace, user)
    if created:
        audit.created(membership, verb="member added", fields=["role"], workspace_id=workspace.pk, label=label)
    elif membership.role != role:
        before = audit.snapshot(membership, ["role"])
        membership.role = role
        membership.save(update_fields=["role", "updated_at"])
        audit.updated(membership, before, verb="role changed", workspace_id=workspace.pk, label=label)
    access.roles_memo_forget(user)
    return membership


@transaction.atomic
def membership_remove(*, workspace: Workspace, user: Any) -> None:
    for membership in Membership.objects.filter(workspace=workspace, user=user):
        audit.deleted(
            membership,
            verb="member removed",
            fields=["role"],
            workspace_id=workspace.pk,
            label=_membership_label(workspace, user),
        )
        membership.delete()
    access.roles_memo_forget(user)


def _membership_label(workspace: Workspace, user: Any) -> str:
    return f"{user.username} in {workspace.name}"
