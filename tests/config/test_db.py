"""`config.db.Columns`: rows of hand-written SQL read back exactly as the ORM reads them."""

from __future__ import annotations

import pytest
from django.db import connection

from accounts.api_keys import api_key_create
from accounts.models import ApiKey, User
from config.db import Columns
from feedback.models import Dataset, Question, Record, Response, Suggestion
from feedback.services.responses import response_submit
from tests.builders import add_records, comparison_dataset, full_answer

pytestmark = pytest.mark.django_db
JOINED = (
    "SELECT {records}, {datasets} FROM feedback_record r JOIN feedback_dataset d ON d.id = r.dataset_id WHERE r.id = %s"
)


def _fields(instance):
    return {field.attname: getattr(instance, field.attname) for field in instance._meta.concrete_fields}


def _read(model, alias, pk):
    columns = Columns(model, alias)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {columns.select} FROM {model._meta.db_table} {alias} WHERE {alias}.id = %s", [pk])  # noqa: S608
        return columns.read(connection, cursor.fetchone())


def test_each_model_reads_back_as_the_orm_reads_it(people):
    """JSON, UUIDs, datetimes, booleans and nulls come back as the ORM gives them, and
    the instance is a saved one (`_state.adding` false), so it can be saved again."""
    dataset = comparison_dataset(people.workspace_a, min_submitted=2)
    record = add_records(dataset, 1)[0]
    response = response_submit(record=record, user=people.labeler_a1, values=full_answer())
    question = dataset.questions.first()
    suggestion = Suggestion.objects.create(record=record, question=question, value="response-1", score=0.5)
    api_key, _ = api_key_create(user=people.labeler_a1, name="k", workspace=people.workspace_a)
    for model, obj in (
        (Dataset, dataset),
        (Record, record),
        (Response, response),
        (Question, question),
        (Suggestion, suggestion),
        (ApiKey, api_key),
        (User, people.labeler_a1),
    ):
        expected = model.objects.get(pk=obj.pk)
        read = _read(model, "t", obj.pk)
        assert type(read) is model
        assert _fields(read) == _fields(expected), model.__name__
        assert not read._state.adding


def test_several_models_share_one_row(people):
    dataset = comparison_dataset(people.workspace_a)
    record = add_records(dataset, 1)[0]
    records, datasets = Columns(Record, "r"), Columns(Dataset, "d")
    with connection.cursor() as cursor:
        cursor.execute(JOINED.format(records=records.select, datasets=datasets.select), [record.pk])
        row = cursor.fetchone()
    assert _fields(records.read(connection, row)) == _fields(Record.objects.get(pk=record.pk))
    assert _fields(datasets.read(connection, row, len(records))) == _fields(Dataset.objects.get(pk=dataset.pk))


def test_insert_stores_every_column_as_bulk_create_does(people):
    """New instances go in as they are (JSON and nulls included), `auto_now` stamps set,
    and come out saved: the ORM reads back exactly what was inserted."""
    dataset = comparison_dataset(people.workspace_a)
    first, second = add_records(dataset, 2)
    responses = [
        Response(record=first, user=people.labeler_a1, values={"quality": {"value": 3}}, status="draft"),
        Response(record=second, user=people.labeler_a1, values={}, status="submitted", time_spent_seconds=1.5),
    ]
    Columns(Response, "a").insert(connection, responses)
    for response in responses:
        assert not response._state.adding
        assert response.updated_at is not None
        assert _fields(Response.objects.get(pk=response.pk)) == _fields(response)
