"""The real, unmodified Argilla SDK (2.8.0) against a live Feedloop server on PostgreSQL."""

from __future__ import annotations

import random

import argilla as rg
import pytest

from accounts.api_keys import api_key_create
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db(transaction=True)

RECORDS = 1000


@pytest.fixture
def owner_key(db) -> str:
    owner = UserFactory(username="sdk-owner", is_superuser=True, is_staff=True)
    return api_key_create(user=owner, name="sdk")[1]


@pytest.fixture
def client(live_server, owner_key) -> rg.Argilla:
    return rg.Argilla(api_url=live_server.url, api_key=owner_key)


def settings() -> rg.Settings:
    return rg.Settings(
        guidelines="Rank the responses; rate the prompt.",
        fields=[
            rg.TextField(name="prompt", use_markdown=True),
            rg.TextField(name="response-1"),
            rg.TextField(name="response-2"),
            rg.ChatField(name="chat", required=False),
        ],
        questions=[
            rg.RatingQuestion(name="quality", values=[1, 2, 3, 4, 5]),
            rg.LabelQuestion(name="topic", labels=["code", "math", "other"]),
            rg.MultiLabelQuestion(name="failures", labels=["hallucination", "harmful", "unhelpful"], required=False),
            rg.RankingQuestion(name="ranking", values=["response-1", "response-2"]),
            rg.TextQuestion(name="comment", required=False),
            rg.SpanQuestion(name="entities", field="prompt", labels=["name", "place"], required=False),
        ],
        metadata=[
            rg.TermsMetadataProperty(name="model", options=["a", "b"]),
            rg.IntegerMetadataProperty(name="length", min=0, max=100_000),
            rg.FloatMetadataProperty(name="temperature", min=0.0, max=2.0),
        ],
        vectors=[rg.VectorField(name="embedding", dimensions=3)],
        distribution=rg.TaskDistribution(min_submitted=2),
    )


def record_dict(n: int) -> dict:
    rng = random.Random(n)
    return {
        "id": f"rec-{n}",
        "prompt": f"Question {n}: where did Ada Lovelace live?",
        "response-1": f"In London ({n}).",
        "response-2": f"In Paris ({n}).",
        "chat": [{"role": "user", "content": f"hi {n}"}, {"role": "assistant", "content": "hello"}],
        "model": "a" if n % 2 else "b",
        "length": n,
        "temperature": round(rng.random() * 2, 3),
        "embedding": [rng.random(), rng.random(), rng.random()],
        "quality": 1 + n % 5,
        "topic": ["code", "math", "other"][n % 3],
    }


def test_the_sdk_round_trips_a_whole_dataset(client, live_server, owner_key):
    workspace = rg.Workspace(name="sdk-ws", client=client).create()
    labelers = []
    for name in ("sdk-ann-1", "sdk-ann-2", "sdk-ann-3"):
        user = rg.User(username=name, password="a-long-password-123", role="annotator", client=client).create()
        workspace.add_user(user)
        labelers.append(user)
    assert sorted(u.username for u in workspace.users) == ["sdk-ann-1", "sdk-ann-2", "sdk-ann-3"]

    dataset = rg.Dataset(name="sdk-ds", workspace=workspace, settings=settings(), client=client).create()
    assert dataset.id is not None
    assert [f.name for f in dataset.fields] == ["prompt", "response-1", "response-2", "chat"]

    rows = [record_dict(n) for n in range(RECORDS)]
    mapping = {"quality": "quality.suggestion", "topic": "topic.suggestion"}
    dataset.records.log(rows, mapping=mapping)

    # Responses by several users, logged through records as the SDK documents it.
    with_responses = []
    for n in range(10):
        row = rows[n]
        responses = []
        for i, user in enumerate(labelers[:2]):
            responses += [
                rg.Response("quality", 1 + (n + i) % 5, user_id=user.id, status="submitted"),
                rg.Response("topic", "code", user_id=user.id, status="submitted"),
                rg.Response("ranking", ["response-2", "response-1"], user_id=user.id, status="submitted"),
            ]
        responses.append(rg.Response("quality", 2, user_id=labelers[2].id, status="draft"))
        with_responses.append(
            rg.Record(
                id=row["id"],
                fields={k: row[k] for k in ("prompt", "response-1", "response-2", "chat")},
                metadata={k: row[k] for k in ("model", "length", "temperature")},
                vectors={"embedding": row["embedding"]},
                suggestions=[rg.Suggestion("quality", row["quality"]), rg.Suggestion("topic", row["topic"])],
                responses=responses,
            )
        )
    dataset.records.log(with_responses)

    fetched = list(dataset.records(with_suggestions=True, with_responses=True, with_vectors=True))
    assert len(fetched) == RECORDS
    by_id = {record.id: record for record in fetched}
    for n in (0, 1, 7, 500, 999):
        record = by_id[f"rec-{n}"]
        expected = rows[n]
        assert record.fields["prompt"] == expected["prompt"]
        assert [(m.role, m.content) for m in record.fields["chat"]] == [("user", f"hi {n}"), ("assistant", "hello")]
        assert record.metadata["model"] == expected["model"]
        assert record.metadata["length"] == expected["length"]
        assert record.metadata["temperature"] == expected["temperature"]
        assert record.vectors["embedding"] == pytest.approx(expected["embedding"])
        assert record.suggestions["quality"].value == expected["quality"]
        assert record.suggestions["topic"].value == expected["topic"]
    answered = by_id["rec-3"]
    quality_answers = sorted(r.value for r in answered.responses["quality"] if r.status == "submitted")
    assert quality_answers == sorted([1 + (3 + 0) % 5, 1 + (3 + 1) % 5])
    assert [r.value for r in answered.responses["ranking"]] == [["response-2", "response-1"]] * 2
    assert {r.status for r in answered.responses["quality"]} == {"submitted", "draft"}
    assert answered.status == "completed"  # two submitted responses, min_submitted=2
    assert by_id["rec-100"].status == "pending"

    # Search: filters, full text and similarity through rg.Query.
    def ids(query: rg.Query) -> set[str]:
        return {record.id for record in dataset.records(query=query)}

    assert ids(rg.Query(filter=rg.Filter([("metadata.model", "==", "a")]))) == {
        f"rec-{n}" for n in range(RECORDS) if n % 2
    }
    assert ids(rg.Query(filter=rg.Filter([("metadata.length", ">=", 990), ("metadata.model", "==", "b")]))) == {
        f"rec-{n}" for n in range(990, RECORDS) if n % 2 == 0
    }
    assert ids(rg.Query(query="Question 42")) == {"rec-42"}
    assert ids(rg.Query(filter=rg.Filter([("response.status", "==", "submitted")]))) == {f"rec-{n}" for n in range(10)}
    assert ids(rg.Query(filter=rg.Filter([("quality.suggestion", "==", 3)]))) == {
        f"rec-{n}" for n in range(RECORDS) if n % 5 == 2
    }
    assert ids(rg.Query(filter=rg.Filter([("status", "==", "completed")]))) == {f"rec-{n}" for n in range(10)}
    similar = list(dataset.records(query=rg.Query(similar=rg.Similar(name="embedding", value=rows[0]["embedding"]))))
    assert len(similar) == RECORDS
    best_record, best_score = similar[0]
    assert best_record.id == "rec-0" and best_score == pytest.approx(1.0)
    assert [score for _, score in similar] == sorted((score for _, score in similar), reverse=True)
    by_record = list(dataset.records(query=rg.Query(similar=rg.Similar(name="embedding", value=by_id["rec-0"]))))
    assert "rec-0" not in {record.id for record, _ in by_record} and len(by_record) == RECORDS - 1

    # A fresh client finds the dataset by name.
    fresh = rg.Argilla(api_url=live_server.url, api_key=owner_key)
    again = fresh.datasets(name="sdk-ds", workspace="sdk-ws")
    assert again.id == dataset.id
    assert again.settings.distribution.min_submitted == 2
    assert {q.name for q in again.questions} == {"quality", "topic", "failures", "ranking", "comment", "entities"}
    progress = again.progress()
    assert (progress["total"], progress["completed"], progress["pending"]) == (RECORDS, 10, RECORDS - 10)

    # Update one record and delete another.
    changed = dict(rows[5], model="b")
    dataset.records.log([changed], mapping=mapping)
    assert next(r for r in dataset.records() if r.id == "rec-5").metadata["model"] == "b"
    dataset.records.delete([by_id["rec-6"]])
    assert len(list(dataset.records())) == RECORDS - 1

    dataset.delete()
    assert fresh.datasets(name="sdk-ds", workspace="sdk-ws") is None
