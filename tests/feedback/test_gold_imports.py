"""The `gold` import column: a record's expected answers, validated as a response's
answers are, with errors naming the row and the column; nothing stored on a bad file."""

from __future__ import annotations

import csv
import io
import json

import pytest

from feedback.models import Record
from tests.builders import comparison_dataset
from tests.feedback.test_imports import errors_of, jsonl, row, run

pytestmark = pytest.mark.django_db

EXPECTED = {"quality": {"value": 4}, "failures": {"value": ["harmful"]}}


@pytest.fixture(autouse=True)
def storage(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "storage"


@pytest.fixture
def dataset(people):
    return comparison_dataset(people.workspace_a)


def csv_bytes(*rows: dict) -> bytes:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(rows[0]))
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue().encode()


def test_a_gold_column_makes_gold_records_in_jsonl_and_csv(dataset, people):
    run(dataset, people, jsonl(row(1, gold=EXPECTED), row(2)), "batch.jsonl")
    job = run(dataset, people, csv_bytes(row(3, gold=json.dumps(EXPECTED)), row(4, gold="")), "batch.csv")

    assert job.status == "succeeded", job.errors
    gold = dict(Record.objects.filter(dataset=dataset).values_list("external_id", "gold"))
    assert gold == {"ext-1": EXPECTED, "ext-2": None, "ext-3": EXPECTED, "ext-4": None}


def test_a_mapped_column_feeds_gold(dataset, people):
    content = jsonl(row(1, expected=EXPECTED))
    job = run(dataset, people, content, "batch.jsonl", mapping={"expected": "gold"})

    assert job.status == "succeeded", job.errors
    assert Record.objects.get(external_id="ext-1").gold == EXPECTED


def test_bad_gold_cells_are_reported_by_row_and_column_and_nothing_is_stored(dataset, people):
    content = csv_bytes(
        row(1, gold=json.dumps(EXPECTED)),
        row(2, gold=json.dumps({"quality": {"value": 9}})),
        row(3, gold="{not json"),
        row(4, gold=json.dumps({"comment": {"value": "only text"}})),
    )

    job = run(dataset, people, content, "batch.csv")

    assert job.status == "failed"
    errors = errors_of(job)
    assert [(r, c) for r, c, _ in errors] == [(3, "gold"), (4, "gold"), (5, "gold")]
    assert "not one of the ratings" in errors[0][2]
    assert "must be JSON" in errors[1][2]
    assert "graded" in errors[2][2]
    assert not Record.objects.filter(dataset=dataset).exists()
