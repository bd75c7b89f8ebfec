"""Benchmark: the record page of a comparison of four long responses, server time.

    .venv/bin/python bench/record_page.py [--words 2000] [--responses 4] [--repeat 30]

On a fresh database `feedloop_bench` (or `$FEEDLOOP_BENCH_DB`): a published dataset of a
chat prompt and `--responses` markdown responses of `--words` words each (with some
emphasis, code, a list and a table), compared by one ranking question, and a labeler.
It times `GET /datasets/{id}/records/{id}` through Django's whole stack in this process
(middleware, view, queries, templates, markdown rendering and sanitising; no network),
and prints the median and the 95th percentile over `--repeat` requests after a warm-up,
against the target of 200 ms (#13). Not a test: numbers depend on the machine; run it
by hand with nothing else busy.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import time
import warnings
from pathlib import Path

from benchdb import DB_NAME, SERVER, drop_database, reset_database, text

ROOT = Path(__file__).resolve().parent.parent
TARGET_MS = 200
ENV = {
    "DATABASE_URL": f"{SERVER}/{DB_NAME}",
    "DJANGO_SECRET_KEY": "bench-only-secret-key-not-used-anywhere-else",
    "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost,testserver",
    "DJANGO_STATIC_MANIFEST": "false",
    "DJANGO_SETTINGS_MODULE": "config.settings",
    "PYTHONWARNINGS": "ignore::UserWarning",
}


def response_text(rng: random.Random, words: int) -> str:
    """Markdown of about `words` words: paragraphs with emphasis and code, a list, a table."""
    paragraphs, left = [], words
    while left > 0:
        size = min(left, 120)
        paragraph = text(rng, size).split()
        paragraph[0] = f"**{paragraph[0]}**"
        paragraph[-1] = f"`{paragraph[-1]}`"
        paragraphs.append(" ".join(paragraph))
        left -= size
    extras = ["- first point\n- second point\n- third point", "| a | b |\n|---|---|\n| 1 | 2 |"]
    return "\n\n".join(paragraphs[:2] + extras + paragraphs[2:] + ["```python\nprint('done')\n```"])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--words", type=int, default=2000)
    parser.add_argument("--responses", type=int, default=4)
    parser.add_argument("--repeat", type=int, default=30)
    args = parser.parse_args()

    warnings.filterwarnings("ignore", message="No directory at")  # static files are not collected here
    reset_database()
    os.environ.update(ENV)
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from django.test import Client
    from django.test.utils import setup_test_environment

    from accounts.models import User
    from feedback.models import Record
    from feedback.services import datasets as services
    from feedback.services.records import records_bulk_upsert
    from workspaces.models import Membership, Role
    from workspaces.services import workspace_create

    setup_test_environment()  # Client's host and cookies; settings stay as configured above
    try:
        rng = random.Random(13)
        workspace = workspace_create(name="bench")
        labeler = User.objects.create_user(username="ana")  # logged in by force_login
        Membership.objects.create(workspace=workspace, user=labeler, role=Role.ANNOTATOR)
        dataset = services.dataset_create(workspace=workspace, name="compare")
        services.field_create(dataset=dataset, name="prompt", type="chat")
        names = [f"response-{n}" for n in range(1, args.responses + 1)]
        for name in names:
            services.field_create(dataset=dataset, name=name, settings={"use_markdown": True})
        options = [{"value": name, "text": f"Response {chr(ord('A') + n)}"} for n, name in enumerate(names)]
        services.question_create(dataset=dataset, name="ranking", type="ranking", settings={"options": options})
        services.question_create(dataset=dataset, name="comment", type="text", required=False)
        dataset = services.dataset_publish(dataset=dataset)
        fields = {name: response_text(rng, args.words) for name in names}
        fields["prompt"] = [{"role": "user", "content": text(rng, 60)}]
        records_bulk_upsert(dataset=dataset, items=[{"external_id": "r1", "fields": fields}])
        record = Record.objects.get(dataset=dataset)

        client = Client()
        client.force_login(labeler)
        url = f"/datasets/{dataset.pk}/records/{record.pk}"
        for _ in range(3):
            assert client.get(url).status_code == 200
        times = []
        for _ in range(args.repeat):
            started = time.perf_counter()
            page = client.get(url)
            times.append((time.perf_counter() - started) * 1000)
            assert page.status_code == 200
        times.sort()
        median, p95 = statistics.median(times), times[min(len(times) - 1, round(0.95 * len(times)) - 1)]
        print(
            f"record page, {args.responses} responses x {args.words} words ({len(page.content) // 1024} KB of HTML): "
            f"median {median:.1f} ms, p95 {p95:.1f} ms (target {TARGET_MS} ms: "
            f"{'met' if p95 < TARGET_MS else 'MISSED'})"
        )
    finally:
        from django.db import connections

        connections.close_all()
        drop_database()


if __name__ == "__main__":
    main()
