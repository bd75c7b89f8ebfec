"""Every layout in every format, read back with the real `datasets` library (as TRL reads
it): the columns, their feature types, and the rows against what was stored."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path
from typing import Any

import datasets
import pyarrow.ipc
import pyarrow.parquet as pq
import pytest
from datasets import List, Value

from feedback.models import ExportJob, JobStatus, Record, Response
from feedback.services import datasets as services
from feedback.services import exports
from feedback.services.exports import export_create, export_run
from feedback.services.records import records_bulk_upsert
from feedback.services.responses import response_submit

datasets.disable_progress_bars()

TEXT = Value("string")
MESSAGES = List({"role": Value("string"), "content": Value("string")})
SYSTEM = {"role": "system", "content": "Answer in one word."}
RECORDS = 12
FORMATS = ("jsonl", "parquet", "hf_dataset")


@pytest.fixture(autouse=True)
def storage(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def build_dataset(people: Any, prompt_type: str, *, records: int = RECORDS) -> Any:
    """Prompt (text or chat) and two responses; every kind of answer the layouts read.

    Labeler 1 answers the even records (writes C<n>, puts response-1 first, rates 4);
    labeler 2 answers every third one (writes D<n>, puts response-2 first, rates 2).
    """
    dataset = services.dataset_create(workspace=people.workspace_a, name=f"formats-{prompt_type}")
    services.field_create(dataset=dataset, name="prompt", type=prompt_type)
    services.field_create(dataset=dataset, name="response-1")
    services.field_create(dataset=dataset, name="response-2")
    services.question_create(
        dataset=dataset,
        name="ranking",
        type="ranking",
        settings={"options": [{"value": "response-1"}, {"value": "response-2"}]},
    )
    services.question_create(dataset=dataset, name="answer", type="text", required=False)
    services.question_create(
        dataset=dataset,
        name="quality",
        type="rating",
        required=False,
        settings={"options": [{"value": v} for v in range(1, 6)]},
    )
    services.metadata_property_create(dataset=dataset, name="length", type="integer")
    dataset = services.dataset_publish(dataset=dataset)
    items = [
        {
            "external_id": f"e{n:02d}",
            "fields": {"prompt": prompt_value(prompt_type, n), "response-1": f"A{n}", "response-2": f"B{n}"},
            "metadata": {"length": n},
            "suggestions": [{"question_name": "quality", "value": 3, "score": 0.5, "agent": "judge"}] if n == 1 else [],
        }
        for n in range(records)
    ]
    stored = records_bulk_upsert(dataset=dataset, items=items).records
    for n, record in enumerate(stored):
        if n % 2 == 0:
            response_submit(record=record, user=people.labeler_a1, values=answer(f"C{n}", "response-1", 4))
    for n, record in enumerate(stored):
        if n % 3 == 0:
            response_submit(record=record, user=people.labeler_a2, values=answer(f"D{n}", "response-2", 2))
    return dataset


def prompt_value(prompt_type: str, n: int) -> Any:
    return [SYSTEM, {"role": "user", "content": f"P{n}"}] if prompt_type == "chat" else f"P{n}"


def answer(text: str, first: str, quality: int) -> dict[str, Any]:
    second = "response-2" if first == "response-1" else "response-1"
    return {
        "answer": {"value": text},
        "ranking": {"value": [{"value": first, "rank": 1}, {"value": second, "rank": 2}]},
        "quality": {"value": quality},
    }


def expected_rows(layout: str, prompt_type: str, dataset: Any) -> list[dict[str, Any]]:
    """The rows worked out by hand from what `build_dataset` stored."""
    chat = prompt_type == "chat"

    def prompt(n: int) -> Any:
        return prompt_value(prompt_type, n)

    def said(text: str) -> Any:
        return [{"role": "assistant", "content": text}] if chat else text

    rows: list[dict[str, Any]] = []
    for n in range(RECORDS):
        written = [f"C{n}"] * (n % 2 == 0) + [f"D{n}"] * (n % 3 == 0)
        ratings = [4] * (n % 2 == 0) + [2] * (n % 3 == 0)
        if layout == "sft":
            rows += [{"prompt": prompt(n), "completion": said(text)} for text in written]
        elif layout == "sft_chat":
            history = prompt(n) if chat else [{"role": "user", "content": prompt(n)}]
            rows += [{"messages": [*history, {"role": "assistant", "content": text}]} for text in written]
        elif layout == "preference" and len(written) == 1:
            # One ranking decides; two (every sixth record) disagree: mean ranks tie.
            better, worse = (f"A{n}", f"B{n}") if n % 2 == 0 else (f"B{n}", f"A{n}")
            rows.append({"prompt": prompt(n), "chosen": said(better), "rejected": said(worse)})
        elif layout == "kto" and ratings:
            rows.append({"prompt": prompt(n), "completion": said(f"A{n}"), "label": sum(ratings) / len(ratings) >= 3})
        elif layout == "rl_prompts":
            rows.append({"prompt": prompt(n)})
    if layout == "raw":
        for record in Record.objects.filter(dataset=dataset).order_by("inserted_at", "id"):
            responses = Response.objects.filter(record=record).order_by("inserted_at")
            suggestions = record.suggestions.order_by("inserted_at")
            rows.append(
                {
                    "id": str(record.pk),
                    "external_id": record.external_id,
                    "status": record.status,
                    "fields": record.fields,
                    "metadata": record.metadata,
                    "suggestions": [
                        {
                            "question": s.question.name,
                            "value": s.value,
                            "score": s.score,
                            "agent": s.agent,
                            "type": s.type,
                        }
                        for s in suggestions
                    ],
                    "responses": [{"user": r.user.username, "status": r.status, "values": r.values} for r in responses],
                }
            )
    return rows


def expected_features(layout: str, prompt_type: str) -> dict[str, Any]:
    prompt = MESSAGES if prompt_type == "chat" else TEXT
    return {
        "sft": {"prompt": prompt, "completion": prompt},
        "sft_chat": {"messages": MESSAGES},
        "preference": {"prompt": prompt, "chosen": prompt, "rejected": prompt},
        "kto": {"prompt": prompt, "completion": prompt, "label": Value("bool")},
        "rl_prompts": {"prompt": prompt},
    }[layout]


def run(dataset: Any, user: Any, layout: str, format: str, **options: Any) -> ExportJob:
    job = export_create(dataset=dataset, user=user, layout=layout, format=format, options=options, queue_run=False)
    job = export_run(job_id=job.pk)
    assert job.status == JobStatus.SUCCEEDED, job.error
    return job


def load(job: ExportJob, scratch: Path) -> datasets.Dataset:
    """The export file opened the way its users would open it."""
    path = job.file.path
    cache = str(scratch / "hf-cache")
    if job.format == "jsonl":
        return datasets.load_dataset("json", data_files=path, split="train", cache_dir=cache)
    if job.format == "parquet":
        return datasets.load_dataset("parquet", data_files=path, split="train", cache_dir=cache)
    folder = scratch / "unzipped"
    with zipfile.ZipFile(path) as archive:
        archive.extractall(folder)
    return datasets.load_from_disk(str(folder))


@pytest.mark.parametrize("format", FORMATS)
@pytest.mark.parametrize(
    ("layout", "prompt_type"),
    [
        ("sft", "text"),
        ("sft", "chat"),
        ("sft_chat", "text"),
        ("sft_chat", "chat"),
        ("preference", "text"),
        ("preference", "chat"),
        ("kto", "text"),
        ("kto", "chat"),
        ("rl_prompts", "text"),
        ("rl_prompts", "chat"),
    ],
)
def test_training_layouts_read_back_with_the_features_trl_expects(people, tmp_path, layout, prompt_type, format):
    dataset = build_dataset(people, prompt_type)
    options = {"threshold": 3} if layout == "kto" else {}
    job = run(dataset, people.admin_a, layout, format, **options)
    loaded = load(job, tmp_path)
    features = expected_features(layout, prompt_type)
    assert loaded.column_names == list(features)
    assert dict(loaded.features) == features
    assert loaded.to_list() == expected_rows(layout, prompt_type, dataset)
    assert job.counts["rows"] == len(loaded) > 0


@pytest.mark.parametrize("format", FORMATS)
def test_raw_reads_back_with_typed_fields_and_json_text_for_the_rest(people, tmp_path, format):
    dataset = build_dataset(people, "chat")
    loaded = load(run(dataset, people.admin_a, "raw", format), tmp_path)
    assert loaded.column_names == ["id", "external_id", "status", "fields", "metadata", "suggestions", "responses"]
    assert loaded.features["fields"] == {"prompt": MESSAGES, "response-1": TEXT, "response-2": TEXT}
    assert all(loaded.features[column] == TEXT for column in ("id", "external_id", "status"))
    rows = loaded.to_list()
    if format != "jsonl":
        # Values of many shapes travel as JSON text in the typed formats.
        assert all(loaded.features[column] == TEXT for column in ("metadata", "suggestions", "responses"))
        for row in rows:
            for column in ("metadata", "suggestions", "responses"):
                row[column] = json.loads(row[column])
    assert rows == expected_rows("raw", "chat", dataset)
    assert rows[1]["suggestions"][0]["agent"] == "judge" and len(rows[0]["responses"]) == 2


def test_an_export_of_several_chunks_writes_one_row_group_or_batch_per_chunk_in_order(people, tmp_path, monkeypatch):
    monkeypatch.setattr(exports, "CHUNK", 4)
    dataset = build_dataset(people, "text", records=10)
    in_order = [f"e{n:02d}" for n in range(10)]
    for format in FORMATS:
        seen: list[tuple[int, int]] = []
        job = export_create(dataset=dataset, user=people.admin_a, layout="raw", format=format, queue_run=False)
        job = export_run(job_id=job.pk, on_progress=lambda done, total, seen=seen: seen.append((done, total)))
        assert seen == [(4, 10), (8, 10), (10, 10)], format
        assert job.counts["records"] == 10 and job.progress == 1.0
        if format == "parquet":
            metadata = pq.ParquetFile(job.file.path).metadata
            assert [metadata.row_group(i).num_rows for i in range(metadata.num_row_groups)] == [4, 4, 2]
        if format == "hf_dataset":
            with zipfile.ZipFile(job.file.path) as archive:
                batches = list(pyarrow.ipc.open_stream(archive.read("data-00000-of-00001.arrow")))
            assert [batch.num_rows for batch in batches] == [4, 4, 2]
        loaded = load(job, tmp_path / format)
        assert loaded["external_id"] == in_order, format


def test_an_empty_dataset_exports_an_empty_file_of_the_right_shape(people, tmp_path):
    dataset = build_dataset(people, "chat", records=0)
    features = expected_features("preference", "chat")
    loaded = load(run(dataset, people.admin_a, "preference", "hf_dataset"), tmp_path)
    assert len(loaded) == 0 and dict(loaded.features) == features
    # `load_dataset("parquet")` finds "no data" in a file without rows; the file is sound.
    table = pq.read_table(run(dataset, people.admin_a, "preference", "parquet").file.path)
    assert table.num_rows == 0 and dict(datasets.Features.from_arrow_schema(table.schema)) == features
