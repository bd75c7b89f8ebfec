from __future__ import annotations

import uuid

from django.contrib.auth.models import AbstractUser
from django.db import models


class User(AbstractUser):
    """A person: organisation owner (superuser), workspace admin or labeler.

    Roles live on workspace memberships; `is_superuser` marks organisation owners.
    The primary key is a UUID because user ids appear in the API.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    inserted_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta(AbstractUser.Meta):
        swappable = "AUTH_USER_MODEL"
        constraints = [
            models.UniqueConstraint(
                models.functions.Lower("email"),
                condition=~models.Q(email=""),
                name="accounts_user_email_unique_ci",
            ),
        ]


class ApiKey(models.Model):
    """A per-user API key. Only a SHA-256 digest is stored; the key is shown once.

    Keys look like `fl_<prefix>_<secret>`: the prefix finds the row, the digest of the
    whole key is compared in constant time. The key may be limited to one workspace
    and/or to reading.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_keys")
    name = models.CharField(max_length=200)
    prefix = models.CharField(max_length=16, unique=True, editable=False)
    digest = models.CharField(max_length=64, editable=False)
    workspace = models.ForeignKey(
        "workspaces.Workspace",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        help_text="When set, the key reaches only this workspace.",
    )
    read_only = models.BooleanField(default=False)
    inserted_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True, editable=False)
    revoked_at = models.DateTimeField(null=True, blank=True, editable=False)
    expires_at = models.DateTimeField(
        null=True, blank=True, editable=False, help_text="After this the key no longer works (empty: never)."
    )

    class Meta:
        ordering = ["-inserted_at"]
        verbose_name = "API key"

    def __str__(self) -> str:
        return f"{self.name} (fl_{self.prefix}_…)"
