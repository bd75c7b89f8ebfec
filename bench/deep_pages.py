"""Benchmark: reading a big dataset's records page by page, deep pages included.

    .venv/bin/python bench/deep_pages.py [--records 120000] [--limit 256] [--repeat 5]

On a fresh database `feedloop_bench` (or `$FEEDLOOP_BENCH_DB`): one dataset of
`--records` records (a prompt and a response of about 1 KB together, metadata) and one
submitted response each, loaded by COPY, then `VACUUM ANALYZE`. For pages at offsets
from 0 to the end it times:
1. the API: `GET /api/v1/datasets/{id}/records?offset=N&limit=256&include=responses`
   (what the Argilla SDK sends) against gunicorn, median of `--repeat`;
2. the floor: the same page read by keyset (`WHERE (inserted_at, id) > last ORDER BY
   inserted_at, id LIMIT 256`, the best any offset page can do) with its responses, in
   plain SQL, in the same run.
It prints milliseconds per page and the ratio to the floor per offset, and PostgreSQL's
temporary-file bytes written during the API reads (a page that sorts the dataset spills).
Not a test: numbers depend on the machine; run it by hand with nothing else busy.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import random
import statistics
import sys
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import psycopg2
import requests
from benchdb import DB_NAME, SERVER, drop_database, reset_database, serve, stop, text, vacuum

ROOT = Path(__file__).resolve().parent.parent
ENV = {
    "DATABASE_URL": f"{SERVER}/{DB_NAME}",
    "DJANGO_SECRET_KEY": "bench-only-secret-key-not-used-anywhere-else",
    "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
    "DATABASE_CONN_MAX_AGE": "60",
    "DJANGO_STATIC_MANIFEST": "false",
    "DJANGO_SETTINGS_MODULE": "config.settings",
    "PYTHONWARNINGS": "ignore::UserWarning",
}


RECORD_COLUMNS = ("id", "inserted_at", "updated_at", "dataset_id", "fields", "metadata", "vectors", "status")
RECORD_COLUMNS += ("submitted_count",)
RESPONSE_COLUMNS = ("id", "inserted_at", "updated_at", "record_id", "user_id", "values", "status", "submitted_at")
RESPONSE_COLUMNS += ("context",)


def django_setup() -> None:
    os.environ.update(ENV)
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def build(records: int) -> tuple[str, str]:
    """The dataset (records and responses COPYed in) and a workspace admin's API key."""
    from accounts.api_keys import api_key_create
    from accounts.models import User
    from feedback.services import datasets as services
    from workspaces.models import Membership, Role
    from workspaces.services import workspace_create

    workspace = workspace_create(name="bench")
    dataset = services.dataset_create(workspace=workspace, name="deep")
    services.field_create(dataset=dataset, name="prompt")
    services.field_create(dataset=dataset, name="response")
    services.question_create(
        dataset=dataset, name="quality", type="rating", settings={"options": [{"value": v} for v in range(1, 6)]}
    )
    dataset = services.dataset_publish(dataset=dataset)
    owner = User.objects.create_user("lead", "lead@example.test", "bench-password-123")
    Membership.objects.create(workspace=workspace, user=owner, role=Role.ADMIN)
    key = api_key_create(user=owner, name="bench")[1]

    rng = random.Random(3)
    start = datetime(2026, 1, 1, tzinfo=UTC)
    record_rows, response_rows = io.StringIO(), io.StringIO()
    for n in range(records):
        record_id, at = uuid.uuid4(), (start + timedelta(milliseconds=n)).isoformat()
        fields = json.dumps({"prompt": text(rng, 40), "response": text(rng, 110)})
        metadata = json.dumps({"source": rng.choice(["chat", "api", "docs"]), "n": n})
        record_rows.write(
            f"{record_id}\t{at}\t{at}\t{dataset.id}\t{escape(fields)}\t{escape(metadata)}\t{{}}\tcompleted\t1\n"
        )
        values = json.dumps({"quality": {"value": rng.randint(1, 5)}})
        response_rows.write(f"{uuid.uuid4()}\t{at}\t{at}\t{record_id}\t{owner.id}\t{values}\tsubmitted\t{at}\t{{}}\n")
    connection = psycopg2.connect(ENV["DATABASE_URL"])
    with connection, connection.cursor() as cursor:
        record_rows.seek(0)
        cursor.copy_from(
            record_rows,
            "feedback_record",
            columns=RECORD_COLUMNS,
        )
        response_rows.seek(0)
        cursor.copy_from(
            response_rows,
            "feedback_response",
            columns=RESPONSE_COLUMNS,
        )
    connection.close()
    return str(dataset.id), key


def escape(value: str) -> str:
    return value.replace("\\", "\\\\")


def temp_bytes() -> int:
    connection = psycopg2.connect(ENV["DATABASE_URL"])
    with connection.cursor() as cursor:
        cursor.execute("SELECT temp_bytes FROM pg_stat_database WHERE datname = current_database()")
        (value,) = cursor.fetchone()
    connection.close()
    return int(value)


def api_page(session: requests.Session, url: str, dataset_id: str, offset: int, limit: int) -> float:
    began = time.perf_counter()
    answer = session.get(
        f"{url}/api/v1/datasets/{dataset_id}/records",
        params={"offset": offset, "limit": limit, "include": "responses"},
        timeout=120,
    )
    elapsed = time.perf_counter() - began
    answer.raise_for_status()
    if len(answer.json()["items"]) != limit:
        raise SystemExit(f"offset {offset}: a short page")
    return elapsed


def floor_page(cursor, dataset_id: str, offset: int, limit: int) -> float:
    """Keyset: the previous page's last key is known (looked up outside the timing)."""
    cursor.execute(
        "SELECT inserted_at, id FROM feedback_record WHERE dataset_id = %s ORDER BY inserted_at, id OFFSET %s LIMIT 1",
        [dataset_id, max(offset - 1, 0)],
    )
    last = cursor.fetchone()
    began = time.perf_counter()
    cursor.execute(
        "SELECT id, fields, metadata, status FROM feedback_record "
        "WHERE dataset_id = %s AND (inserted_at, id) >= (%s, %s) ORDER BY inserted_at, id LIMIT %s",
        [dataset_id, *last, limit],
    )
    ids = [row[0] for row in cursor.fetchall()]
    cursor.execute('SELECT record_id, "values", status FROM feedback_response WHERE record_id = ANY(%s::uuid[])', [ids])
    cursor.fetchall()
    return time.perf_counter() - began


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--records", type=int, default=120_000)
    parser.add_argument("--limit", type=int, default=256)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()

    reset_database()
    try:
        django_setup()
        began = time.perf_counter()
        dataset_id, key = build(args.records)
        vacuum()
        print(f"loaded {args.records:,} records and responses in {time.perf_counter() - began:.1f} s")
        offsets = sorted({0, *range(25_000, args.records - args.limit + 1, 25_000), args.records - args.limit})
        server, url = serve(ENV, workers=2, threads=1)
        try:
            session = requests.Session()
            session.headers["X-Argilla-Api-Key"] = key
            api_page(session, url, dataset_id, 0, args.limit)  # warm both workers' imports
            api_page(session, url, dataset_id, 0, args.limit)
            connection = psycopg2.connect(ENV["DATABASE_URL"])
            cursor = connection.cursor()
            spilled_before = temp_bytes()
            print(f"{'offset':>8} {'API ms':>8} {'floor ms':>9} {'ratio':>6}")
            for offset in offsets:
                runs = range(args.repeat)
                api = statistics.median(api_page(session, url, dataset_id, offset, args.limit) for _ in runs)
                floor = statistics.median(floor_page(cursor, dataset_id, offset, args.limit) for _ in runs)
                print(f"{offset:>8,} {api * 1000:>8.1f} {floor * 1000:>9.1f} {api / floor:>6.1f}")
            spilled = temp_bytes() - spilled_before
            print(f"temporary files written by PostgreSQL during the reads: {spilled / 1e6:.1f} MB")
            connection.close()
        finally:
            stop(server)
    finally:
        if not os.environ.get("FEEDLOOP_BENCH_KEEP"):
            drop_database()


if __name__ == "__main__":
    main()
