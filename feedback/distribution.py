"""Work distribution rules: which record a labeler may take next.

In order: the record they already hold (a live lease, else their oldest draft), else
the oldest pending record they have not answered whose submitted responses plus other
labelers' live leases are below the dataset's `min_submitted`, else a draft they
skipped.

A skip (`RecordLease.skipped_at`) ends the labeler's lease at once, so the slot is free
for others, and sets the record aside for the skipper: a skipped record comes after
every record they never skipped, oldest skip first, and a skipped draft is no longer
held (until they save it again). So `next` after a skip never hands the same record
straight back unless nothing else is left. A skipped gold record is not handed again
(each gold record is handed at most once). A lease counts only
while its holder has not answered the record (a submitted or discarded response ends
it), so a lease left behind by a race can never hold a slot.

Gold records (`Record.gold` set) are mixed in at the dataset's `gold_rate`, on a
schedule that keeps each labeler's gold share within one record of the rate at every
point (`gold_turn`); they take no overlap slot and a labeler is handed each gold
record at most once. Normal picks never hand out gold records.

Both picks return the record row locked (`FOR UPDATE`): response writes lock the same
row first, so a pick and a submission of the same record are serialised and the pick
re-checks, under the lock, that the labeler has not answered it meanwhile. Free records
are taken with `SKIP LOCKED` (PostgreSQL), so concurrent labelers never wait on each
other and never take the same slot. Leases themselves are written by the queue service
(`feedback.services.queue`), in the pick's transaction.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from typing import Any

from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Subquery

from config.db import writing
from feedback.models import Dataset, Record, RecordLease, RecordStatus, Response, ResponseStatus

MAX_PICK_ATTEMPTS = 20


def answered_by(user: Any) -> QuerySet[Response]:
    """The user's responses that end their work on a record (submitted or discarded);
    filter by `record` to ask about one record."""
    return Response.objects.filter(user=user).exclude(status=ResponseStatus.DRAFT)


def _locked_if_unanswered(record_id: Any, user: Any) -> Record | None:
    """The record, locked, if `user` still has not answered it (checked after the lock,
    so a submission that committed meanwhile is seen)."""
    record = Record.objects.select_for_update(of=("self",)).filter(pk=record_id).first()
    if record is None or answered_by(user).filter(record=record).exists():
        return None
    return record


# Written in SQL for the same reason as the normal pick below: it runs on every `next`.
_HELD = """
SELECT record_id FROM (
    SELECT l.record_id, l.expires_at AS held_until, r.inserted_at AS since
    FROM feedback_recordlease l JOIN feedback_record r ON r.id = l.record_id
    WHERE r.dataset_id = %(dataset)s AND l.user_id = %(user)s AND l.expires_at > %(now)s
      AND NOT EXISTS (
          SELECT 1 FROM feedback_response a
          WHERE a.record_id = l.record_id AND a.user_id = %(user)s AND a.status <> %(draft)s)
    UNION ALL
    SELECT d.record_id, NULL, r.inserted_at
    FROM feedback_response d JOIN feedback_record r ON r.id = d.record_id
    WHERE r.dataset_id = %(dataset)s AND d.user_id = %(user)s AND d.status = %(draft)s
      AND NOT EXISTS (
          SELECT 1 FROM feedback_recordlease s
          WHERE s.record_id = d.record_id AND s.user_id = %(user)s AND s.skipped_at >= d.updated_at)
) held
ORDER BY held_until DESC NULLS LAST, since, record_id
LIMIT %(attempts)s"""


def held_record(dataset: Dataset, user: Any, now: Any) -> Record | None:
    """The record `user` is working on (their live lease, else their oldest draft that
    they did not skip since they saved it), locked. Both kinds of candidate come in one
    statement: leases first, the latest expiry first, then drafts by their record's age."""
    connection = writing(Record)
    with connection.cursor() as cursor:
        cursor.execute(_HELD, {**_sql_params(connection, dataset, user, now), "attempts": MAX_PICK_ATTEMPTS})
        candidates = [record_id for (record_id,) in cursor.fetchall()]
    for record_id in candidates:
        record = _locked_if_unanswered(record_id, user)
        if record is not None:
            return record
    return None


def _skipped_since_saved(user: Any) -> QuerySet[RecordLease]:
    """`user`'s skips of the outer draft's record made after the draft was last saved."""
    return RecordLease.objects.filter(record=OuterRef("record"), user=user, skipped_at__gte=OuterRef("updated_at"))


def skipped_draft(dataset: Dataset, user: Any) -> Record | None:
    """The record of the draft `user` skipped longest ago, locked: what `next` hands
    back once nothing else is left."""
    drafts = (
        Response.objects.filter(record__dataset=dataset, user=user, status=ResponseStatus.DRAFT)
        .filter(Exists(_skipped_since_saved(user)))
        .annotate(skipped=Subquery(_skipped_since_saved(user).values("skipped_at")[:1]))
        .order_by("skipped", "record__inserted_at", "record_id")
        .values_list("record_id", flat=True)
    )
    for record_id in drafts[:MAX_PICK_ATTEMPTS]:
        record = _locked_if_unanswered(record_id, user)
        if record is not None:
            return record
    return None


def gold_turn(dataset: Dataset, user: Any) -> bool:
    """Whether `user`'s next pick should be a gold record.

    With t records answered (any status) of which g are gold, and the rate r: gold when
    g < r·(t + 1) - u, u a uniform number in [0, 1) drawn from (user, dataset, t). Then
    g always stays within one of r·t (g < r·(t+1) - 1 forces gold, g ≥ r·(t+1) forbids
    it), while where in each stretch the gold record falls cannot be predicted: a labeler
    cannot count their way to the gold records. Deterministic, so it can be tested."""
    if dataset.gold_rate <= 0:
        return False
    counts = Response.objects.filter(user=user, record__dataset=dataset).aggregate(
        total=Count("id"), gold=Count("id", filter=Q(record__gold__isnull=False))
    )
    jitter = random.Random(f"{user.pk}:{dataset.pk}:{counts['total']}").random()  # noqa: S311 - not security
    return counts["gold"] < dataset.gold_rate * (counts["total"] + 1) - jitter


def _first_free_locked(candidates: QuerySet[Record], still_free: Callable[[Record], bool]) -> Record | None:
    """The first of `candidates` that no one else has locked, locked (`SKIP LOCKED`) and
    `still_free` checked again under the lock: the pick's snapshot predates the row lock,
    so a lease or response committed in between is not in it (a fresh statement sees it)."""
    passed_over: list[Any] = []
    for _ in range(MAX_PICK_ATTEMPTS):
        record = candidates.exclude(pk__in=passed_over).select_for_update(skip_locked=True, of=("self",)).first()
        if record is None:
            return None
        if still_free(record):
            return record
        passed_over.append(record.pk)
    return None


def free_gold_record(dataset: Dataset, user: Any) -> Record | None:
    """The oldest gold record `user` was never handed (no response, no lease, even an
    expired one), locked. Any status: gold records take no overlap slot."""
    candidates = (
        Record.objects.filter(dataset=dataset, gold__isnull=False)
        .exclude(Exists(Response.objects.filter(record=OuterRef("pk"), user=user)))
        .exclude(Exists(RecordLease.objects.filter(record=OuterRef("pk"), user=user)))
        .order_by("inserted_at", "id")
    )
    return _first_free_locked(candidates, lambda record: not Response.objects.filter(record=record, user=user).exists())


def free_record(dataset: Dataset, user: Any, now: Any) -> Record | None:
    """The record `user` takes next when they hold none, locked: a gold record when it
    is their gold turn and one is left, else the oldest pending normal record they have
    not answered with a slot left."""
    if gold_turn(dataset, user):
        record = free_gold_record(dataset, user)
        if record is not None:
            return record
    return free_normal_record(dataset, user, now)


# The normal pick is the labeling loop's hottest statement, so it is written in SQL: the
# same rule as a queryset would state (`Record` filtered to pending, not
# gold, not answered by the user, `submitted_count` plus other labelers' live leases
# under `min_submitted`, oldest first; the ones the user skipped after all others),
# without the ORM building the correlated
# subqueries afresh on every request, which cost more CPU than PostgreSQL spends running
# them. The rule's tests (tests/feedback/test_distribution.py, the concurrency tests in
# tests/feedback/test_queue_under_load.py) hold it to the same behaviour.
_TAKEN = """
    r.submitted_count + (
        SELECT count(*) FROM feedback_recordlease l
        WHERE l.record_id = r.id AND l.user_id <> %(user)s AND l.expires_at > %(now)s
          AND NOT EXISTS (
              SELECT 1 FROM feedback_response h
              WHERE h.record_id = l.record_id AND h.user_id = l.user_id AND h.status <> %(draft)s))"""
_UNANSWERED = """
    r.status = %(pending)s
    AND NOT EXISTS (SELECT 1 FROM feedback_response a WHERE a.record_id = r.id AND a.user_id = %(user)s)"""
# Constant fragments only (`noqa: S608`): every value is a parameter.
_FREE_NORMAL = f"""
SELECT r.* FROM feedback_record r
WHERE r.dataset_id = %(dataset)s AND r.gold IS NULL AND {_UNANSWERED} AND {_TAKEN} < %(min)s {{passed_over}}
  AND NOT EXISTS (
      SELECT 1 FROM feedback_recordlease s
      WHERE s.record_id = r.id AND s.user_id = %(user)s AND s.skipped_at IS NOT NULL)
ORDER BY r.inserted_at, r.id
LIMIT 1 {{lock}}"""  # noqa: S608
_SKIPPED_NORMAL = f"""
SELECT r.* FROM feedback_record r
JOIN feedback_recordlease s ON s.record_id = r.id AND s.user_id = %(user)s AND s.skipped_at IS NOT NULL
WHERE r.dataset_id = %(dataset)s AND r.gold IS NULL AND {_UNANSWERED} AND {_TAKEN} < %(min)s {{passed_over}}
ORDER BY s.skipped_at, r.inserted_at, r.id
LIMIT 1 {{lock}}"""  # noqa: S608
_STILL_FREE = f"SELECT {_TAKEN} < %(min)s FROM feedback_record r WHERE r.id = %(record)s AND {_UNANSWERED}"  # noqa: S608


def _sql_params(connection: Any, dataset: Dataset, user: Any, now: Any) -> dict[str, Any]:
    """The values the queue's SQL statements take, as this database takes them (UUIDs as
    text and datetimes as strings on SQLite)."""
    return {
        "dataset": Dataset._meta.pk.get_db_prep_value(dataset.pk, connection),
        "user": user._meta.pk.get_db_prep_value(user.pk, connection),
        "now": connection.ops.adapt_datetimefield_value(now),
        "min": dataset.min_submitted,
        "pending": RecordStatus.PENDING,
        "draft": ResponseStatus.DRAFT,
    }


def free_normal_record(dataset: Dataset, user: Any, now: Any) -> Record | None:
    """The oldest pending record that is not gold, `user` has not answered, with a slot
    left, locked (`SKIP LOCKED`), and the slot checked again under the lock."""
    connection = writing(Record)
    pk = Record._meta.pk

    def db(value: Any) -> Any:  # ids as the database takes them (UUIDs as text on SQLite)
        return pk.get_db_prep_value(value, connection)

    params = _sql_params(connection, dataset, user, now)
    # SQLite (the quick try) has no row locks: one writer at a time anyway.
    lock = "FOR UPDATE OF r SKIP LOCKED" if connection.features.has_select_for_update_skip_locked else ""

    def first_free(pick: str) -> Record | None:
        passed_over: list[Any] = []
        for _ in range(MAX_PICK_ATTEMPTS):
            excluded = {f"passed_{n}": db(record_id) for n, record_id in enumerate(passed_over)}
            not_in = f"AND r.id NOT IN ({', '.join(f'%({name})s' for name in excluded)})" if excluded else ""
            record = next(
                iter(Record.objects.raw(pick.format(passed_over=not_in, lock=lock), {**params, **excluded})), None
            )
            if record is None:
                return None
            # A fresh statement: the pick's snapshot predates the row lock, so a lease or
            # response committed in between is not in it.
            with connection.cursor() as cursor:
                cursor.execute(_STILL_FREE, {**params, "record": db(record.pk)})
                row = cursor.fetchone()
            if row is not None and row[0]:
                return record
            passed_over.append(record.pk)
        return None

    # Records this labeler skipped come last, the longest skipped first. Two picks rather
    # than one ordered by the skip: the first keeps walking the pending records oldest
    # first and stops at the first free one (an anti-join on the leases' unique index);
    # ordering every candidate by a per-row skip time would read them all.
    return first_free(_FREE_NORMAL) or first_free(_SKIPPED_NORMAL)
