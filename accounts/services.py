"""People: create, change and delete users (the organisation owners' job)."""

from __future__ import annotations

from functools import partial
from typing import Any

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import ProtectedError

from accounts.models import User
from config.db import unique_name
from workspaces import audit

ROLES = ("owner", "admin", "annotator")
# What the audit log records of a person; the password (its hash) only as "changed".
# People are organisation-wide, so their entries belong to no workspace (owners see them).
USER_AUDITED = ("username", "first_name", "last_name", "email", "is_active", "is_staff", "is_superuser", "password")


class UserError(ValueError):
    def __init__(self, message: str, *, conflict: bool = False) -> None:
        super().__init__(message)
        self.conflict = conflict


def _role_of(user: User) -> str:
    return "owner" if user.is_superuser else "admin" if user.is_staff else "annotator"


def _apply_role(user: User, role: str) -> None:
    if role not in ROLES:
        raise UserError(f"role must be one of {list(ROLES)}")
    # Owners are superusers; admins are staff (they join workspaces as admins).
    user.is_superuser = role == "owner"
    user.is_staff = role in ("owner", "admin")


def _validate(user: User, password: str | None) -> None:
    try:
        user.full_clean(exclude=["password"], validate_unique=False)
        if password is not None:
            validate_password(password, user)
    except ValidationError as error:
        messages = error.message_dict if hasattr(error, "error_dict") else {"password": error.messages}
        raise UserError("; ".join(f"{k}: {' '.join(v)}" for k, v in messages.items())) from None


@transaction.atomic
def user_create(
    *,
    username: str,
    password: str,
    role: str = "annotator",
    first_name: str = "",
    last_name: str = "",
    email: str = "",
) -> User:
    user = User(username=username, first_name=first_name or "", last_name=last_name or "", email=email or "")
    _apply_role(user, role)
    _validate(user, password)
    user.set_password(password)
    with unique_name(f"a user named {username!r}", error=partial(UserError, conflict=True)):
        user.save()
    _audit_created(user)
    return user


@transaction.atomic
def user_update(*, user: User, actor: User | None = None, **changes: Any) -> User:
    """Change a user. Nobody changes their own role (an owner cannot lock themselves out)."""
    password = changes.pop("password", None)
    role = changes.pop("role", None)
    before = audit.snapshot(User.objects.get(pk=user.pk), USER_AUDITED)
    if actor is not None and actor.pk == user.pk and role is not None and role != _role_of(user):
        raise UserError("you cannot change your own role", conflict=True)
    for key in ("username", "first_name", "last_name", "email"):
        if key in changes and changes[key] is not None:
            setattr(user, key, changes[key])
    if role is not None:
        _apply_role(user, role)
    _validate(user, password)
    if password is not None:
        user.set_password(password)
    with unique_name(f"a user named {user.username!r}", error=partial(UserError, conflict=True)):
        user.save()
    audit.updated(user, before, verb="person changed", workspace_id=None, secret=["password"])
    return user


@transaction.atomic
def user_save(*, user: User) -> User:
    """Save a person whose fields a form has set (the admin's user forms), recording what
    changed; `user_create` and `user_update` are the checked paths for everything else."""
    if user._state.adding:
        user.save()
        _audit_created(user)
        return user
    before = audit.snapshot(User.objects.get(pk=user.pk), USER_AUDITED)
    user.save()
    audit.updated(user, before, verb="person changed", workspace_id=None, secret=["password"])
    return user


def _audit_created(user: User) -> None:
    audit.created(user, verb="person created", fields=USER_AUDITED, workspace_id=None, secret=["password"])


@transaction.atomic
def user_delete(*, user: User, actor: User | None = None) -> None:
    """Delete a user who has given no responses; otherwise deactivate them instead.
    Nobody deletes their own account this way."""
    if actor is not None and actor.pk == user.pk:
        raise UserError("you cannot delete your own account", conflict=True)
    try:
        with transaction.atomic():
            audit.deleted(user, verb="person deleted", fields=["username", "email"], workspace_id=None)
            user.delete()
    except ProtectedError:
        raise UserError("the user has responses; deactivate them instead of deleting", conflict=True) from None
