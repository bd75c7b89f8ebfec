"""Workspaces and memberships: the write paths."""

from __future__ import annotations

from functools import partial
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from config.db import unique_name
from workspaces import access
from workspaces.models import Membership, Role, Workspace


class WorkspaceError(ValueError):
    """The change is refused; `conflict` tells a clash with existing data from bad input."""

    def __init__(self, message: str, *, conflict: bool = False) -> None:
        super().__init__(message)
        self.conflict = conflict


@transaction.atomic
def workspace_create(*, name: str) -> Workspace:
    workspace = Workspace(name=name)
    try:
        workspace.full_clean(validate_unique=False)
    except ValidationError as error:
        raise WorkspaceError("; ".join(f"{k}: {' '.join(v)}" for k, v in error.message_dict.items())) from None
    with unique_name(f"a workspace named {name!r}", error=partial(WorkspaceError, conflict=True)):
        workspace.save()
    return workspace


@transaction.atomic
def workspace_delete(*, workspace: Workspace) -> None:
    """Delete an empty workspace; one that still holds datasets is refused."""
    if workspace.datasets.exists():  # type: ignore[attr-defined]
        raise WorkspaceError("the workspace still has datasets; delete them first", conflict=True)
    workspace.delete()


@transaction.atomic
def membership_add(*, workspace: Workspace, user: Any, role: Role | None = None) -> Membership:
    """Add `user` to `workspace` (idempotent). Without a role, staff users join as admins."""
    role = role or (Role.ADMIN if user.is_staff else Role.ANNOTATOR)
    membership, created = Membership.objects.get_or_create(workspace=workspace, user=user, defaults={"role": role})
    if not created and membership.role != role:
        membership.role = role
        membership.save(update_fields=["role", "updated_at"])
    access.roles_memo_forget(user)
    return membership


@transaction.atomic
def membership_remove(*, workspace: Workspace, user: Any) -> None:
    Membership.objects.filter(workspace=workspace, user=user).delete()
    access.roles_memo_forget(user)
