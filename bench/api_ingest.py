"""Benchmark: bulk ingestion through the REST API against the raw PostgreSQL floor.

    .venv/bin/python bench/api_ingest.py [--records 100000] [--batch 500] [--workers 2]

In one run, on a fresh database `feedloop_bench`:
1. the API: `PUT /api/v1/datasets/{id}/records/bulk` in batches, against gunicorn on
   PostgreSQL, records of a prompt and three responses (~1 KB) with two suggestions;
2. the floor: the same rows (records and suggestions) inserted with psycopg2's
   `execute_values` into the same tables;
3. reading back: paging through every record with the SDK's
   `GET …/records?include=responses&include=suggestions` (256 per page).
It prints records/s for each and the API/floor ratio (target: at least 0.40).
Not a test: numbers depend on the machine; run it by hand.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import psycopg2
import psycopg2.extras
import requests
from benchdb import DB_NAME, SERVER, reset_database, serve, stop, text, vacuum

ROOT = Path(__file__).resolve().parent.parent


def make_rows(count: int, seed: int = 7) -> list[dict]:
    rng = random.Random(seed)
    return [
        {
            "external_id": f"bench-{n}",
            "fields": {
                "prompt": text(rng, 40),
                "response-1": text(rng, 35),
                "response-2": text(rng, 35),
                "response-3": text(rng, 35),
            },
            "metadata": {"source": rng.choice(["a", "b", "c"]), "length": rng.randint(1, 5000)},
            "suggestions": [
                {
                    "question_name": "quality",
                    "value": rng.randint(1, 5),
                    "score": round(rng.random(), 3),
                    "agent": "rm-v1",
                },
                {"question_name": "topic", "value": rng.choice(["code", "other"]), "score": 0.5, "agent": "clf-v2"},
            ],
        }
        for n in range(count)
    ]


def django_setup(env: dict[str, str]) -> None:
    os.environ.update(env)
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def build_datasets() -> tuple[str, str, str]:
    """Two identical published datasets (API target, raw floor target) and an owner key."""
    from accounts.api_keys import api_key_create
    from accounts.models import User
    from feedback.services import datasets as services
    from workspaces.services import workspace_create

    owner = User.objects.create_superuser("bench-owner", "bench@example.test", "bench-password-123")
    workspace = workspace_create(name="bench")
    ids = []
    for name in ("api", "floor"):
        dataset = services.dataset_create(workspace=workspace, name=name)
        services.field_create(dataset=dataset, name="prompt")
        for n in (1, 2, 3):
            services.field_create(dataset=dataset, name=f"response-{n}")
        services.question_create(
            dataset=dataset, name="quality", type="rating", settings={"options": [{"value": v} for v in range(1, 6)]}
        )
        services.question_create(
            dataset=dataset,
            name="topic",
            type="label_selection",
            settings={"options": [{"value": "code"}, {"value": "other"}]},
        )
        services.metadata_property_create(dataset=dataset, name="source", type="terms")
        services.metadata_property_create(dataset=dataset, name="length", type="integer")
        ids.append(str(services.dataset_publish(dataset=dataset).id))
    return ids[0], ids[1], api_key_create(user=owner, name="bench")[1]


def ingest_api(base: str, dataset_id: str, key: str, rows: list[dict], batch: int, clients: int) -> float:
    url = f"{base}/api/v1/datasets/{dataset_id}/records/bulk"
    sessions = [requests.Session() for _ in range(clients)]
    for session in sessions:
        session.headers.update({"X-Argilla-Api-Key": key, "Content-Type": "application/json"})
    batches = [rows[i : i + batch] for i in range(0, len(rows), batch)]

    def send(index: int) -> None:
        body = json.dumps({"items": batches[index]})
        response = sessions[index % clients].put(url, data=body, timeout=300)
        if response.status_code != 200:
            raise SystemExit(f"batch {index}: {response.status_code} {response.text[:500]}")

    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=clients) as pool:
        list(pool.map(send, range(len(batches))))
    return time.perf_counter() - started


def ingest_floor(dataset_id: str, rows: list[dict], batch: int) -> float:
    """The same rows straight into the tables: records, then their suggestions."""
    connection = psycopg2.connect(f"{SERVER}/{DB_NAME}")
    psycopg2.extras.register_uuid()
    with connection.cursor() as cursor:
        cursor.execute("SELECT name, id FROM feedback_question WHERE dataset_id = %s", [dataset_id])
        questions = dict(cursor.fetchall())
    started = time.perf_counter()
    with connection, connection.cursor() as cursor:
        for start in range(0, len(rows), batch):
            chunk = rows[start : start + batch]
            ids = [uuid.uuid4() for _ in chunk]
            psycopg2.extras.execute_values(
                cursor,
                "INSERT INTO feedback_record (id, dataset_id, external_id, fields, metadata, vectors, status,"
                " submitted_count, inserted_at, updated_at) VALUES %s",
                [
                    (
                        record_id,
                        dataset_id,
                        row["external_id"],
                        json.dumps(row["fields"]),
                        json.dumps(row["metadata"]),
                        "{}",
                        "pending",
                        0,
                    )
                    for record_id, row in zip(ids, chunk, strict=True)
                ],
                template="(%s, %s, %s, %s, %s, %s, %s, %s, now(), now())",
                page_size=batch,
            )
            psycopg2.extras.execute_values(
                cursor,
                "INSERT INTO feedback_suggestion (id, record_id, question_id, value, score, agent, type,"
                " inserted_at, updated_at) VALUES %s",
                [
                    (
                        uuid.uuid4(),
                        record_id,
                        questions[s["question_name"]],
                        json.dumps(s["value"]),
                        json.dumps(s["score"]),
                        s["agent"],
                        None,
                    )
                    for record_id, row in zip(ids, chunk, strict=True)
                    for s in row["suggestions"]
                ],
                template="(%s, %s, %s, %s, %s, %s, %s, now(), now())",
                page_size=batch * 2,
            )
            connection.commit()
    elapsed = time.perf_counter() - started
    connection.close()
    return elapsed


def page_through(base: str, dataset_id: str, key: str, expected: int) -> float:
    session = requests.Session()
    session.headers["X-Argilla-Api-Key"] = key
    url = f"{base}/api/v1/datasets/{dataset_id}/records"
    started, offset, seen = time.perf_counter(), 0, 0
    while True:
        response = session.get(
            url, params=[("offset", offset), ("limit", 256), ("include", "responses"), ("include", "suggestions")]
        )
        items = response.json()["items"]
        if not items:
            break
        seen += len(items)
        offset += len(items)
    if seen != expected:
        raise SystemExit(f"paged {seen} records, expected {expected}")
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--records", type=int, default=100_000)
    parser.add_argument("--batch", type=int, default=500)
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers (and client threads)")
    args = parser.parse_args()

    env = {
        "DATABASE_URL": f"{SERVER}/{DB_NAME}",
        "DJANGO_SECRET_KEY": "bench-only-secret-key-0123456789-abcdefghijklmnop",
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
        "DJANGO_STATIC_MANIFEST": "false",
        "DJANGO_LOG_LEVEL": "WARNING",
        "DJANGO_SETTINGS_MODULE": "config.settings",
    }
    reset_database()
    django_setup(env)
    api_dataset, floor_dataset, key = build_datasets()
    rows = make_rows(args.records)
    size = sum(len(json.dumps(row["fields"])) for row in rows[:1000]) / 1000
    print(f"{args.records} records of ~{size:.0f} bytes of fields, 2 suggestions each, batches of {args.batch}")

    floor_seconds = ingest_floor(floor_dataset, rows, args.batch)
    vacuum()
    server, base = serve(env, workers=args.workers)
    try:
        api_seconds = ingest_api(base, api_dataset, key, rows, args.batch, args.workers)
        vacuum()
        read_seconds = page_through(base, api_dataset, key, args.records)
    finally:
        stop(server)

    floor_rate, api_rate = args.records / floor_seconds, args.records / api_seconds
    print(f"raw floor (psycopg2 execute_values): {floor_seconds:8.2f} s  {floor_rate:10.0f} records/s")
    print(f"API bulk upsert (gunicorn x{args.workers}):   {api_seconds:8.2f} s  {api_rate:10.0f} records/s")
    print(f"ratio API / floor: {api_rate / floor_rate:.2f}  (target >= 0.40)")
    print(
        f"paging all records with include=responses,suggestions (256/page): {read_seconds:.2f} s "
        f"({args.records / read_seconds:.0f} records/s)"
    )


if __name__ == "__main__":
    main()
