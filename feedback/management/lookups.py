"""What the data commands look up from their arguments, with a clear error when it is wrong."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import CommandError

from feedback.models import Dataset


def dataset_by_id(dataset_id: str) -> Dataset:
    try:
        pk = uuid.UUID(dataset_id)
    except ValueError:
        raise CommandError(f"{dataset_id!r} is not a dataset id") from None
    dataset = Dataset.objects.filter(pk=pk).first()
    if dataset is None:
        raise CommandError(f"no dataset with id {dataset_id}")
    return dataset


def acting_user(username: str | None, dataset: Dataset, may: Callable[[Any, Dataset], bool], doing: str) -> Any:
    """The user named to record as the job's creator (None when no one is named), who
    must be allowed to do this (`may`, a rule of `workspaces.access`)."""
    if username is None:
        return None
    user = get_user_model().objects.filter(username=username).first()
    if user is None:
        raise CommandError(f"no user named {username!r}")
    if not may(user, dataset):
        raise CommandError(f"{username!r} may not {doing} (workspace admins only)")
    return user
