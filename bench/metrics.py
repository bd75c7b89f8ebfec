"""Benchmark: the whole quality dashboard of a large dataset, against 10 s and 500 MB.

    .venv/bin/python bench/metrics.py [--records 100000] [--keep]

On a fresh database (`feedloop_bench`, or FEEDLOOP_BENCH_DB), a published dataset with
a prompt, three response fields and five questions (a ranking of the responses, a
rating, a label, failure multi-labels, an optional comment) names the model behind each
response field in record metadata (`leaderboard_models`). `--records` records and three
submitted responses each (answers that mostly agree, spread over 30 days, with times
and pasted comments) are loaded with COPY, then VACUUM ANALYZE. Then, in a child
process (so that its peak RSS is the computation's own plus Django), the dashboard's
computation `feedback.selectors.dataset_metrics` runs once: agreement per question
with its bootstrap interval, alpha without each labeler, gold (where measured), the
leaderboard with 200 bootstrap rounds; and the charts of the payload are rendered
(`feedback.charts`), timed apart. It prints seconds and peak memory against the targets
and exits 0 regardless: a measurement, not a test.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import random
import resource
import subprocess
import sys
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import psycopg2
from benchdb import DB_NAME, SERVER, drop_database, reset_database, text, vacuum

ROOT = Path(__file__).resolve().parent.parent
SECONDS_TARGET = 10.0
PEAK_MB_TARGET = 500
COPY_CHUNK = 10_000
LABELERS = ("bench-ana", "bench-ben", "bench-chloe", "bench-dev", "bench-eve")
MODELS = ("model-small", "model-medium", "model-large", "model-xl")
FIELDS = ("response-1", "response-2", "response-3")
FAILURES = ("hallucination", "harmful", "unhelpful", "formatting")
MEASURE_FLAG = "--measure"
GOLD_EVERY = 100  # 1 % of the records are gold


def env() -> dict[str, str]:
    return {
        "DATABASE_URL": f"{SERVER}/{DB_NAME}",
        "DJANGO_SECRET_KEY": "bench-only-secret-key-0123456789-abcdefghijklmnop",
        "DJANGO_ALLOWED_HOSTS": "localhost",
        "DJANGO_STATIC_MANIFEST": "false",
        "DJANGO_LOG_LEVEL": "WARNING",
        "DJANGO_SETTINGS_MODULE": "config.settings",
    }


def django_setup() -> None:
    os.environ.update(env())
    os.environ.pop("CELERY_BROKER_URL", None)
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def build_dataset() -> tuple[str, list[str]]:
    """The dataset, through the services as an admin would; returns it and the labelers."""
    from accounts.services import user_create
    from feedback.services import datasets as services
    from workspaces.models import Role
    from workspaces.services import membership_add, workspace_create

    workspace = workspace_create(name="bench")
    labelers = []
    for name in LABELERS:
        user = user_create(username=name, password="bench-password-123", role="annotator")  # noqa: S106
        membership_add(workspace=workspace, user=user, role=Role.ANNOTATOR)
        labelers.append(str(user.pk))
    dataset = services.dataset_create(workspace=workspace, name="metrics", min_submitted=3)
    services.field_create(dataset=dataset, name="prompt")
    for name in FIELDS:
        services.field_create(dataset=dataset, name=name)
    options = [{"value": name, "text": name} for name in FIELDS]
    services.question_create(dataset=dataset, name="ranking", type="ranking", settings={"options": options})
    services.question_create(
        dataset=dataset, name="quality", type="rating", settings={"options": [{"value": v} for v in range(1, 6)]}
    )
    services.question_create(
        dataset=dataset,
        name="topic",
        type="label_selection",
        settings={"options": [{"value": v, "text": v} for v in ("code", "math", "writing", "other")]},
    )
    services.question_create(
        dataset=dataset,
        name="failures",
        type="multi_label_selection",
        required=False,
        settings={"options": [{"value": v, "text": v} for v in FAILURES]},
    )
    services.question_create(dataset=dataset, name="comment", type="text", required=False)
    services.dataset_update(dataset=dataset, leaderboard_models={name: f"model:{name}" for name in FIELDS})
    services.dataset_publish(dataset=dataset)
    return str(dataset.pk), labelers


def copy_text(value: str) -> str:
    return value.replace("\\", "\\\\")


def load(dataset_id: str, labelers: list[str], count: int, seed: int = 5) -> None:
    """`count` records, three submitted responses each, with COPY. Answers agree mostly:
    each record has a true quality and ranking that each labeler reports with noise."""
    rng = random.Random(seed)
    start = datetime.now(UTC) - timedelta(days=30)
    connection = psycopg2.connect(f"{SERVER}/{DB_NAME}")
    with connection, connection.cursor() as cursor:
        for first in range(0, count, COPY_CHUNK):
            records, responses = io.StringIO(), io.StringIO()
            for n in range(first, min(first + COPY_CHUNK, count)):
                record_id = uuid.uuid4()
                at = start + timedelta(seconds=n * 30 * 86400 / count)
                fields = {"prompt": text(rng, 12), **{name: text(rng, 20) for name in FIELDS}}
                metadata = {f"model:{name}": rng.choice(MODELS) for name in FIELDS}
                quality = rng.randint(1, 5)
                order = sorted(FIELDS, key=lambda name: MODELS.index(metadata[f"model:{name}"]) + rng.random() * 2)
                topic = rng.choice(("code", "math", "writing", "other"))
                # One record in GOLD_EVERY is gold: its expected answers are the true ones.
                gold = (
                    copy_text(json.dumps({"quality": {"value": quality}, "topic": {"value": topic}}))
                    if n % GOLD_EVERY == 0
                    else "\\N"
                )
                records.write(
                    f"{record_id}\t{dataset_id}\trec-{n}\t{copy_text(json.dumps(fields))}\t"
                    f"{copy_text(json.dumps(metadata))}\t{{}}\tcompleted\t3\t{at.isoformat()}\t{at.isoformat()}\t"
                    f"{gold}\n"
                )
                for user_id in rng.sample(labelers, 3):
                    noisy = order if rng.random() < 0.8 else rng.sample(FIELDS, 3)
                    values = {
                        "ranking": {"value": [{"value": name, "rank": rank} for rank, name in enumerate(noisy, 1)]},
                        "quality": {"value": min(5, max(1, quality + rng.choice((-1, 0, 0, 0, 1))))},
                        "topic": {"value": topic if rng.random() < 0.85 else rng.choice(("code", "other"))},
                        "failures": {"value": rng.sample(FAILURES, rng.choice((0, 0, 1, 1, 2)))},
                    }
                    pasted = []
                    if rng.random() < 0.3:
                        values["comment"] = {"value": text(rng, 8)}
                        if rng.random() < 0.2:
                            pasted = ["comment"]
                    submitted = (at + timedelta(minutes=rng.randint(1, 600))).isoformat()
                    responses.write(
                        f"{uuid.uuid4()}\t{record_id}\t{user_id}\t{copy_text(json.dumps(values))}\tsubmitted\t"
                        f"{rng.lognormvariate(3.5, 0.6):.1f}\t{submitted}\t"
                        f"{copy_text(json.dumps({'pasted': pasted}))}\t{submitted}\t{submitted}\n"
                    )
            records.seek(0)
            responses.seek(0)
            cursor.copy_expert(
                "COPY feedback_record (id, dataset_id, external_id, fields, metadata, vectors, status,"
                " submitted_count, inserted_at, updated_at, gold) FROM STDIN",
                records,
            )
            cursor.copy_expert(
                "COPY feedback_response (id, record_id, user_id, values, status, time_spent_seconds,"
                " submitted_at, context, inserted_at, updated_at) FROM STDIN",
                responses,
            )
    connection.close()


def peak_mb() -> float:
    """This process's peak resident memory (VmHWM: unlike ru_maxrss, not carried over
    from the parent across exec)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def measure(dataset_id: str) -> None:
    """In the child: the computation, then the charts; prints one JSON line."""
    django_setup()
    from feedback import charts
    from feedback.models import Dataset
    from feedback.selectors import dataset_metrics

    dataset = Dataset.objects.get(pk=dataset_id)
    before = peak_mb()
    started = time.perf_counter()
    payload = dataset_metrics(dataset)
    seconds = time.perf_counter() - started
    peak = peak_mb()
    started = time.perf_counter()
    rendered = charts.render_all(payload)
    chart_seconds = time.perf_counter() - started
    quality = next(q for q in payload["questions"] if q["name"] == "quality")
    print(
        json.dumps(
            {
                "seconds": seconds,
                "peak_mb": peak,
                "startup_mb": before,
                "chart_seconds": chart_seconds,
                "charts": len(rendered),
                "responses": payload["responses"]["submitted"],
                "quality_alpha": quality["agreement"]["value"],
                "gold_graded": {row["username"]: row["graded"] for row in payload["gold"]["labelers"]},
                "quality_interval": quality["agreement_interval"],
                "models": [
                    (m["model"], m["score"], m["score_low"], m["score_high"]) for m in payload["leaderboard"]["models"]
                ],
            }
        )
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--records", type=int, default=100_000)
    parser.add_argument("--keep", action="store_true", help="keep the database for inspection")
    args = parser.parse_args()

    reset_database()
    merged = {**os.environ, **env()}
    merged.pop("CELERY_BROKER_URL", None)
    subprocess.run([sys.executable, "manage.py", "migrate", "--verbosity", "0"], cwd=ROOT, env=merged, check=True)
    django_setup()
    dataset_id, labelers = build_dataset()
    started = time.perf_counter()
    load(dataset_id, labelers, args.records)
    vacuum()
    print(f"{args.records:,} records x 3 responses loaded (COPY) and analysed in {time.perf_counter() - started:.1f} s")
    try:
        child = subprocess.run(
            [sys.executable, __file__, MEASURE_FLAG, dataset_id],
            cwd=ROOT,
            env=merged,
            check=True,
            capture_output=True,
            text=True,
        )
        result = json.loads(child.stdout.strip().splitlines()[-1])
        print(
            f"responses read: {result['responses']:,}; "
            f"quality alpha {result['quality_alpha']} {result['quality_interval']}"
        )
        print(f"leaderboard: {result['models']}")
        print(f"gold answers graded per labeler: {result['gold_graded']}")
        ok_time = result["seconds"] < SECONDS_TARGET
        ok_memory = result["peak_mb"] < PEAK_MB_TARGET
        print(
            f"dashboard computation: {result['seconds']:.2f} s (target < {SECONDS_TARGET:.0f} s) "
            f"{'PASS' if ok_time else 'FAIL'}"
        )
        print(
            f"peak memory (RSS, with Django's {result['startup_mb']:.0f} MB): {result['peak_mb']:.0f} MB "
            f"(target < {PEAK_MB_TARGET} MB) {'PASS' if ok_memory else 'FAIL'}"
        )
        print(f"charts: {result['charts']} rendered in {result['chart_seconds']:.2f} s (not in the target)")
    finally:
        if not args.keep:
            drop_database()


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == MEASURE_FLAG:
        measure(sys.argv[2])
    else:
        main()
