"""The read replica against real streaming replication: a primary and its hot standby,
started for this module (tests/replica_pair.py), with `default` and `replica` pointed at
them. What reads where is seen in the statements each connection ran."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections
from django.test.utils import CaptureQueriesContext

from config.replica import REPLICA, reading_from_replica
from feedback import search, selectors
from feedback.models import Record
from feedback.services.datasets import dataset_update
from feedback.services.exports import export_create, export_run
from feedback.services.metrics import metrics_compute_now
from feedback.services.responses import response_submit
from tests.builders import add_records, comparison_dataset, full_answer
from tests.factories import MembershipFactory, UserFactory, WorkspaceFactory
from tests.replica_pair import Pair, databases_on, server_binaries, streaming_pair
from workspaces.models import Role, Workspace

BINARIES = server_binaries()
pytestmark = [
    # Committed for real: the replica sees only what the primary commits.
    pytest.mark.django_db(transaction=True, databases=[DEFAULT_DB_ALIAS, REPLICA]),
]
# Generous: replication on a busy machine. The tests never wait when the replica is caught up.
CATCH_UP = 60


@pytest.fixture(scope="module")
def pair(django_db_setup, django_db_blocker) -> Iterator[Pair]:
    # A missing server is a failure, not a skip: the README's test command installs it.
    assert BINARIES is not None, "no PostgreSQL server binaries (initdb, pg_ctl): set FEEDLOOP_TEST_PG_BIN"
    # After the session's test database is set up (on the usual server), never before.
    with streaming_pair(BINARIES) as started, django_db_blocker.unblock(), databases_on(started):
        call_command("migrate", verbosity=0)
        yield started


def _selects(queries, table: str) -> list[str]:
    return [query["sql"] for query in queries if query["sql"].startswith("SELECT") and f'"{table}"' in query["sql"]]


@pytest.fixture
def admin(pair):
    workspace = WorkspaceFactory(name="streamed")
    user = UserFactory(username="streamed-admin", is_staff=True)
    MembershipFactory(workspace=workspace, user=user, role=Role.ADMIN)
    return user, workspace


def test_the_replica_is_a_hot_standby_that_receives_the_primarys_writes(admin):
    _, workspace = admin
    with connections[REPLICA].cursor() as cursor:
        cursor.execute("SELECT pg_is_in_recovery()")
        assert cursor.fetchone() == (True,)

    with reading_from_replica(wait=CATCH_UP) as alias:
        assert alias == REPLICA
        assert Workspace.objects.get(pk=workspace.pk).name == "streamed"


def test_writes_through_the_replica_alias_are_refused(pair):
    with pytest.raises(DatabaseError, match="read-only"):
        Workspace.objects.using(REPLICA).create(name="never")
    assert not Workspace.objects.filter(name="never").exists()


def test_writes_in_a_block_go_to_the_primary_and_reads_after_it_too(admin):
    _, workspace = admin
    with reading_from_replica(wait=CATCH_UP) as alias:
        assert alias == REPLICA
        read = Workspace.objects.get(pk=workspace.pk)
        assert read._state.db == REPLICA
        read.name = "renamed"
        read.save()
    # Read straight away from the primary, outside the block: never stale.
    assert Workspace.objects.get(pk=workspace.pk).name == "renamed"


def test_an_export_reads_the_records_from_the_replica_and_misses_nothing(admin):
    user, workspace = admin
    dataset = comparison_dataset(workspace)
    records = add_records(dataset, 3)
    for record in records:
        response_submit(record=record, user=user, values=full_answer())
    job = export_create(dataset=dataset, user=user, layout="raw", queue_run=False)

    with (
        CaptureQueriesContext(connections[REPLICA]) as on_replica,
        CaptureQueriesContext(connections[DEFAULT_DB_ALIAS]) as on_primary,
    ):
        job = export_run(job_id=job.pk)

    assert job.status == "succeeded", job.error
    assert _selects(on_replica.captured_queries, "feedback_record")
    assert not _selects(on_primary.captured_queries, "feedback_record")
    # Job bookkeeping (progress, the result) is written on the primary.
    assert any(
        q["sql"].startswith("UPDATE") and '"feedback_exportjob"' in q["sql"] for q in on_primary.captured_queries
    )
    with default_storage.open(job.file.name) as handle:
        rows = [json.loads(line) for line in handle.read().decode().splitlines()]
    assert sorted(row["external_id"] for row in rows) == ["rec-0", "rec-1", "rec-2"]
    assert all(len(row["responses"]) == 1 for row in rows)
    default_storage.delete(job.file.name)


def test_search_the_leaderboard_and_metrics_computations_read_from_the_replica(admin, settings):
    user, workspace = admin
    # Background WAL (autovacuum, standby snapshots) may need replaying first on a busy machine.
    settings.FEEDLOOP_REPLICA_REQUEST_WAIT_MS = CATCH_UP * 1000
    dataset = comparison_dataset(workspace)
    record, _ = add_records(dataset, 2)
    response_submit(record=record, user=user, values=full_answer())
    dataset = dataset_update(dataset=dataset, leaderboard_models={"response-1": "model"})
    with (
        CaptureQueriesContext(connections[REPLICA]) as on_replica,
        CaptureQueriesContext(connections[DEFAULT_DB_ALIAS]) as on_primary,
    ):
        board = selectors.dataset_leaderboard(dataset)
        found = search.search_records(
            user=user, dataset=dataset, body={"query": {"text": {"q": "Lovelace"}}}, offset=0, limit=10
        )
        snapshot = metrics_compute_now(dataset=dataset)

    assert found.total == 2
    assert snapshot.payload["responses"]["submitted"] == 1
    assert board["leaderboard_models"] == {"response-1": "model"}
    assert len(_selects(on_replica.captured_queries, "feedback_record")) >= 2  # the search's and the dashboard's
    assert [sql for sql in _selects(on_replica.captured_queries, "feedback_response") if "values" in sql]  # the board's
    assert not _selects(on_primary.captured_queries, "feedback_record")
    assert not _selects(on_primary.captured_queries, "feedback_response")


def test_a_replica_behind_the_primary_is_not_read(admin, settings):
    user, workspace = admin
    settings.FEEDLOOP_REPLICA_WAIT_SECONDS = 0  # a replica that lags more than exports wait for
    with connections[REPLICA].cursor() as cursor:
        cursor.execute("SELECT pg_wal_replay_pause()")
    try:
        dataset = comparison_dataset(workspace)
        add_records(dataset, 1)
        with reading_from_replica(wait=0) as alias:
            assert alias == DEFAULT_DB_ALIAS
            assert Record.objects.filter(dataset=dataset).count() == 1

        with CaptureQueriesContext(connections[REPLICA]) as on_replica:
            found = search.search_records(user=user, dataset=dataset, body={}, offset=0, limit=10)
        assert found.total == 1  # from the primary: the paused replica lacks the record
        assert not _selects(on_replica.captured_queries, "feedback_record")

        # An export started right after the write still contains it.
        job = export_create(dataset=dataset, user=user, layout="raw", queue_run=False)
        with CaptureQueriesContext(connections[REPLICA]) as on_replica:
            job = export_run(job_id=job.pk)
        assert (job.status, job.counts["records"]) == ("succeeded", 1)
        assert not _selects(on_replica.captured_queries, "feedback_record")
        default_storage.delete(job.file.name)
    finally:
        with connections[REPLICA].cursor() as cursor:
            cursor.execute("SELECT pg_wal_replay_resume()")
    with reading_from_replica(wait=CATCH_UP) as alias:
        assert alias == REPLICA
        assert Record.objects.filter(dataset=dataset).count() == 1
