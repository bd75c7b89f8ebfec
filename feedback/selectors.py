"""Read paths that encode rules: always start from what the user may see."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, Q, QuerySet

from feedback.models import Dataset, RecordStatus
from workspaces import access


def datasets_for_user(user: Any) -> QuerySet[Dataset]:
    """The datasets a user may see, with their workspace and record counts (one query)."""
    datasets = access.visible_datasets(user, Dataset.objects.all())
    return (
        datasets.select_related("workspace")
        .annotate(
            records_total=Count("records"),
            records_completed=Count("records", filter=Q(records__status=RecordStatus.COMPLETED)),
        )
        .order_by("workspace__name", "name")
    )
