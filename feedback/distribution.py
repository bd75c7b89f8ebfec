"""Work distribution: which record a labeler gets next.

In order: the record they already hold (a live lease, else their oldest draft), else
the oldest pending record they have not answered whose submitted responses plus other
labelers' live leases are below the dataset's `min_submitted`. The pick locks the
record row with `FOR UPDATE SKIP LOCKED` (PostgreSQL), so concurrent labelers never
wait on each other and never take the same slot; the lease is written in the same
transaction. It reads the `submitted_count` kept by the response services and walks
the partial index of pending records: no counting of responses on the fly.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.db import transaction
from django.db.models import Count, Exists, F, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone

from feedback.models import Dataset, Record, RecordLease, RecordStatus, Response, ResponseStatus


def _held_record(dataset: Dataset, user: Any, now: Any) -> Record | None:
    answered = Response.objects.filter(record=OuterRef("pk"), user=user).exclude(status=ResponseStatus.DRAFT)
    leased = (
        Record.objects.filter(dataset=dataset, leases__user=user, leases__expires_at__gt=now)
        .exclude(Exists(answered))
        .order_by("-leases__expires_at")
        .first()
    )
    if leased is not None:
        return leased
    return (
        Record.objects.filter(dataset=dataset, responses__user=user, responses__status=ResponseStatus.DRAFT)
        .order_by("inserted_at", "id")
        .first()
    )


MAX_PICK_ATTEMPTS = 20


def _free_record(dataset: Dataset, user: Any, now: Any) -> Record | None:
    def other_live_leases() -> Subquery:
        return Subquery(
            RecordLease.objects.filter(record=OuterRef("pk"), expires_at__gt=now)
            .exclude(user=user)
            .values("record")
            .annotate(count=Count("*"))
            .values("count")
        )

    candidates = (
        Record.objects.filter(dataset=dataset, status=RecordStatus.PENDING)
        .exclude(Exists(Response.objects.filter(record=OuterRef("pk"), user=user)))
        .annotate(taken=F("submitted_count") + Coalesce(other_live_leases(), 0))
        .filter(taken__lt=dataset.min_submitted)
        .order_by("inserted_at", "id")
    )
    passed_over: list[Any] = []
    for _ in range(MAX_PICK_ATTEMPTS):
        record = candidates.exclude(pk__in=passed_over).select_for_update(skip_locked=True, of=("self",)).first()
        if record is None:
            return None
        # The pick's snapshot predates the row lock: a lease committed in between is not
        # in it. Count again now that the row is ours (a fresh statement sees it).
        taken = (
            Record.objects.filter(pk=record.pk, status=RecordStatus.PENDING)
            .annotate(taken=F("submitted_count") + Coalesce(other_live_leases(), 0))
            .values_list("taken", flat=True)
            .first()
        )
        if taken is not None and taken < dataset.min_submitted:
            return record
        passed_over.append(record.pk)
    return None


@transaction.atomic
def next_record(*, dataset: Dataset, user: Any) -> Record | None:
    """The record `user` should work on next in `dataset` (leased to them), or None."""
    now = timezone.now()
    record = _held_record(dataset, user, now) or _free_record(dataset, user, now)
    if record is None:
        return None
    lease = RecordLease(record=record, user=user, expires_at=now + timedelta(seconds=dataset.lease_seconds))
    RecordLease.objects.bulk_create(
        [lease], update_conflicts=True, unique_fields=["user", "record"], update_fields=["expires_at"]
    )
    return record


def release_lease(*, record: Record, user: Any) -> None:
    """Free the labeler's slot once they submitted or discarded (called by the services)."""
    RecordLease.objects.filter(record=record, user=user).delete()
