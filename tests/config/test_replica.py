"""The read replica's setting and router: which alias each read and write goes to.
Against real streaming replication: tests/config/test_streaming_replica.py."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from django.db import DEFAULT_DB_ALIAS, connections, transaction
from django.db.utils import ConnectionRouter
from django.test.utils import CaptureQueriesContext

from config.replica import REPLICA, ReplicaRouter, reading_from_replica, replica_database
from feedback import search
from feedback.models import Record
from feedback.services.exports import export_create, export_run
from tests.builders import add_records, comparison_dataset
from tests.config.test_settings import load
from tests.replica_pair import aliases_replaced
from workspaces.models import Workspace

PRIMARY = "postgres://postgres@127.0.0.1:5432/feedloop"
PROBE = (
    "import django, json; from django.conf import settings; django.setup(); "
    "print(json.dumps({'databases': {a: {'host': d['HOST'], 'port': d['PORT'], 'options': d.get('OPTIONS', {}), "
    "'test': d.get('TEST', {})} for a, d in settings.DATABASES.items()}, 'routers': settings.DATABASE_ROUTERS}))"
)


def _settings(**env: str) -> dict:
    result = load(PROBE, DJANGO_SECRET_KEY="k" * 50, **env)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_database_replica_url_adds_a_read_only_replica_alias_that_tests_mirror():
    loaded = _settings(DATABASE_URL=PRIMARY, DATABASE_REPLICA_URL="postgres://reader@10.0.0.7:6432/feedloop")

    replica = loaded["databases"][REPLICA]
    assert (replica["host"], replica["port"]) == ("10.0.0.7", 6432)
    assert replica["options"] == {"options": "-c default_transaction_read_only=on"}
    assert replica["test"]["MIRROR"] == "default"  # the suite never creates a second database
    assert loaded["routers"] == ["config.replica.ReplicaRouter"]


def test_without_a_replica_url_there_is_only_the_primary():
    assert list(_settings(DATABASE_URL=PRIMARY)["databases"]) == [DEFAULT_DB_ALIAS]


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"DATABASE_REPLICA_URL": "postgres://reader@10.0.0.7/feedloop"}, "both must be PostgreSQL"),
        ({"DATABASE_URL": PRIMARY, "DATABASE_REPLICA_URL": "sqlite:///replica.db"}, "both must be PostgreSQL"),
        ({"DATABASE_URL": PRIMARY, "DATABASE_REPLICA_URL": "nosuchdb://x"}, "DATABASE_REPLICA_URL is malformed"),
    ],
)
def test_a_replica_url_that_cannot_work_stops_the_process(env, message):
    result = load(DJANGO_SECRET_KEY="k" * 50, **env)
    assert result.returncode != 0
    assert message in result.stderr


def test_the_router_reads_from_the_primary_outside_blocks_and_always_writes_there():
    router = ReplicaRouter()
    workspace = Workspace(name="w")
    workspace._state.db = REPLICA  # as if read in a block

    assert router.db_for_read(Workspace) == DEFAULT_DB_ALIAS
    assert router.db_for_read(Workspace, instance=workspace) == DEFAULT_DB_ALIAS
    assert router.db_for_write(Workspace, instance=workspace) == DEFAULT_DB_ALIAS
    assert router.allow_relation(workspace, Workspace(name="v")) is True
    assert router.allow_migrate(REPLICA, "feedback") is False
    assert router.allow_migrate(DEFAULT_DB_ALIAS, "feedback") is None


@pytest.mark.django_db
def test_without_a_replica_blocks_read_from_the_primary_and_exports_work(people):
    assert REPLICA not in connections
    dataset = comparison_dataset(people.workspace_a)
    add_records(dataset, 2)
    with reading_from_replica(wait=5) as alias:
        assert alias == DEFAULT_DB_ALIAS
        assert ConnectionRouter().db_for_read(Record) == DEFAULT_DB_ALIAS

    job = export_run(job_id=export_create(dataset=dataset, user=people.admin_a, layout="raw", queue_run=False).pk)
    assert (job.status, job.counts["records"]) == ("succeeded", 2)


def _test_database_url() -> str:
    db = connections[DEFAULT_DB_ALIAS].settings_dict
    return f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}"


@contextmanager
def _replica_at(url: str) -> Iterator[None]:
    with aliases_replaced({REPLICA: replica_database(url, default=connections.settings[DEFAULT_DB_ALIAS])}):
        yield


@pytest.fixture(scope="class")
def replica_on_the_test_database(django_db_setup, django_db_blocker) -> Iterator[None]:
    """`replica` on the test database itself, as a replica caught up at all times would be."""
    with _replica_at(_test_database_url()):
        yield


@pytest.fixture(scope="class")
def unreachable_replica(django_db_setup, django_db_blocker) -> Iterator[None]:
    # Port 9 (discard) has no PostgreSQL: connecting is refused at once.
    with _replica_at("postgres://postgres@127.0.0.1:9/feedloop"):
        yield


@pytest.mark.usefixtures("replica_on_the_test_database")
class TestWithAReplicaAlias:
    @pytest.mark.django_db(transaction=True, databases=[DEFAULT_DB_ALIAS, REPLICA])
    def test_a_block_reads_from_it_and_routes_reads_only_inside(self):
        Workspace.objects.create(name="seen")
        with reading_from_replica(wait=0) as alias:
            assert alias == REPLICA
            with CaptureQueriesContext(connections[REPLICA]) as on_replica:
                assert Workspace.objects.get(name="seen")._state.db == REPLICA
            assert on_replica.captured_queries
        assert Workspace.objects.get(name="seen")._state.db == DEFAULT_DB_ALIAS

    @pytest.mark.django_db(transaction=True, databases=[DEFAULT_DB_ALIAS, REPLICA])
    def test_inside_a_transaction_on_the_primary_a_block_reads_from_the_primary(self):
        with transaction.atomic():
            Workspace.objects.create(name="uncommitted")
            with CaptureQueriesContext(connections[REPLICA]) as on_replica, reading_from_replica(wait=5) as alias:
                assert alias == DEFAULT_DB_ALIAS
                assert Workspace.objects.filter(name="uncommitted").exists()
            assert not on_replica.captured_queries

    @pytest.mark.django_db(databases=[DEFAULT_DB_ALIAS, REPLICA])
    def test_search_in_a_test_transaction_reads_from_the_primary(self, people):
        dataset = comparison_dataset(people.workspace_a)
        add_records(dataset, 1)
        found = search.search_records(user=people.admin_a, dataset=dataset, body={}, offset=0, limit=5)
        assert found.total == 1


@pytest.mark.usefixtures("unreachable_replica")
class TestWithAnUnreachableReplica:
    @pytest.mark.django_db(transaction=True, databases=[DEFAULT_DB_ALIAS, REPLICA])
    def test_blocks_read_from_the_primary(self):
        Workspace.objects.create(name="still-read")
        with reading_from_replica(wait=0) as alias:
            assert alias == DEFAULT_DB_ALIAS
            assert Workspace.objects.filter(name="still-read").exists()
