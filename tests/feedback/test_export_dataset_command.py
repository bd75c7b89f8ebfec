"""`manage.py export_dataset`: runs an export in-process with a progress bar, and says
clearly what is wrong with what it was given."""

from __future__ import annotations

import io
import json
import re

import pyarrow.parquet as pq
import pytest
from django.core.management import CommandError, call_command

from feedback.management.progress import TerminalProgress
from feedback.models import ExportJob, JobStatus
from feedback.services import exports
from feedback.services.responses import response_submit
from tests.builders import add_records, comparison_dataset, full_answer


@pytest.fixture(autouse=True)
def storage(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def dataset(people):
    dataset = comparison_dataset(people.workspace_a)
    for record in add_records(dataset, 5):
        response_submit(record=record, user=people.labeler_a1, values=full_answer())
    return dataset


def export(*args: str) -> str:
    out = io.StringIO()
    call_command("export_dataset", *args, stdout=out)
    return out.getvalue()


def test_exports_to_the_output_file_with_progress_and_records_the_job(people, dataset, tmp_path, monkeypatch):
    monkeypatch.setattr(exports, "CHUNK", 2)
    target = tmp_path / "pairs.parquet"
    printed = export(
        str(dataset.pk),
        "--layout=preference",
        "--format=parquet",
        "--option=unification=per_labeler",
        "--option=pair_mode=best_vs_worst",
        f"--output={target}",
        "--user=admin-a",
    )
    # full_answer ranks response-2 first, response-3 last.
    table = pq.read_table(target)
    assert table.column_names == ["prompt", "chosen", "rejected"]
    assert table.column("chosen").to_pylist() == [f"second answer {n}" for n in range(5)]
    assert table.column("rejected").to_pylist() == [f"third answer {n}" for n in range(5)]
    job = ExportJob.objects.get()
    assert job.status == JobStatus.SUCCEEDED and job.created_by == people.admin_a
    assert job.options["unification"] == "per_labeler" and job.format == "parquet"
    # Not a terminal: a plain line per chunk that moved past a tenth, then the summary.
    assert printed.splitlines() == [
        "exporting [########------------]  40%  2/5 records",
        "exporting [################----]  80%  4/5 records",
        "exporting [####################] 100%  5/5 records",
        f"Export {job.pk} done: 5 records, 5 responses, 5 rows, 0 dropped, 0 ties.",
        f"Wrote {target}",
    ]


def test_without_output_it_says_where_the_file_is_stored(dataset):
    printed = export(str(dataset.pk), "--layout", "raw", "--option", 'statuses=["submitted", "draft"]')
    job = ExportJob.objects.get()
    assert printed.splitlines()[-1] == f"Stored as {job.file.name}"
    assert job.options["statuses"] == ["submitted", "draft"]
    with job.file.open("rb") as handle:
        rows = [json.loads(line) for line in handle.read().splitlines()]
    assert len(rows) == 5 and rows[0]["responses"][0]["user"] == "labeler-a1"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--layout=preference", "--option=unification=vote"], "options: unification must be one of"),
        (["--layout=kto"], "options.threshold: kto needs a rating threshold"),
        (["--layout=sft", "--option=prompt_field=nope"], "options.prompt_field: no field named 'nope'"),
        (["--layout=raw", "--option=statuses"], "--option takes KEY=VALUE, got 'statuses'"),
        (["--layout=raw", "--user=labeler-a1"], "'labeler-a1' may not export this dataset"),
        (["--layout=raw", "--user=nobody"], "no user named 'nobody'"),
    ],
)
def test_bad_arguments_are_a_clear_command_error_and_start_nothing(dataset, args, message):
    with pytest.raises(CommandError, match=re.escape(message)):
        export(str(dataset.pk), *args)
    assert not ExportJob.objects.exists()


def test_an_unknown_dataset_is_a_command_error(db):
    with pytest.raises(CommandError, match="no dataset with id"):
        export("00000000-0000-0000-0000-000000000000", "--layout=raw")
    with pytest.raises(CommandError, match="is not a dataset id"):
        export("seven", "--layout=raw")


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_on_a_terminal_the_bar_redraws_one_line():
    screen = Terminal()
    progress = TerminalProgress(screen, "exporting")
    progress(9_000, 20_000)
    progress(20_000, 20_000)
    progress.finish()
    assert screen.getvalue() == (
        "\rexporting [#########-----------]  45%  9,000/20,000 records   "
        "\rexporting [####################] 100%  20,000/20,000 records   \n"
    )


def test_in_a_log_it_prints_a_line_at_most_every_tenth():
    log = io.StringIO()
    progress = TerminalProgress(log, "exporting")
    for done in range(0, 1001, 50):
        progress(done, 1000)
    progress.finish()
    lines = log.getvalue().splitlines()
    assert [line.split("]")[1].split("%")[0].strip() for line in lines] == [str(p) for p in range(0, 101, 10)]
    assert lines[-1] == "exporting [####################] 100%  1,000/1,000 records"
    empty = io.StringIO()
    TerminalProgress(empty, "exporting")(0, 0)  # an empty dataset is done at once
    assert empty.getvalue() == "exporting [####################] 100%  0/0 records\n"
