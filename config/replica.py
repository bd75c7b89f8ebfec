"""The read replica: a few heavy reads go to a streaming replica of the primary database.

With `DATABASE_REPLICA_URL` set, the settings add the connection alias `replica`
(`ReplicaRouter` is installed either way). Nothing reads from the replica unless a code
path asks for it with `reading_from_replica()`: exports, the dashboard's metrics
computations, the leaderboard and record search. Every other read, and every write,
goes to the primary, so labelers and API clients always read what they have just
written. Without a replica every block reads from the primary.

A replica trails the primary. A block reads from the replica only once the replica has
replayed everything the primary had written when the block began (its WAL position), so
the block sees every write committed before it started, as it would on the primary. It
waits up to `wait` seconds for that; if the replica is further behind, cannot be
reached, or the caller is inside a transaction on the primary (whose own writes the
replica cannot see), the block reads from the primary instead.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from contextvars import ContextVar
from typing import Any

import dj_database_url
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections

REPLICA = "replica"
POLL_SECONDS = 0.05
logger = logging.getLogger(__name__)

# The alias the current block reads from; None outside any block.
_reading: ContextVar[str | None] = ContextVar("feedloop_reading_from", default=None)


def replica_database(url: str, *, default: dict[str, Any]) -> dict[str, Any]:
    """`DATABASES["replica"]` for `DATABASE_REPLICA_URL`, next to the primary `default`."""
    try:
        replica = dj_database_url.parse(url, conn_max_age=default.get("CONN_MAX_AGE", 0))
    except ValueError as exc:
        raise ImproperlyConfigured(f"DATABASE_REPLICA_URL is malformed: {exc}") from None
    if "postgresql" not in default["ENGINE"] or "postgresql" not in replica["ENGINE"]:
        raise ImproperlyConfigured("DATABASE_REPLICA_URL needs DATABASE_URL, and both must be PostgreSQL.")
    # Read-only on our side too, should the URL name a writable server.
    options = replica.setdefault("OPTIONS", {})
    options["options"] = f"{options.get('options', '')} -c default_transaction_read_only=on".strip()
    # Tests read the replica alias from the default test database, never a second one.
    replica["TEST"] = {"MIRROR": DEFAULT_DB_ALIAS}
    return replica


def replica_configured() -> bool:
    return REPLICA in connections.settings


@contextmanager
def reading_from_replica(*, wait: float = 0) -> Iterator[str]:
    """Send the ORM reads made in the block to the replica when it has caught up with
    the primary (waiting up to `wait` seconds), else to the primary; yields the alias
    the block reads from. Writes in the block still go to the primary, and hand-written
    SQL goes where its own connection points."""
    token = _reading.set(_alias_for_block(wait))
    try:
        yield _reading.get() or DEFAULT_DB_ALIAS
    finally:
        _reading.reset(token)


def replica_reads_for_job() -> AbstractContextManager[str]:
    """`reading_from_replica()` for a background computation (an export, the dashboard):
    worth waiting `FEEDLOOP_REPLICA_WAIT_SECONDS` for a replica that lags."""
    return reading_from_replica(wait=settings.FEEDLOOP_REPLICA_WAIT_SECONDS)


def replica_reads_for_request() -> AbstractContextManager[str]:
    """`reading_from_replica()` for a read answered while someone waits (a search, the
    leaderboard): the replica only if it catches up within `FEEDLOOP_REPLICA_REQUEST_WAIT_MS`."""
    return reading_from_replica(wait=settings.FEEDLOOP_REPLICA_REQUEST_WAIT_MS / 1000)


def _alias_for_block(wait: float) -> str:
    if not replica_configured():
        return DEFAULT_DB_ALIAS
    if connections[DEFAULT_DB_ALIAS].in_atomic_block:
        # Uncommitted writes of this transaction exist on the primary only.
        return DEFAULT_DB_ALIAS
    try:
        if _caught_up(wait):
            return REPLICA
        logger.warning("The read replica is more than %ss behind the primary: reading from the primary.", wait)
    except DatabaseError as exc:
        logger.warning("The read replica cannot be read (%s): reading from the primary.", exc)
    return DEFAULT_DB_ALIAS


def _caught_up(wait: float) -> bool:
    """Whether the replica replays the primary's current WAL position within `wait`
    seconds. A replica that is not in recovery (a copy promoted, or the primary itself
    under another name) is always caught up."""
    with connections[DEFAULT_DB_ALIAS].cursor() as cursor:
        cursor.execute("SELECT pg_current_wal_lsn()")
        (position,) = cursor.fetchone()
    deadline = time.monotonic() + wait
    with connections[REPLICA].cursor() as cursor:
        while True:
            cursor.execute("SELECT NOT pg_is_in_recovery() OR pg_last_wal_replay_lsn() >= %s::pg_lsn", [position])
            if cursor.fetchone()[0]:
                return True
            left = deadline - time.monotonic()
            if left <= 0:
                return False
            time.sleep(min(POLL_SECONDS, left))


class ReplicaRouter:
    """Reads go where the enclosing `reading_from_replica()` block says, else to the
    primary (also for instances read from the replica, so their related objects read
    later come from the primary); writes and migrations always go to the primary."""

    def db_for_read(self, model: Any, **hints: Any) -> str:
        return _reading.get() or DEFAULT_DB_ALIAS

    def db_for_write(self, model: Any, **hints: Any) -> str:
        return DEFAULT_DB_ALIAS

    def allow_relation(self, obj1: Any, obj2: Any, **hints: Any) -> bool:
        return True  # both aliases hold the same rows

    def allow_migrate(self, db: str, app_label: str, **hints: Any) -> bool | None:
        # A physical replica gets its schema from the primary's WAL.
        return False if db == REPLICA else None
