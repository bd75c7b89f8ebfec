"""Benchmark: file import and dataset exports through the management commands, against the raw PostgreSQL floor.

    .venv/bin/python bench/data_io.py [--records 200000]

In one run, on a fresh database `feedloop_bench`, with a dataset built like
`tests.builders.comparison_dataset` (prompt, response-1..3, a `ranking` and a `quality` question…):
1. a JSONL file of `--records` rows (~1.2 KB: a prompt, three responses, metadata and a
   suggested `quality` with its score and agent) is written to a temporary directory;
2. import: `manage.py import_records <dataset> <file> --user <admin>` in a child process,
   timed, with its peak RSS (`os.wait4`); the floor: the same file parsed in Python and
   loaded with `COPY … FROM STDIN` into the record and suggestion tables of a second
   dataset (target: import at least 0.30 of the floor);
3. every record then gets two submitted rankings from two annotators (setup, not measured);
4. exports: `manage.py export_dataset <dataset> --layout preference|raw --format jsonl|parquet`,
   each in a child process, timed, with its peak RSS; the floor: a server-side cursor over
   the records with their responses aggregated in SQL, one `json.dumps` per record to a
   JSONL file (target: each export at least 0.50 of the floor);
5. peak memory of the import and of each export: under 300 MB.
Child wall times include Django's start-up, shown on its own line (`manage.py check`).
Children are started from a small launcher process, so that their peak RSS is their own
(see `serve_children`).
It prints PASS/FAIL per target and exits 0 regardless: it is a measurement, not a test.
"""

from __future__ import annotations

import argparse
import io
import itertools
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import psycopg2
import psycopg2.extras
from benchdb import DB_NAME, SERVER, drop_database, reset_database, text, vacuum

ROOT = Path(__file__).resolve().parent.parent
PASSWORD = "bench-password-123"  # noqa: S105 (users of a throwaway database)
ADMIN = "bench-admin"
ANNOTATORS = ("bench-labeler-1", "bench-labeler-2")
COPY_CHUNK = 5_000  # records per COPY statement of the floors
RESPONSES = ("response-1", "response-2", "response-3")
IMPORT_RATIO_TARGET = 0.30
EXPORT_RATIO_TARGET = 0.50
PEAK_MB_TARGET = 300


def write_jsonl(path: Path, count: int, seed: int = 7) -> int:
    """`count` rows as the import reads them, streamed to `path`; returns the file's size."""
    rng = random.Random(seed)
    with path.open("w", encoding="utf-8") as file:
        for n in range(count):
            row = {
                "external_id": f"bench-{n}",
                "prompt": text(rng, 40),
                "response-1": text(rng, 35),
                "response-2": text(rng, 35),
                "response-3": text(rng, 35),
                "model": rng.choice(["a", "b"]),
                "length": rng.randint(1, 5000),
                "quality": rng.randint(1, 5),
                "quality.score": round(rng.random(), 3),
                "quality.agent": "judge",
            }
            file.write(json.dumps(row) + "\n")
    return path.stat().st_size


def child_env(env: dict[str, str]) -> dict[str, str]:
    """The environment of every child process: no broker, so tasks would run eagerly."""
    merged = {**os.environ, **env}
    merged.pop("CELERY_BROKER_URL", None)
    return merged


def django_setup(env: dict[str, str]) -> None:
    """Migrate in a child process (as a deployment would), then configure Django here."""
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "--verbosity", "0"], cwd=ROOT, env=child_env(env), check=True
    )
    os.environ.update(env)
    os.environ.pop("CELERY_BROKER_URL", None)
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def build_datasets() -> tuple[str, str, list[str]]:
    """Two identical published comparison datasets (app target, floor target) in one
    workspace with an admin and two annotators; returns their ids and the annotators' ids."""
    from accounts.services import user_create
    from tests.builders import comparison_dataset
    from workspaces.models import Role
    from workspaces.services import membership_add, workspace_create

    workspace = workspace_create(name="bench")
    admin = user_create(username=ADMIN, password=PASSWORD, role="admin")
    membership_add(workspace=workspace, user=admin, role=Role.ADMIN)
    annotators = []
    for name in ANNOTATORS:
        user = user_create(username=name, password=PASSWORD, role="annotator")
        membership_add(workspace=workspace, user=user, role=Role.ANNOTATOR)
        annotators.append(str(user.pk))
    app = comparison_dataset(workspace, name="app")
    floor = comparison_dataset(workspace, name="floor")
    return str(app.pk), str(floor.pk), annotators


@dataclass
class Run:
    seconds: float
    peak_mb: float
    output: str


LAUNCHER_FLAG = "--launch-children"


def serve_children() -> None:
    """The launcher's loop: one JSON request a line on stdin (command, cwd, env, log),
    one JSON answer a line on stdout (wall seconds, peak RSS in KiB, exit code).

    Children are started from this small process rather than from the benchmark: on
    Linux a child's `ru_maxrss` counts the RSS of the process it was forked from (the
    high-water mark survives fork and exec), so a child of the benchmark, which holds
    Django and hundreds of MB by the time of the exports, would report at least that."""
    for line in sys.stdin:
        request = json.loads(line)
        with open(request["log"], "w", encoding="utf-8") as output:
            started = time.perf_counter()
            child = subprocess.Popen(
                request["command"], cwd=request["cwd"], env=request["env"], stdout=output, stderr=output
            )
            _, status, usage = os.wait4(child.pid, 0)
            seconds = time.perf_counter() - started
            child.returncode = os.waitstatus_to_exitcode(status)  # reaped here: keep Popen from waiting again
        answer = {"seconds": seconds, "maxrss_kib": usage.ru_maxrss, "exit": child.returncode}
        sys.stdout.write(json.dumps(answer) + "\n")
        sys.stdout.flush()


class Launcher:
    """Runs `manage.py` commands through the launcher process (`serve_children`), which
    must be started while this process is still small: before Django is set up."""

    def __init__(self) -> None:
        self._process = subprocess.Popen(
            [sys.executable, str(Path(__file__).resolve()), LAUNCHER_FLAG],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )

    def run(self, command: list[str], env: dict[str, str], log: Path) -> Run:
        """A `manage.py` command in a child process: wall time and peak RSS (from wait4).
        Its output goes to a file: a pipe nobody reads while it runs could fill and block it."""
        assert self._process.stdin is not None and self._process.stdout is not None
        request = {
            "command": [sys.executable, "manage.py", *command],
            "cwd": str(ROOT),
            "env": child_env(env),
            "log": str(log),
        }
        self._process.stdin.write(json.dumps(request) + "\n")
        self._process.stdin.flush()
        answer = json.loads(self._process.stdout.readline())
        output = log.read_text(encoding="utf-8")
        if answer["exit"] != 0:
            raise SystemExit(f"manage.py {' '.join(command)} failed ({answer['exit']}):\n{output[-3000:]}")
        return Run(answer["seconds"], answer["maxrss_kib"] / 1024, output)  # ru_maxrss: KiB on Linux

    def close(self) -> None:
        assert self._process.stdin is not None
        self._process.stdin.close()
        self._process.wait(timeout=30)


def copy_text(value: str) -> str:
    """A value for COPY's text format (JSON text holds no raw tab or newline: only
    backslashes need doubling)."""
    return value.replace("\\", "\\\\")


def import_floor(dataset_id: str, path: Path) -> float:
    """The file parsed row by row and loaded with COPY: records, then their suggestions,
    with the columns the app fills, in chunks of COPY_CHUNK records, in one transaction."""
    connection = psycopg2.connect(f"{SERVER}/{DB_NAME}")
    with connection.cursor() as cursor:
        cursor.execute("SELECT name, id FROM feedback_question WHERE dataset_id = %s", [dataset_id])
        questions = {name: str(pk) for name, pk in cursor.fetchall()}
    field_names = ("prompt", *RESPONSES)
    metadata_names = ("model", "length")
    started = time.perf_counter()
    now = datetime.now(UTC)
    stamp = now.isoformat()
    with connection, connection.cursor() as cursor, path.open("rb") as file:
        offset = 0
        while True:
            lines = list(itertools.islice(file, COPY_CHUNK))
            if not lines:
                break
            records, suggestions = io.StringIO(), io.StringIO()
            for line in lines:
                row = json.loads(line)
                record_id = str(uuid.uuid4())
                fields = json.dumps({name: row[name] for name in field_names})
                metadata = json.dumps({name: row[name] for name in metadata_names})
                # A microsecond apart, as the app does: records keep the file's order.
                inserted_at = (now + timedelta(microseconds=offset)).isoformat()
                offset += 1
                records.write(
                    f"{record_id}\t{dataset_id}\t{copy_text(row['external_id'])}\t{copy_text(fields)}\t"
                    f"{copy_text(metadata)}\t{{}}\tpending\t0\t\\N\t{inserted_at}\t{stamp}\n"
                )
                suggestions.write(
                    f"{uuid.uuid4()}\t{record_id}\t{questions['quality']}\t{json.dumps(row['quality'])}\t"
                    f"{json.dumps(row['quality.score'])}\t{copy_text(row['quality.agent'])}\t\\N\t{stamp}\t{stamp}\n"
                )
            records.seek(0)
            suggestions.seek(0)
            cursor.copy_expert(
                "COPY feedback_record (id, dataset_id, external_id, fields, metadata, vectors, status,"
                " submitted_count, created_by_id, inserted_at, updated_at) FROM STDIN",
                records,
            )
            cursor.copy_expert(
                "COPY feedback_suggestion (id, record_id, question_id, value, score, agent, type,"
                " inserted_at, updated_at) FROM STDIN",
                suggestions,
            )
    elapsed = time.perf_counter() - started
    connection.close()
    return elapsed


def response_values(dataset_id: str, seed: int = 11) -> Iterator[str]:
    """Endless full answers (a ranking of the three responses with a rank each, and a
    rating), as JSON, normalised by the app's own validation so they are stored as the
    app stores them (best first)."""
    from feedback.models import Question
    from feedback.questions import clean_response_values

    rng = random.Random(seed)
    questions = list(Question.objects.filter(dataset_id=dataset_id))
    fields = {"prompt": "p", **dict.fromkeys(RESPONSES, "r")}
    choices = [
        json.dumps(
            clean_response_values(
                questions,
                {
                    "ranking": {"value": [{"value": v, "rank": r} for v, r in zip(RESPONSES, ranks, strict=True)]},
                    "quality": {"value": quality},
                },
                submitted=True,
                record_fields=fields,
            )
        )
        for ranks in itertools.permutations((1, 2, 3))
        for quality in range(1, 6)
    ]
    while True:
        yield rng.choice(choices)


def add_responses(dataset_id: str, annotators: list[str]) -> int:
    """Two submitted responses per record (COPY), then the app's recount of every
    record's submitted_count and status. Setup: not measured."""
    from feedback.models import Dataset, Record
    from feedback.services.responses import refresh_record_status

    values = response_values(dataset_id)
    stamp = datetime.now(UTC).isoformat()
    connection = psycopg2.connect(f"{SERVER}/{DB_NAME}")
    count = 0
    with connection, connection.cursor() as cursor:
        cursor.execute("SELECT id FROM feedback_record WHERE dataset_id = %s ORDER BY inserted_at, id", [dataset_id])
        record_ids = [row[0] for row in cursor.fetchall()]
        for start in range(0, len(record_ids), COPY_CHUNK):
            stream = io.StringIO()
            for record_id in record_ids[start : start + COPY_CHUNK]:
                for user_id in annotators:
                    stream.write(
                        f"{uuid.uuid4()}\t{record_id}\t{user_id}\t{copy_text(next(values))}\tsubmitted\t\\N\t"
                        f"{stamp}\t{{}}\t{stamp}\t{stamp}\n"
                    )
                    count += 1
            stream.seek(0)
            cursor.copy_expert(
                "COPY feedback_response (id, record_id, user_id, values, status, time_spent_seconds,"
                " submitted_at, context, inserted_at, updated_at) FROM STDIN",
                stream,
            )
    connection.close()
    dataset = Dataset.objects.get(pk=dataset_id)
    ids = list(Record.objects.filter(dataset=dataset).values_list("id", flat=True))
    for start in range(0, len(ids), COPY_CHUNK):
        refresh_record_status(dataset=dataset, record_ids=ids[start : start + COPY_CHUNK])
    return count


EXPORT_FLOOR_SQL = """
SELECT r.id::text, r.external_id, r.status, r.fields, r.metadata,
       COALESCE((SELECT json_agg(json_build_object('user', u.username, 'status', s.status, 'values', s.values)
                                 ORDER BY s.inserted_at)
                 FROM feedback_response s JOIN accounts_user u ON u.id = s.user_id
                 WHERE s.record_id = r.id AND s.status = 'submitted'), '[]'::json)
       {suggestions}
FROM feedback_record r
WHERE r.dataset_id = %s
ORDER BY r.inserted_at, r.id
"""
SUGGESTIONS_SQL = """,
       COALESCE((SELECT json_agg(json_build_object('question', q.name, 'value', g.value, 'score', g.score,
                                                   'agent', g.agent, 'type', g.type) ORDER BY g.inserted_at)
                 FROM feedback_suggestion g JOIN feedback_question q ON q.id = g.question_id
                 WHERE g.record_id = r.id), '[]'::json)"""


def export_floor(dataset_id: str, path: Path, with_suggestions: bool) -> tuple[float, int]:
    """Every record with its submitted responses (and suggestions), aggregated in SQL,
    read through a named cursor and written one `json.dumps` per line."""
    connection = psycopg2.connect(f"{SERVER}/{DB_NAME}")
    sql = EXPORT_FLOOR_SQL.format(suggestions=SUGGESTIONS_SQL if with_suggestions else "")
    rows = 0
    started = time.perf_counter()
    with connection, connection.cursor(name="export_floor") as cursor, path.open("wb") as file:
        cursor.itersize = 2000
        cursor.execute(sql, [dataset_id])
        for row in cursor:
            line = {
                "id": row[0],
                "external_id": row[1],
                "status": row[2],
                "fields": row[3],
                "metadata": row[4],
                "responses": row[5],
            }
            if with_suggestions:
                line["suggestions"] = row[6]
            file.write(json.dumps(line, ensure_ascii=False).encode() + b"\n")
            rows += 1
    elapsed = time.perf_counter() - started
    connection.close()
    return elapsed, rows


def verdict(ok: bool) -> str:
    return "PASS" if ok else "FAIL"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--records", type=int, default=200_000)
    parser.add_argument("--keep", action="store_true", help="keep the database and the scratch files for inspection")
    args = parser.parse_args()

    launcher = Launcher()  # first, while this process is small (see serve_children)
    scratch = Path(tempfile.mkdtemp(prefix="feedloop-bench-"))
    env = {
        "DATABASE_URL": f"{SERVER}/{DB_NAME}",
        "DJANGO_SECRET_KEY": "bench-only-secret-key-0123456789-abcdefghijklmnop",
        "DJANGO_ALLOWED_HOSTS": "localhost",
        "DJANGO_STATIC_MANIFEST": "false",
        "DJANGO_LOG_LEVEL": "WARNING",
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "FEEDLOOP_STORAGE_DIR": str(scratch / "storage"),
    }
    reset_database()
    django_setup(env)
    app_dataset, floor_dataset, annotators = build_datasets()
    from feedback.models import ExportJob, ImportJob, Record

    started = time.perf_counter()
    source = scratch / "records.jsonl"
    size = write_jsonl(source, args.records)
    print(
        f"{args.records:,} records in {source} ({size / 1e6:.0f} MB, ~{size / args.records:.0f} bytes a row), "
        f"written in {time.perf_counter() - started:.1f} s; scratch {scratch}"
    )
    startup = launcher.run(["check"], env, scratch / "check.log")

    # Import: the command in a child process, then the COPY floor into the second dataset.
    imported = launcher.run(["import_records", app_dataset, str(source), "--user", ADMIN], env, scratch / "import.log")
    job = ImportJob.objects.filter(dataset_id=app_dataset).latest("inserted_at")
    stored = Record.objects.filter(dataset_id=app_dataset).count()
    if job.status != "succeeded" or stored != args.records:
        raise SystemExit(f"import {job.pk}: {job.status}, {stored:,} records stored: {job.error}")
    vacuum()
    floor_seconds = import_floor(floor_dataset, source)
    vacuum()
    if Record.objects.filter(dataset_id=floor_dataset).count() != args.records:
        raise SystemExit("the import floor did not store every record")

    responses = add_responses(app_dataset, annotators)
    vacuum()
    print(f"setup: {responses:,} submitted responses (two rankings a record) added and counted")

    exports = []
    for layout, format in (("preference", "jsonl"), ("preference", "parquet"), ("raw", "jsonl"), ("raw", "parquet")):
        log = scratch / f"export-{layout}-{format}.log"
        run = launcher.run(["export_dataset", app_dataset, "--layout", layout, "--format", format], env, log)
        job = ExportJob.objects.filter(dataset_id=app_dataset).latest("inserted_at")
        if job.status != "succeeded" or job.counts.get("records") != args.records:
            raise SystemExit(f"export {job.pk}: {job.status}, counts {job.counts}: {job.error}")
        file_mb = job.file.size / 1e6
        exports.append((layout, format, run, job.counts["rows"], file_mb))
    floor_plain = export_floor(app_dataset, scratch / "floor-responses.jsonl", with_suggestions=False)
    floor_full = export_floor(app_dataset, scratch / "floor-suggestions.jsonl", with_suggestions=True)

    n = args.records

    def rate(seconds: float) -> float:
        return n / seconds

    lines = [
        f"{'step':<50} {'seconds':>8} {'records/s':>10} {'peak MB':>8} {'rows':>10} {'ratio':>6}  targets",
        "-" * 122,
        f"{'django start-up (manage.py check)':<50} {startup.seconds:8.2f} {'':>10} {startup.peak_mb:8.0f}",
    ]
    import_ratio = rate(imported.seconds) / rate(floor_seconds)
    import_ok = import_ratio >= IMPORT_RATIO_TARGET
    memory_ok = imported.peak_mb < PEAK_MB_TARGET
    lines.append(
        f"{'import_records (jsonl)':<50} {imported.seconds:8.2f} {rate(imported.seconds):10.0f} "
        f"{imported.peak_mb:8.0f} {stored:10,} {import_ratio:6.3f}  "
        f"ratio >= {IMPORT_RATIO_TARGET:.2f} {verdict(import_ok)}, peak < {PEAK_MB_TARGET} MB {verdict(memory_ok)}"
    )
    lines.append(
        f"{'import floor (parse + COPY records, suggestions)':<50} {floor_seconds:8.2f} {rate(floor_seconds):10.0f}"
    )
    results = [import_ok, memory_ok]
    for layout, format, run, rows, file_mb in exports:
        # Raw exports also read suggestions: they are compared with the floor that does too.
        floor = floor_full if layout == "raw" else floor_plain
        ratio = rate(run.seconds) / rate(floor[0])
        ratio_ok, memory_ok = ratio >= EXPORT_RATIO_TARGET, run.peak_mb < PEAK_MB_TARGET
        results += [ratio_ok, memory_ok]
        lines.append(
            f"{f'export_dataset {layout} {format} ({file_mb:.0f} MB)':<50} {run.seconds:8.2f} "
            f"{rate(run.seconds):10.0f} {run.peak_mb:8.0f} {rows:10,} {ratio:6.3f}  "
            f"ratio >= {EXPORT_RATIO_TARGET:.2f} {verdict(ratio_ok)}, peak < {PEAK_MB_TARGET} MB {verdict(memory_ok)}"
        )
    lines.append(
        f"{'export floor (records + responses)':<50} {floor_plain[0]:8.2f} {rate(floor_plain[0]):10.0f} "
        f"{'':>8} {floor_plain[1]:10,}"
    )
    lines.append(
        f"{'export floor (records + responses + suggestions)':<50} {floor_full[0]:8.2f} "
        f"{rate(floor_full[0]):10.0f} {'':>8} {floor_full[1]:10,}"
    )
    print()
    print(f"{n:,} records, {responses:,} responses; child wall times include Django start-up; ratio = app / floor")
    print("\n".join(lines))
    print(f"{sum(results)} of {len(results)} targets met ({'PASS' if all(results) else 'FAIL'})")
    launcher.close()
    if args.keep:
        print(f"kept: database {DB_NAME}, logs and files in {scratch}")
    else:
        from django.db import connection

        connection.close()
        shutil.rmtree(scratch)
        drop_database()


if __name__ == "__main__":
    if sys.argv[1:] == [LAUNCHER_FLAG]:
        serve_children()
    else:
        main()
