from __future__ import annotations

import uuid

from django.conf import settings
from django.core.validators import RegexValidator
from django.db import models

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
