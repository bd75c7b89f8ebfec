"""What the benchmark scripts share: their throwaway database and their filler text.

Each script runs on a fresh database `feedloop_bench` on the local PostgreSQL, made by
`reset_database`, analysed with `vacuum` after bulk loads (autovacuum is off on CI
machines; in production it would have run), and dropped with `drop_database`.
"""

from __future__ import annotations

import os
import random
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import psycopg2
import requests

ROOT = Path(__file__).resolve().parent.parent

# FEEDLOOP_BENCH_DB: another name, so that two benchmarks on one server do not drop each other's database.
DB_NAME = os.environ.get("FEEDLOOP_BENCH_DB", "feedloop_bench")
SERVER = "postgres://postgres@127.0.0.1:5432"
WORDS = (
    "model answer prompt reward ranking helpful honest harmless context summary explain "
    "python data training label feedback response question clear detail example"
).split()


def text(rng: random.Random, words: int) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(words))


def _on_server(*statements: str) -> None:
    admin = psycopg2.connect(f"{SERVER}/postgres")
    admin.autocommit = True
    with admin.cursor() as cursor:
        for statement in statements:
            cursor.execute(statement)
    admin.close()


def reset_database() -> None:
    _on_server(f"DROP DATABASE IF EXISTS {DB_NAME} WITH (FORCE)", f"CREATE DATABASE {DB_NAME}")


def drop_database() -> None:
    _on_server(f"DROP DATABASE IF EXISTS {DB_NAME} WITH (FORCE)")


def vacuum() -> None:
    connection = psycopg2.connect(f"{SERVER}/{DB_NAME}")
    connection.autocommit = True
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    connection.close()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def serve(env: dict[str, str], *, workers: int, threads: int = 1, timeout: float = 60.0) -> tuple[Any, str]:
    """Start gunicorn (this interpreter's) on a free port against `env`'s database; wait
    until it answers, at most `timeout` seconds. Returns the process and its base URL;
    stop it with `stop(process)`."""
    port = free_port()
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "config.wsgi",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            str(workers),
            "--threads",
            str(threads),
            "--log-level",
            "warning",
            "--timeout",
            "300",
        ],
        cwd=ROOT,
        env={**os.environ, **env},
        # The server logs each request (JSON, as deployed): written, but kept out of the tables.
        stdout=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + timeout
    while True:
        try:
            requests.get(f"{url}/api/v1/version", timeout=5)
            return server, url
        except requests.RequestException:  # not listening yet, or a worker still loading
            if server.poll() is not None or time.monotonic() > deadline:
                stop(server)
                raise SystemExit("gunicorn did not start") from None
            time.sleep(0.2)


def stop(server: Any) -> None:
    server.terminate()
    try:
        server.wait(timeout=20)
    except subprocess.TimeoutExpired:
        server.kill()


def cpu_seconds(pid: int) -> float:
    """User + system CPU seconds of a process and its children now alive (from /proc)."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0.0
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        # After the name: state ppid ... utime(12th) stime(13th) counted from state = index 0.
        if int(entry.name) == pid or int(fields[1]) == pid:
            total += (int(fields[11]) + int(fields[12])) / tick
    return total
