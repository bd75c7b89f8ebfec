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
