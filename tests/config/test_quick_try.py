"""The quick try (`make demo`) runs on SQLite with eager tasks: the demo's data goes in
and out there too, not only on PostgreSQL where the rest of the suite runs."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = """
import io, json
import django
django.setup()
from django.core.management import call_command
from feedback.models import Dataset, ExportJob, ImportJob, Record

quiet = io.StringIO()
call_command("migrate", verbosity=0)
call_command("seed_demo", stdout=quiet)
for dataset in Dataset.objects.order_by("name"):
    for layout, format in (("raw", "jsonl"), ("raw", "parquet"), ("sft", "jsonl"), ("preference", "hf_dataset")):
        call_command(
            "export_dataset", str(dataset.pk), "--layout", layout, "--format", format, "--user", "owner", stdout=quiet
        )
# A raw export goes back in (records matched by external id: nothing new). Its record
# ids, statuses and labelers' responses are the export's own: they are ignored, by name.
comparison = Dataset.objects.get(name="response-comparison")
exported = ExportJob.objects.filter(dataset=comparison, layout="raw", format="jsonl").get()
mapping = json.dumps({"id": "ignore", "status": "ignore", "responses": "ignore"})
call_command(
    "import_records", str(comparison.pk), exported.file.path, "--mapping", mapping, "--user", "owner", stdout=quiet
)
# The work queue hands out records there too (its pick is SQL, without row locks on SQLite).
from accounts.models import User
from feedback.models import Response
from feedback.services.queue import queue_next
ana = User.objects.get(username="ana")
picked = queue_next(dataset=comparison, user=ana)
queue = {
    "picked": picked is not None and picked.dataset_id == comparison.pk,
    "unanswered": picked is not None and not Response.objects.filter(record=picked, user=ana).exists(),
}
# The quality dashboard is computed there too (its aggregates have SQLite equivalents).
from feedback.selectors import dataset_metrics
evaluation = dataset_metrics(Dataset.objects.get(name="internal-evaluation"))
pairwise = dataset_metrics(Dataset.objects.get(name="pairwise-preference"))
print(json.dumps({
    "dashboard": {
        "annotators": {row["username"]: (row["submitted"], row["paste_rate"]) for row in evaluation["annotators"]},
        "labeler_agreement": {row["username"]: len(row["agreement"]) for row in evaluation["annotators"]},
        "quality_alpha": next(q for q in evaluation["questions"] if q["name"] == "quality")["agreement"]["value"],
        "rated_models": len(evaluation["leaderboard"]["ratings"]),
        "days": len(evaluation["progress"]["per_day"]),
        "pairwise_models": [row["model"] for row in pairwise["leaderboard"]["models"]],
    },
    "exports": sorted(
        [job.dataset.name, job.layout, job.format, job.status, job.counts["records"], job.counts["rows"], job.error]
        for job in ExportJob.objects.select_related("dataset")
    ),
    "records": {d.name: d.records.count() for d in Dataset.objects.all()},
    "queue": queue,
    "import": list(ImportJob.objects.values_list("status", "counts")),
}))
"""


def test_the_demo_data_goes_in_and_out_on_sqlite(tmp_path):
    env = {
        "PATH": os.environ["PATH"],
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DJANGO_DEBUG": "1",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'demo.sqlite3'}",
        "FEEDLOOP_STORAGE_DIR": str(tmp_path / "storage"),
    }
    result = subprocess.run(
        [sys.executable, "-c", SCRIPT], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300
    )
    assert result.returncode == 0, result.stderr[-3000:]
    outcome = json.loads(result.stdout.strip().splitlines()[-1])
    records = outcome["records"]
    assert len(outcome["exports"]) == 4 * len(records) == 20
    rows = {}
    for name, layout, format, status, exported, written, error in outcome["exports"]:
        assert (status, error) == ("succeeded", ""), (name, layout, format)
        assert exported == records[name]
        rows[name, layout] = written
    # The pairwise votes become preference pairs (ties and unvoted records give none).
    assert records["pairwise-preference"] == 12 and 0 < rows["pairwise-preference", "preference"] < 12
    assert outcome["queue"] == {"picked": True, "unanswered": True}
    dashboard = outcome["dashboard"]
    assert dashboard["annotators"]["dev"][0] == 12 and dashboard["quality_alpha"] is not None
    # Each labeler's agreement with the others (it was empty on SQLite: ids in two forms).
    assert all(dashboard["labeler_agreement"].values()), dashboard["labeler_agreement"]
    assert dashboard["rated_models"] == 3 and dashboard["days"] >= 5
    assert any(paste_rate for _, paste_rate in dashboard["annotators"].values())
    assert dashboard["pairwise_models"] == ["feedloop-chat-7b-v2", "feedloop-chat-13b-v1", "feedloop-chat-7b-v1"]
    [(status, counts)] = outcome["import"]
    assert status == "succeeded" and counts["stored"] == counts["updated"] == records["response-comparison"]
