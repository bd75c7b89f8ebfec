"""The work queue: hand a labeler their next record, and end leases.

Leases are written here only (an import-linter contract keeps the adapters and the
other services from writing them): `queue_next` takes a lease on the record the
distribution rules pick, in the same transaction that locked it; `queue_skip` ends a
lease without an answer; `leases_end` ends a labeler's leases once they answered (the
response writer calls it).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone

from feedback import distribution, gold
from feedback.models import Dataset, Record, RecordLease


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
