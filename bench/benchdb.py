"""What the benchmark scripts share: their throwaway database and their filler text.

Each script runs on a fresh database `feedloop_bench` on the local PostgreSQL, made by
`reset_database`, analysed with `vacuum` after bulk loads (autovacuum is off on CI
machines; in production it would have run), and dropped with `drop_database`.
"""

from __future__ import annotations

import random

import psycopg2

DB_NAME = "feedloop_bench"
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
