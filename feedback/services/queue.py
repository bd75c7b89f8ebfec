"""The work queue: hand a labeler their next record, and end leases.

Leases are written here only (an import-linter contract keeps the adapters and the
other services from writing them): `queue_next` takes a lease on the record the
distribution rules pick, in the same transaction that locked it; `queue_skip` ends a
lease without an answer; `leases_end` ends a labeler's leases once they answered (the
response writer calls it); `leases_sweep`, run by Celery beat, deletes the rows that no
longer mean anything.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from django.db import transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from feedback import distribution, gold
from feedback.models import Dataset, Record, RecordLease, Response


@transaction.atomic
def queue_next(*, dataset: Dataset, user: Any) -> Record | None:
    """The record `user` should work on next in `dataset`, leased to them; or None (also
    while their gold answers have them paused: `gold.is_paused`). A record they take for
    the first time comes with `unanswered_by_user` true: no response of theirs to read."""
    if gold.is_paused(dataset, user):
        return None
    now = timezone.now()
    record = distribution.held_record(dataset, user, now)
    if record is None and (record := distribution.free_record(dataset, user, now)) is not None:
        record.unanswered_by_user = True  # the free picks take only records without their response
    record = record or distribution.skipped_draft(dataset, user)
    if record is None:
        return None
    # Taking a record again clears an earlier skip of it.
    lease = RecordLease(record=record, user=user, expires_at=now + timedelta(seconds=dataset.lease_seconds))
    RecordLease.objects.bulk_create(
        [lease], update_conflicts=True, unique_fields=["user", "record"], update_fields=["expires_at", "skipped_at"]
    )
    return record


@transaction.atomic
def queue_skip(*, record: Record, user: Any) -> None:
    """`user` moves on from `record` without answering: nothing is stored or discarded
    (a draft stays as it was). The lease is released, not kept: the slot goes back to
    the other labelers at once rather than idling until it expires, and a kept lease
    would make `next` hand the same record straight back. The skip is remembered on
    the lease row instead, and the distribution rules hand a skipped record (or draft)
    back to its skipper only after every record they did not skip."""
    now = timezone.now()
    Record.objects.select_for_update(of=("self",)).filter(pk=record.pk).first()  # serialised with picks and writes
    lease = RecordLease(record=record, user=user, expires_at=now, skipped_at=now)
    RecordLease.objects.bulk_create(
        [lease], update_conflicts=True, unique_fields=["user", "record"], update_fields=["expires_at", "skipped_at"]
    )


def leases_end(*, pairs: Iterable[tuple[Any, Any]]) -> None:
    """End the leases of these (record id, user id) pairs: their holders answered.
    Call inside the transaction that wrote the answers, with the records locked."""
    by_user: dict[Any, list[Any]] = {}
    for record_id, user_id in pairs:
        by_user.setdefault(user_id, []).append(record_id)
    for user_id, record_ids in by_user.items():
        RecordLease.objects.filter(user_id=user_id, record_id__in=record_ids).delete()


def leases_sweep(*, now: datetime | None = None) -> int:
    """Delete the lease rows that no longer mean anything, so the table stays the size of
    the work in hand; returns how many. A lease that expired unanswered holds no slot and
    is not held (`feedback.distribution`), so the queue hands out the same records
    without it. Two kinds of expired lease still mean something and are kept: a skip
    (`skipped_at`), which sets the record aside for its skipper, and a lease on a gold
    record the labeler never answered, which is what says it was handed to them once."""
    now = now or timezone.now()
    answered = Exists(Response.objects.filter(record=OuterRef("record"), user=OuterRef("user")))
    expired = RecordLease.objects.filter(expires_at__lt=now, skipped_at=None)
    meaningless = expired.filter(Q(record__gold__isnull=True) | answered)
    # Expiry and skip stated on the deleted rows themselves, so PostgreSQL checks them
    # again on a row `queue_next` renews meanwhile (and keeps it).
    deleted, _ = expired.filter(pk__in=meaningless.values("pk")).delete()
    return deleted
