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

from config.db import writing
from feedback import distribution, gold
from feedback.models import Dataset, Record, RecordLease, Response

# The lease statements run on every `next` and every answer: written in SQL, as the ORM
# spent more CPU building them than the database running them.
_LEASE_UPSERT = f"""
INSERT INTO {RecordLease._meta.db_table} (record_id, user_id, expires_at, skipped_at) VALUES (%s, %s, %s, %s)
ON CONFLICT (user_id, record_id)
DO UPDATE SET expires_at = excluded.expires_at, skipped_at = excluded.skipped_at"""  # noqa: S608
_LEASES_END = f"DELETE FROM {RecordLease._meta.db_table} WHERE user_id = %s AND record_id IN ({{records}})"  # noqa: S608


def _db(connection: Any, field: str, value: Any) -> Any:
    """A lease column's value as the database takes it (UUIDs as text on SQLite)."""
    return RecordLease._meta.get_field(field).get_db_prep_value(value, connection)


def _lease_upsert(record_id: Any, user_id: Any, *, expires_at: Any, skipped_at: Any) -> None:
    connection = writing(RecordLease)
    with connection.cursor() as cursor:
        cursor.execute(
            _LEASE_UPSERT,
            [
                _db(connection, "record", record_id),
                _db(connection, "user", user_id),
                connection.ops.adapt_datetimefield_value(expires_at),
                connection.ops.adapt_datetimefield_value(skipped_at),
            ],
        )


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
    _lease_upsert(record.pk, user.pk, expires_at=now + timedelta(seconds=dataset.lease_seconds), skipped_at=None)
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
    _lease_upsert(record.pk, user.pk, expires_at=now, skipped_at=now)


def leases_end(*, pairs: Iterable[tuple[Any, Any]]) -> None:
    """End the leases of these (record id, user id) pairs: their holders answered.
    Call inside the transaction that wrote the answers, with the records locked."""
    by_user: dict[Any, list[Any]] = {}
    for record_id, user_id in pairs:
        by_user.setdefault(user_id, []).append(record_id)
    connection = writing(RecordLease)
    for user_id, record_ids in by_user.items():
        with connection.cursor() as cursor:
            cursor.execute(
                _LEASES_END.format(records=", ".join(["%s"] * len(record_ids))),
                [_db(connection, "user", user_id), *(_db(connection, "record", pk) for pk in record_ids)],
            )


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
