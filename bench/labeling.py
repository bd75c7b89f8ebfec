"""Benchmark: the labeling loop through the API, against an SQL floor in the same run.

    .venv/bin/python bench/labeling.py [--seconds 15] [--levels 1,8,16,64] [--floor-threads 16]

On a fresh database `feedloop_bench`:
1. the API: N annotators (each its own key and client) loop `GET
   /api/v1/me/datasets/{id}/records/next` then `POST /api/v1/records/{id}/responses`
   against gunicorn (4 workers x 4 threads) for a fixed time, on a dataset with overlap 3;
2. the floor: the same pick (`FOR UPDATE SKIP LOCKED` on pending records the annotator
   has not answered), the response insert and the counter update, in plain SQL from
   `--floor-threads` threads, one transaction per cycle, on a dataset of its own.
It prints cycles/s, p50/p95/p99 of `next` and of the submit, the web processes' CPU
seconds per cycle, and the ratio to the floor. Not a test: numbers depend on the
machine; run it by hand with nothing else busy.
"""

from __future__ import annotations

import argparse
import os
import sys
import threading
import time
import uuid
from pathlib import Path

import psycopg2
import requests
from benchdb import DB_NAME, SERVER, cpu_seconds, drop_database, reset_database, serve, stop, text, vacuum

ROOT = Path(__file__).resolve().parent.parent
OVERLAP = 3
ENV = {
    "DATABASE_URL": f"{SERVER}/{DB_NAME}",
    "DJANGO_SECRET_KEY": "bench-only-secret-key-not-used-anywhere-else",
    "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
    "DATABASE_CONN_MAX_AGE": "60",
    "DJANGO_STATIC_MANIFEST": "false",
    "DJANGO_SETTINGS_MODULE": "config.settings",
    "PYTHONWARNINGS": "ignore::UserWarning",
    # The loop is measured, not the per-key throttle (one fast client nears 100 requests/s).
    "FEEDLOOP_API_RATE": "100000/second",
}


def django_setup() -> None:
    os.environ.update(ENV)
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def build(records: int, floor_records: int, annotators: int) -> tuple[str, str, list[tuple[str, str]]]:
    """The API's dataset, the floor's dataset, and (user id, API key) per annotator."""
    import random

    from accounts.api_keys import api_key_create
    from accounts.models import User
    from feedback.services import datasets as services
    from feedback.services.records import records_bulk_upsert
    from workspaces.models import Membership, Role
    from workspaces.services import workspace_create

    rng = random.Random(5)
    workspace = workspace_create(name="bench")
    ids = []
    for name, count in (("api", records), ("floor", floor_records)):
        dataset = services.dataset_create(workspace=workspace, name=name, min_submitted=OVERLAP)
        services.field_create(dataset=dataset, name="prompt")
        services.field_create(dataset=dataset, name="response")
        services.question_create(
            dataset=dataset, name="quality", type="rating", settings={"options": [{"value": v} for v in range(1, 6)]}
        )
        dataset = services.dataset_publish(dataset=dataset)
        for start in range(0, count, 500):
            items = [
                {"fields": {"prompt": text(rng, 30), "response": text(rng, 60)}}
                for _ in range(start, min(count, start + 500))
            ]
            records_bulk_upsert(dataset=dataset, items=items)
        ids.append(str(dataset.id))
    people = []
    for n in range(annotators):
        user = User.objects.create_user(f"annotator-{n}", f"a{n}@example.test", "bench-password-123")
        Membership.objects.create(workspace=workspace, user=user, role=Role.ANNOTATOR)
        people.append((str(user.id), api_key_create(user=user, name="bench")[1]))
    return ids[0], ids[1], people


def percentile(values: list[float], share: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def api_loop(url: str, dataset_id: str, keys: list[str], seconds: float) -> dict:
    nexts: list[float] = []
    submits: list[float] = []
    errors: list[str] = []
    barrier = threading.Barrier(len(keys) + 1)
    deadline = [0.0]

    def annotator(key: str) -> None:
        session = requests.Session()
        session.headers["X-Argilla-Api-Key"] = key
        barrier.wait()
        while time.monotonic() < deadline[0]:
            start = time.perf_counter()
            handed = session.get(f"{url}/api/v1/me/datasets/{dataset_id}/records/next", timeout=60)
            middle = time.perf_counter()
            if handed.status_code != 200:
                errors.append(f"next: {handed.status_code}")
                return
            sent = session.post(
                f"{url}/api/v1/records/{handed.json()['id']}/responses",
                json={"status": "submitted", "values": {"quality": {"value": 3}}},
                timeout=60,
            )
            end = time.perf_counter()
            if sent.status_code != 201:
                errors.append(f"submit: {sent.status_code} {sent.text[:200]}")
                return
            nexts.append(middle - start)
            submits.append(end - middle)

    threads = [threading.Thread(target=annotator, args=(key,)) for key in keys]
    for thread in threads:
        thread.start()
    deadline[0] = time.monotonic() + seconds
    barrier.wait()
    began = time.monotonic()
    for thread in threads:
        thread.join()
    elapsed = time.monotonic() - began
    return {"cycles": len(submits), "elapsed": elapsed, "next": nexts, "submit": submits, "errors": errors}


PICK = """
SELECT r.id FROM feedback_record r
 WHERE r.dataset_id = %s AND r.status = 'pending' AND r.submitted_count < %s
   AND NOT EXISTS (SELECT 1 FROM feedback_response x WHERE x.record_id = r.id AND x.user_id = %s)
 ORDER BY r.inserted_at, r.id LIMIT 1 FOR UPDATE SKIP LOCKED
"""
INSERT = """
INSERT INTO feedback_response (id, record_id, user_id, "values", status, submitted_at, context, inserted_at, updated_at)
VALUES (%s, %s, %s, '{"quality": {"value": 3}}', 'submitted', now(), '{}', now(), now())
"""
COUNT = """
UPDATE feedback_record SET submitted_count = submitted_count + 1, updated_at = now(),
       status = CASE WHEN submitted_count + 1 >= %s THEN 'completed' ELSE 'pending' END
 WHERE id = %s
"""


def floor_loop(dataset_id: str, user_ids: list[str], seconds: float) -> dict:
    times: list[float] = []
    barrier = threading.Barrier(len(user_ids) + 1)
    deadline = [0.0]

    def worker(user_id: str) -> None:
        connection = psycopg2.connect(f"{SERVER}/{DB_NAME}")
        barrier.wait()
        with connection.cursor() as cursor:
            while time.monotonic() < deadline[0]:
                start = time.perf_counter()
                cursor.execute(PICK, (dataset_id, OVERLAP, user_id))
                row = cursor.fetchone()
                if row is None:
                    connection.rollback()
                    break
                cursor.execute(INSERT, (str(uuid.uuid4()), row[0], user_id))
                cursor.execute(COUNT, (OVERLAP, row[0]))
                connection.commit()
                times.append(time.perf_counter() - start)
        connection.close()

    threads = [threading.Thread(target=worker, args=(user_id,)) for user_id in user_ids]
    for thread in threads:
        thread.start()
    deadline[0] = time.monotonic() + seconds
    barrier.wait()
    began = time.monotonic()
    for thread in threads:
        thread.join()
    return {"cycles": len(times), "elapsed": time.monotonic() - began, "transaction": times}


def ms(value: float) -> str:
    return f"{value * 1000:.0f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=15.0)
    parser.add_argument("--levels", default="1,8,16,64")
    parser.add_argument("--floor-threads", type=int, default=16)
    args = parser.parse_args()
    levels = [int(level) for level in args.levels.split(",")]
    annotators = max([*levels, args.floor_threads])

    reset_database()
    try:
        django_setup()
        # Enough records that nobody runs out: ~60 cycles/s at most through the API,
        # a few thousand through the floor, each record taking OVERLAP answers.
        api_records = int(80 * args.seconds * len(levels)) + 1000
        floor_records = int(3000 * args.seconds / OVERLAP) + 1000
        print(f"building: {api_records} + {floor_records} records, {annotators} annotators ...", flush=True)
        api_dataset, floor_dataset, people = build(api_records, floor_records, annotators)
        vacuum()
        from django.db import connections

        connections.close_all()
        server, url = serve(ENV, workers=4, threads=4)
        try:
            floor = floor_loop(floor_dataset, [user_id for user_id, _ in people[: args.floor_threads]], args.seconds)
            floor_rate = floor["cycles"] / floor["elapsed"]
            print(
                f"\nfloor ({args.floor_threads} threads, plain SQL): {floor_rate:,.0f} cycles/s, "
                f"transaction p50 {ms(percentile(floor['transaction'], 0.5))} ms, "
                f"p95 {ms(percentile(floor['transaction'], 0.95))} ms\n"
            )
            print("annotators  cycles/s  ratio  next p50/p95/p99 ms  submit p50/p95/p99 ms  web CPU ms/cycle")
            for level in levels:
                cpu_before = cpu_seconds(server.pid)
                run = api_loop(url, api_dataset, [key for _, key in people[:level]], args.seconds)
                cpu = cpu_seconds(server.pid) - cpu_before
                rate = run["cycles"] / run["elapsed"]
                quantiles = lambda xs: "/".join(ms(percentile(xs, q)) for q in (0.5, 0.95, 0.99))  # noqa: E731
                print(
                    f"{level:>10}  {rate:>8.1f}  {rate / floor_rate:>5.3f}  {quantiles(run['next']):>19}  "
                    f"{quantiles(run['submit']):>21}  {cpu / max(run['cycles'], 1) * 1000:>16.1f}"
                    + (f"  errors: {run['errors'][:3]}" if run["errors"] else "")
                )
            print(f"\ngunicorn 4 workers x 4 threads on {os.cpu_count()} cores; {args.seconds:.0f} s per row")
        finally:
            stop(server)
    finally:
        from django.db import connections

        connections.close_all()
        drop_database()


if __name__ == "__main__":
    main()
