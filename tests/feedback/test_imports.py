"""File imports through the services: every format, the mapping, and malformed files
reported row by row with nothing half-stored."""

from __future__ import annotations

import io
import json
import zipfile
from datetime import timedelta
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from django.utils import timezone

from feedback.errors import InvalidData
from feedback.models import ImportJob, Record, Suggestion
from feedback.services.imports import FileTooLarge, import_create, import_run
from tests.builders import comparison_dataset

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def storage(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "storage"


@pytest.fixture
def dataset(people):
    return comparison_dataset(people.workspace_a)


def row(n: int, **extra) -> dict:
    return {
        "external_id": f"ext-{n}",
        "prompt": f"prompt {n}",
        "response-1": f"one {n}",
        "response-2": f"two {n}",
        "response-3": f"three {n}",
        "model": "a",
        "length": n,
        **extra,
    }


def jsonl(*rows: dict) -> bytes:
    return b"".join(json.dumps(r).encode() + b"\n" for r in rows)


def run(dataset, people, content: bytes, filename: str, **options) -> ImportJob:
    job = import_create(
        dataset=dataset,
        user=people.admin_a,
        file=io.BytesIO(content),
        filename=filename,
        run_in_background=False,
        **options,
    )
    return import_run(job_id=job.pk)


def errors_of(job: ImportJob) -> list[tuple]:
    return [(e["row"], e["column"], e["reason"]) for e in job.errors]


def test_jsonl_import_stores_fields_metadata_and_suggestions(dataset, people):
    content = jsonl(
        row(1, quality=4, **{"quality.score": 0.9, "quality.agent": "judge-v1"}),
        row(2, topic="code"),
        row(3, failures=["harmful"]),
    )

    job = run(dataset, people, content, "batch.jsonl")

    assert job.status == "succeeded", job.errors
    assert job.counts == {"rows": 3, "bad_rows": 0, "stored": 3, "created": 3, "updated": 0}
    assert job.progress == 1.0 and job.error_count == 0
    record = Record.objects.get(dataset=dataset, external_id="ext-1")
    assert record.fields["prompt"] == "prompt 1" and record.metadata == {"model": "a", "length": 1}
    suggestion = Suggestion.objects.get(record=record)
    assert (suggestion.question.name, suggestion.value, suggestion.score, suggestion.agent) == (
        "quality",
        4,
        0.9,
        "judge-v1",
    )
    assert Suggestion.objects.get(record__external_id="ext-3").value == ["harmful"]


def test_importing_the_same_file_again_creates_no_duplicates(dataset, people):
    content = jsonl(*(row(n) for n in range(1, 6)))
    run(dataset, people, content, "batch.jsonl")

    again = run(dataset, people, content, "batch.jsonl")

    assert again.status == "succeeded"
    assert (again.counts["created"], again.counts["updated"]) == (0, 5)
    assert Record.objects.filter(dataset=dataset).count() == 5


def test_a_bad_row_at_line_k_is_reported_there_and_nothing_is_stored(dataset, people):
    rows = [row(n) for n in range(1, 8)]
    rows[3]["length"] = "long"  # line 4
    rows[5].pop("prompt")  # line 6

    job = run(dataset, people, jsonl(*rows), "batch.jsonl")

    assert job.status == "failed" and job.error == "bad rows: nothing was stored"
    assert [(e["row"], e["column"]) for e in job.errors] == [(4, "length"), (6, "prompt")]
    assert "integer" in job.errors[0]["reason"]
    assert job.counts["rows"] == 7 and job.counts["bad_rows"] == 2 and job.counts["stored"] == 0
    assert not Record.objects.filter(dataset=dataset).exists()


def test_skip_bad_rows_stores_the_good_ones_and_reports_the_rest(dataset, people):
    rows = [row(n) for n in range(1, 6)]
    rows[1]["quality"] = 9  # not an option of the rating
    rows[2]["model"] = "c"  # not an allowed term

    job = run(dataset, people, jsonl(*rows), "batch.jsonl", skip_bad_rows=True)

    assert job.status == "succeeded"
    assert [(e["row"], e["column"]) for e in job.errors] == [(2, "quality"), (3, "model")]
    assert job.counts["stored"] == 3 and job.counts["bad_rows"] == 2
    stored = set(Record.objects.filter(dataset=dataset).values_list("external_id", flat=True))
    assert stored == {"ext-1", "ext-4", "ext-5"}


def test_wrong_types_and_unreadable_lines_are_all_reported(dataset, people):
    content = (
        jsonl(row(1))
        + b'{"external_id": "ext-2", "prompt": \n'  # broken JSON
        + jsonl(row(3, prompt=["not", "text"]))
        + b"[1, 2]\n"
        + jsonl(row(5, length=3.5, **{"quality.score": "high", "quality": 2}))
        + b'{"external_id": "ext-6", "length": NaN}\n'
    )

    job = run(dataset, people, content, "batch.jsonl")

    found = errors_of(job)
    assert [(r, c) for r, c, _ in found] == [
        (2, None),
        (3, "prompt"),
        (4, None),
        (5, "length"),
        (5, "quality.score"),
        (6, None),
    ]
    assert "not valid JSON" in found[0][2] and "JSON object" in found[2][2] and "NaN" in found[5][2]
    assert job.status == "failed" and not Record.objects.exists()


def test_unknown_columns_are_refused_before_any_row_and_can_be_mapped_or_ignored(dataset, people):
    header = "external_id,question,response-1,response-2,response-3,colour\n"
    content = (header + "e1,What is 2+2?,4,four,IV,red\n").encode()

    refused = run(dataset, people, content, "batch.csv")
    assert refused.status == "failed"
    assert [(e["row"], e["column"]) for e in refused.errors] == [(1, "question"), (1, "colour"), (1, None)]
    assert "no column feeds the required field 'prompt'" in refused.errors[2]["reason"]

    mapped = run(dataset, people, content, "batch.csv", mapping={"question": "field:prompt", "colour": "ignore"})
    assert mapped.status == "succeeded", mapped.errors
    assert Record.objects.get(external_id="e1").fields["prompt"] == "What is 2+2?"


def test_a_mapping_naming_nothing_in_the_dataset_is_refused_at_once(dataset, people):
    with pytest.raises(InvalidData) as refused:
        import_create(
            dataset=dataset,
            user=people.admin_a,
            file=io.BytesIO(jsonl(row(1))),
            filename="x.jsonl",
            mapping={"a": "field:nope", "b": "suggestion:quality:weight", "c": "external_id", "d": "external_id"},
        )
    assert [problem.loc for problem in refused.value.problems] == [("mapping", "a"), ("mapping", "b"), ("mapping", "d")]
    assert not ImportJob.objects.exists()


def test_csv_cells_are_converted_by_what_they_feed(dataset, people):
    chat = json.dumps([{"role": "user", "content": "hi"}, {"role": "assistant", "content": "hello"}])
    content = (
        "external_id,prompt,response-1,response-2,response-3,model,length,temperature,quality,failures,chat\n"
        f'e1,"A prompt, with a comma",a,b,c,b,12,0.5,3,harmful,"{chat.replace(chr(34), chr(34) * 2)}"\n'
        'e2,"Multi\nline",a,b,c,,,,,"[""harmful"", ""unhelpful""]",\n'
    ).encode()

    job = run(dataset, people, content, "batch.csv")

    assert job.status == "succeeded", job.errors
    first = Record.objects.get(external_id="e1")
    assert first.fields["prompt"] == "A prompt, with a comma" and first.fields["chat"][1]["content"] == "hello"
    assert first.metadata == {"model": "b", "length": 12, "temperature": 0.5}
    values = dict(Suggestion.objects.filter(record=first).values_list("question__name", "value"))
    assert values == {"quality": 3, "failures": ["harmful"]}
    second = Record.objects.get(external_id="e2")
    assert second.fields["prompt"] == "Multi\nline" and second.metadata is None
    assert Suggestion.objects.get(record=second).value == ["harmful", "unhelpful"]


def test_csv_rows_are_numbered_by_the_line_they_start_on(dataset, people):
    content = (
        b"external_id,prompt,response-1,response-2,response-3,length\n"
        b'e1,"two\nlines",a,b,c,1\n'
        b"e2,p,a,b,c,many\n"  # line 4
        b"e3,p,a,b\n"  # line 5: a cell short
    )

    job = run(dataset, people, content, "batch.csv")

    assert errors_of(job) == [
        (4, "length", "'many' is not an integer"),
        (5, None, "has 4 cells; the header has 6 columns"),
    ]


def test_an_unterminated_csv_quote_is_reported_where_it_starts(dataset, people):
    content = b'external_id,prompt,response-1,response-2,response-3\ne1,p,a,b,c\ne2,"never closed,a,b,c\ne3,p,a,b,c\n'

    job = run(dataset, people, content, "batch.csv")

    assert job.status == "failed" and job.error == "the file cannot be read: nothing was stored"
    assert errors_of(job) == [(3, None, "a quoted value starting on line 3 is never closed")]
    assert not Record.objects.exists()


def test_bytes_that_are_not_utf8_are_reported_on_their_row(dataset, people):
    latin = "caf\xe9".encode("latin-1")
    as_jsonl = jsonl(row(1)) + b'{"external_id": "e2", "prompt": "' + latin + b'"}\n'
    as_csv = b"external_id,prompt,response-1,response-2,response-3\ne1,p,a,b,c\ne2," + latin + b",a,b,c\n"

    from_jsonl = run(dataset, people, as_jsonl, "batch.jsonl")
    from_csv = run(dataset, people, as_csv, "batch.csv")

    assert errors_of(from_jsonl) == [(2, None, "not valid UTF-8: byte 0xe9 at position 36")]
    assert errors_of(from_csv) == [(3, "prompt", "not valid UTF-8 (save the file as UTF-8)")]
    assert not Record.objects.exists()


def parquet_bytes(rows: list[dict], **kwargs) -> bytes:
    sink = io.BytesIO()
    pq.write_table(pa.Table.from_pylist(rows), sink, **kwargs)
    return sink.getvalue()


def test_parquet_import_and_a_truncated_parquet_file(dataset, people):
    content = parquet_bytes([row(n, quality=n % 5 + 1) for n in range(1, 2501)], row_group_size=1000)

    job = run(dataset, people, content, "batch.parquet")
    assert job.status == "succeeded", job.errors
    assert Record.objects.filter(dataset=dataset).count() == 2500
    assert Suggestion.objects.filter(record__dataset=dataset).count() == 2500

    truncated = run(dataset, people, content[: len(content) // 2], "cut.parquet")
    assert truncated.status == "failed"
    assert truncated.errors[0]["reason"].startswith("not a readable Parquet file")


def dataset_zip(tmp_path: Path, rows: list[dict] | dict[str, list[dict]]) -> bytes:
    import datasets  # the real library, as a user would save their data

    folder = tmp_path / "saved"
    if isinstance(rows, dict):
        datasets.DatasetDict({k: datasets.Dataset.from_list(v) for k, v in rows.items()}).save_to_disk(folder)
    else:
        datasets.Dataset.from_list(rows).save_to_disk(folder)
    sink = io.BytesIO()
    with zipfile.ZipFile(sink, "w") as archive:
        for path in folder.rglob("*"):
            archive.write(path, f"saved/{path.relative_to(folder)}")
    return sink.getvalue()


def test_zipped_datasets_folders_import_and_a_split_is_chosen(dataset, people, tmp_path):
    single = dataset_zip(tmp_path / "one", [row(n) for n in range(1, 4)])
    job = run(dataset, people, single, "saved.zip")
    assert job.status == "succeeded", job.errors
    assert job.counts["stored"] == 3

    splits = dataset_zip(tmp_path / "two", {"train": [row(n) for n in range(10, 14)], "test": [row(20)]})
    unchosen = run(dataset, people, splits, "splits.zip")
    assert unchosen.status == "failed"
    assert "choose one of its splits ['test', 'train']" in unchosen.errors[0]["reason"]
    chosen = run(dataset, people, splits, "splits.zip", split="train")
    assert chosen.status == "succeeded" and chosen.counts["stored"] == 4
    assert Record.objects.filter(dataset=dataset).count() == 7


def test_a_zip_that_is_not_a_datasets_folder_is_refused(dataset, people):
    sink = io.BytesIO()
    with zipfile.ZipFile(sink, "w") as archive:
        archive.writestr("notes/readme.txt", "hello")

    not_a_folder = run(dataset, people, sink.getvalue(), "notes.zip")
    not_a_zip = run(dataset, people, b"PK but not really a zip", "fake.zip")

    assert "no datasets folder (no state.json)" in not_a_folder.errors[0]["reason"]
    assert not_a_zip.errors[0]["reason"].startswith("not a zip file")
    assert not_a_folder.status == not_a_zip.status == "failed"


def test_an_oversized_file_is_refused_before_it_is_kept(dataset, people, settings):
    settings.FEEDLOOP_IMPORT_MAX_BYTES = 1024
    with pytest.raises(FileTooLarge, match="the limit is 1,024"):
        import_create(dataset=dataset, user=people.admin_a, file=io.BytesIO(b"x" * 1025), filename="big.jsonl")
    assert not ImportJob.objects.exists()


def test_repeated_external_ids_are_reported_within_and_across_batches(dataset, people, settings):
    settings.FEEDLOOP_BULK_MAX_RECORDS = 3
    rows = [row(n) for n in range(1, 9)]
    rows[1]["external_id"] = "ext-1"  # row 2 repeats row 1, in the same batch
    rows[6]["external_id"] = "ext-3"  # row 7 repeats row 3, in a later batch

    job = run(dataset, people, jsonl(*rows), "batch.jsonl")

    assert errors_of(job) == [
        (2, "external_id", "repeats the external id of row 1"),
        (7, "external_id", "repeats the external id of row 3"),
    ]
    assert not Record.objects.exists()


def test_every_row_error_is_counted_and_the_kept_list_is_capped(dataset, people, settings):
    settings.FEEDLOOP_IMPORT_MAX_REPORTED_ERRORS = 5
    rows = [row(n, length="x") for n in range(1, 21)]

    job = run(dataset, people, jsonl(*rows), "batch.jsonl")

    assert job.error_count == 20 and len(job.errors) == 5 and job.counts["bad_rows"] == 20


def test_a_draft_dataset_and_an_empty_file_are_refused(people, dataset):
    draft = comparison_dataset(people.workspace_a, name="draft", publish=False)
    with pytest.raises(InvalidData, match="publish the dataset"):
        import_create(dataset=draft, user=people.admin_a, file=io.BytesIO(jsonl(row(1))), filename="x.jsonl")
    with pytest.raises(InvalidData, match="the file is empty"):
        import_create(dataset=dataset, user=people.admin_a, file=io.BytesIO(b""), filename="x.jsonl")
    with pytest.raises(InvalidData, match="format"):
        import_create(dataset=dataset, user=people.admin_a, file=io.BytesIO(b"a"), filename="x.xlsx")


class WorkerDied(BaseException):
    """Stands for the process being killed: not an Exception, so nothing records it."""


def test_a_job_whose_worker_died_resumes_after_its_last_batch_without_duplicates(dataset, people, settings):
    settings.FEEDLOOP_BULK_MAX_RECORDS = 4
    rows = [row(n) for n in range(1, 12)]
    for item in rows:
        item.pop("external_id")  # no external ids: only the checkpoint prevents duplicates
    job = import_create(
        dataset=dataset, user=people.admin_a, file=io.BytesIO(jsonl(*rows)), filename="x.jsonl", run_in_background=False
    )

    def die_after_first_stored_batch(progress: float) -> None:
        if progress > 0.5:
            raise WorkerDied

    with pytest.raises(WorkerDied):
        import_run(job_id=job.pk, on_progress=die_after_first_stored_batch)
    job.refresh_from_db()
    assert job.status == "running" and job.stored_through_row == 4
    assert Record.objects.filter(dataset=dataset).count() == 4
    # Delivered again while its heartbeat is fresh, the job is taken for another
    # worker's and left alone.
    assert import_run(job_id=job.pk).status == "running"
    assert Record.objects.filter(dataset=dataset).count() == 4
    # Its heartbeat stopped longer ago than FEEDLOOP_JOB_HEARTBEAT_TIMEOUT: the worker died.
    stopped = timezone.now() - timedelta(seconds=settings.FEEDLOOP_JOB_HEARTBEAT_TIMEOUT + 1)
    ImportJob.objects.filter(pk=job.pk).update(heartbeat_at=stopped)

    finished = import_run(job_id=job.pk)

    assert finished.status == "succeeded" and finished.counts["stored"] == 11
    assert Record.objects.filter(dataset=dataset).count() == 11
    assert sorted(Record.objects.values_list("fields__prompt", flat=True)) == sorted(r["prompt"] for r in rows)
    assert import_run(job_id=job.pk).counts["stored"] == 11  # a finished job is left as it is
    assert finished.attempts == 2


def test_the_import_command_reports_progress_and_row_errors(dataset, people, tmp_path):
    from django.core.management import CommandError, call_command

    good = tmp_path / "good.jsonl"
    good.write_bytes(jsonl(*(row(n) for n in range(1, 4))))
    bad = tmp_path / "bad.jsonl"
    bad.write_bytes(jsonl(row(1), row(2, length="x")))
    out, err = io.StringIO(), io.StringIO()

    call_command("import_records", str(dataset.pk), str(good), "--user", "admin-a", stdout=out, stderr=err)

    assert "importing [####################] 100%" in out.getvalue()
    assert "3 rows, 3 stored (3 new, 0 updated), 0 bad" in out.getvalue()
    assert ImportJob.objects.get().created_by == people.admin_a
    with pytest.raises(CommandError, match="bad rows: nothing was stored"):
        call_command("import_records", str(dataset.pk), str(bad), stdout=out, stderr=err)
    assert "row 2, column length: must be an integer" in err.getvalue()
    with pytest.raises(CommandError, match="may not import"):
        call_command("import_records", str(dataset.pk), str(good), "--user", "labeler-a1", stdout=out)
    with pytest.raises(CommandError, match="--mapping is not JSON"):
        call_command("import_records", str(dataset.pk), str(good), "--mapping", "{", stdout=out)


def test_jsonl_rows_in_the_wire_format_are_unfolded(dataset, people):
    wire = {
        "external_id": "w1",
        "fields": {"prompt": "p", "response-1": "a", "response-2": "b", "response-3": "c"},
        "metadata": {"model": "b", "length": 5},
        "suggestions": [{"question_name": "quality", "value": 5, "score": 0.5, "agent": "m"}],
    }
    bad = {
        "external_id": "w2",
        "fields": {"prompt": "p", "response-1": "a", "response-2": "b", "response-3": 3, "colour": "red"},
        "suggestions": [{"question_name": "nope", "value": 1}, {"question_name": "quality", "value": 11}],
    }

    job = run(dataset, people, jsonl(wire, bad), "wire.jsonl")

    assert errors_of(job) == [
        (2, "fields.colour", "no field named 'colour' in this dataset"),
        (2, "suggestions.0", "no question named 'nope' in this dataset"),
        (2, "fields.response-3", "must be text, got int"),
    ]
    fixed = run(dataset, people, jsonl(wire), "wire.jsonl")
    assert fixed.status == "succeeded"
    record = Record.objects.get(external_id="w1")
    assert record.metadata == {"model": "b", "length": 5}
    assert Suggestion.objects.values_list("value", "score", "agent").get(record=record) == (5, 0.5, "m")


def test_a_raw_export_imports_into_another_dataset(dataset, people, django_capture_on_commit_callbacks):
    from feedback.services.exports import export_create

    first = run(dataset, people, jsonl(*(row(n, quality=3) for n in range(1, 4))), "batch.jsonl")
    assert first.status == "succeeded"
    with django_capture_on_commit_callbacks(execute=True):
        export = export_create(dataset=dataset, user=people.admin_a, layout="raw")
    export.refresh_from_db()
    copy = comparison_dataset(people.workspace_a, name="copy")

    job = run(
        copy,
        people,
        export.file.open("rb").read(),
        "raw.jsonl",
        mapping={"id": "ignore", "status": "ignore", "responses": "ignore"},
    )

    assert job.status == "succeeded", job.errors
    copied = Record.objects.filter(dataset=copy)
    assert sorted(copied.values_list("external_id", flat=True)) == ["ext-1", "ext-2", "ext-3"]
    assert Suggestion.objects.filter(record__dataset=copy, value=3).count() == 3
