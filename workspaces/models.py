from __future__ import annotations

import uuid

from django.conf import settings
from django.core.validators import RegexValidator
from django.db import models
from django.utils import timezone

# The Argilla wire format restricts workspace names to this pattern.
WORKSPACE_NAME_PATTERN = r"^(?!-|_)[a-z0-9-_]+$"


class Role(models.TextChoices):
    ADMIN = "admin", "Admin"
    ANNOTATOR = "annotator", "Annotator"


class Workspace(models.Model):
    """The tenant. Every dataset belongs to exactly one workspace."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    name = models.CharField(
        max_length=200,
        unique=True,
        validators=[
            RegexValidator(
                WORKSPACE_NAME_PATTERN,
                "Use lowercase letters, digits, '-' and '_', not starting with '-' or '_'.",
            )
        ],
    )
    inserted_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Membership(models.Model):
    """A user's role in one workspace: the tenant boundary."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=16, choices=Role.choices, default=Role.ANNOTATOR)
    inserted_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            # user first: "which workspaces is this user in" is the hot lookup.
            models.UniqueConstraint(fields=["user", "workspace"], name="membership_unique_user_workspace"),
        ]
        indexes = [models.Index(fields=["workspace", "role"], name="membership_workspace_role")]

    def __str__(self) -> str:
        return f"{self.user} in {self.workspace} ({self.role})"


class AuditVia(models.TextChoices):
    """Where a change came from."""

    ADMIN = "admin", "Admin"
    API = "api", "API"
    PAGE = "page", "Page"
    SYSTEM = "system", "System"


class AuditAction(models.TextChoices):
    CREATED = "created", "Created"
    UPDATED = "updated", "Updated"
    DELETED = "deleted", "Deleted"


class AuditEntry(models.Model):
    """One change to a workspace, membership, dataset, schema item, webhook, API key or job:
    who made it, through what, and the fields it changed as `{field: [old, new]}` (a secret
    only as "changed"). Written by `workspaces.audit` in the transaction of the change.

    The actor and the workspace are kept as ids without a database constraint, so deleting
    a person or a workspace leaves its history as it was (`actor_label` keeps the name)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    at = models.DateTimeField(default=timezone.now, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
    )
    actor_label = models.CharField("actor name", max_length=150, blank=True)
    via = models.CharField(max_length=16, choices=AuditVia.choices)
    action = models.CharField(max_length=16, choices=AuditAction.choices)
    verb = models.CharField(max_length=100)
    object_type = models.CharField(max_length=100)
    object_id = models.CharField(max_length=64)
    object_label = models.CharField(max_length=300, blank=True)
    workspace = models.ForeignKey(
        Workspace, null=True, blank=True, on_delete=models.DO_NOTHING, db_constraint=False, related_name="+"
    )
    changes = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-at"]
        verbose_name_plural = "audit entries"
        indexes = [
            models.Index(fields=["workspace", "-at"], name="audit_workspace_at"),
            models.Index(fields=["object_type", "object_id"], name="audit_object"),
        ]

    def __str__(self) -> str:
        return f"{self.verb}: {self.object_label}"
