"""A PostgreSQL primary and its streaming replica, started for the tests that need real
replication, and Django's `default` and `replica` aliases pointed at them for a while.

The shared test server is not touched: it does not accept replication connections, and
a replica of it would copy every database on it. Instead two throwaway clusters are
created under a temporary directory on free ports with the server binaries found on
this machine (`FEEDLOOP_TEST_PG_BIN`, else `pg_config --bindir`, else the newest
`/usr/lib/postgresql/*/bin`): a primary, and a replica made from it with
`pg_basebackup -R` that streams its WAL. PostgreSQL refuses to run as root, so as root
the clusters run as the `postgres` OS user.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import dj_database_url
from django.contrib.contenttypes.models import ContentType
from django.db import DEFAULT_DB_ALIAS, connections

from config.replica import REPLICA, replica_database

NAME = "feedloop_streaming"


def server_binaries() -> Path | None:
    """The directory holding initdb, pg_ctl and pg_basebackup, or None."""
    candidates = [os.environ.get("FEEDLOOP_TEST_PG_BIN", "")]
    if pg_config := shutil.which("pg_config"):
        candidates.append(subprocess.run([pg_config, "--bindir"], capture_output=True, text=True).stdout.strip())
    candidates += sorted((str(path) for path in Path("/usr/lib/postgresql").glob("*/bin")), reverse=True)
    for candidate in filter(None, candidates):
        if all((Path(candidate) / tool).exists() for tool in ("initdb", "pg_ctl", "pg_basebackup")):
            return Path(candidate)
    return None


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Pair:
    root: Path
    bin: Path
    as_user: list[str]
    primary_port: int
    replica_port: int

    def run(self, tool: str, *args: str) -> None:
        result = subprocess.run(
            [*self.as_user, str(self.bin / tool), *args], capture_output=True, text=True, timeout=180, check=False
        )
        if result.returncode:
            raise RuntimeError(f"{tool} failed ({result.returncode}): {result.stdout}{result.stderr}{self._logs()}")

    def _logs(self) -> str:
        return "".join(path.read_text(errors="replace") for path in self.root.glob("*.log"))

    def start(self, cluster: str, port: int, *settings: str) -> None:
        options = " ".join(
            [f"-p {port}", "-c listen_addresses=127.0.0.1", f"-c unix_socket_directories={self.root}", *settings]
        )
        data = str(self.root / cluster)
        self.run(
            "pg_ctl", "-D", data, "-l", str(self.root / f"{cluster}.log"), "-w", "-t", "120", "-o", options, "start"
        )

    def stop(self) -> None:
        for cluster in ("replica", "primary"):
            if (self.root / cluster / "postmaster.pid").exists():
                self.run("pg_ctl", "-D", str(self.root / cluster), "-m", "immediate", "-w", "stop")

    def url(self, port: int) -> str:
        return f"postgres://postgres@127.0.0.1:{port}/{NAME}"


@contextmanager
def streaming_pair(binaries: Path) -> Iterator[Pair]:
    """A running primary (with the empty database `NAME`) and its hot-standby replica."""
    root = Path(tempfile.mkdtemp(prefix="feedloop-replication-"))
    as_user: list[str] = []
    if os.geteuid() == 0:
        shutil.chown(root, "postgres")
        as_user = ["runuser", "-u", "postgres", "--"]
    pair = Pair(root, binaries, as_user, _free_port(), _free_port())
    try:
        pair.run("initdb", "-D", str(root / "primary"), "-U", "postgres", "-A", "trust", "-E", "UTF8", "--no-sync")
        # fsync off: a throwaway cluster; wal_level and senders are what a primary needs.
        pair.start("primary", pair.primary_port, "-c wal_level=replica", "-c max_wal_senders=4", "-c fsync=off")
        pair.run(
            "pg_basebackup",
            *("-h", "127.0.0.1", "-p", str(pair.primary_port), "-U", "postgres"),
            *("-D", str(root / "replica"), "-R", "-X", "stream", "-c", "fast", "--no-sync"),
        )
        pair.start("replica", pair.replica_port, "-c hot_standby=on", "-c fsync=off")
        pair.run(
            "psql", "-h", "127.0.0.1", "-p", str(pair.primary_port), "-U", "postgres", "-c", f"CREATE DATABASE {NAME}"
        )
        yield pair
    finally:
        pair.stop()
        shutil.rmtree(root, ignore_errors=True)


@contextmanager
def databases_on(pair: Pair) -> Iterator[None]:
    """Django's `default` alias on the pair's primary and `replica` on its replica (as
    `DATABASE_URL` and `DATABASE_REPLICA_URL` would set them), until the block ends."""
    default = dj_database_url.parse(pair.url(pair.primary_port), conn_max_age=0)
    replica = replica_database(pair.url(pair.replica_port), default=default)
    with aliases_replaced({DEFAULT_DB_ALIAS: default, REPLICA: replica}):
        yield


@contextmanager
def aliases_replaced(databases: dict[str, dict[str, Any]]) -> Iterator[None]:
    """Connection aliases added or pointed elsewhere until the block ends; then the
    settings and connections they had (the test database's) come back. Ask for it after
    the session's test database is set up (`django_db_setup`), never before."""
    # (Django's defaults filled in; it wants a `default` among them.)
    filled = connections.configure_settings(
        {DEFAULT_DB_ALIAS: dict(connections.settings[DEFAULT_DB_ALIAS]), **databases}
    )
    aliases = {alias: filled[alias] for alias in databases}
    saved_settings = dict(connections.settings)
    saved_connections: dict[str, Any] = {}
    for alias in aliases:
        saved_connections[alias] = getattr(connections._connections, alias, None)
        if saved_connections[alias] is not None:
            delattr(connections._connections, alias)
    connections.settings.update(aliases)
    ContentType.objects.clear_cache()  # ids differ between databases
    try:
        yield
    finally:
        for alias in aliases:
            if (connection := getattr(connections._connections, alias, None)) is not None:
                connection.close()
                delattr(connections._connections, alias)
        connections.settings.clear()
        connections.settings.update(saved_settings)
        for alias, connection in saved_connections.items():
            if connection is not None:
                setattr(connections._connections, alias, connection)
        ContentType.objects.clear_cache()
