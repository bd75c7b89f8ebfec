"""Hostile input: a 4xx with a clear `{"detail": ...}`, never a 500, and nothing stored.

Each case is sent by the organisation owner (who may do everything), so a refusal can
only come from the input. Every refused request is checked against a dump of every row
of Feedloop's tables taken before it. Positive controls show that the same endpoints
accept the valid version of each input.
"""

from __future__ import annotations

import json
import re
import uuid
from dataclasses import dataclass
from typing import Any

import pytest
from django.apps import apps
from django.db.models import Model
from django.test import override_settings
from rest_framework.test import APIClient

from accounts.api_keys import api_key_create
from accounts.models import ApiKey
from feedback.api import urls as api_urls
from feedback.models import Dataset, Record
from tests.builders import add_records, comparison_dataset, full_answer, record_item
from tests.conftest import People

API = "/api/v1/"
STORED_APPS = ("accounts", "workspaces", "feedback")
NUL = r"\u0000"  # JSON escapes, placed into raw bodies: json.dumps cannot make a lone surrogate
SURROGATE = r"\ud800"


# Helpers -----------------------------------------------------------------------------


def _rows(model: type[Model]) -> list[dict[str, Any]]:
    rows = model.objects.order_by("pk")
    if model is ApiKey:
        return list(rows.values("id", "user_id", "name", "workspace_id", "read_only", "revoked_at", "digest"))
    return list(rows.values())


def stored() -> dict[str, list[dict[str, Any]]]:
    """Every row of Feedloop's own tables."""
    return {model._meta.label: _rows(model) for name in STORED_APPS for model in apps.get_app_config(name).get_models()}


def raw_json(value: Any, **escapes: str) -> str:
    """`value` as JSON, then each `@NAME@` placeholder replaced by raw JSON text (e.g. an escape)."""
    text = json.dumps(value)
    for name, replacement in escapes.items():
        placeholder = f"@{name}@"
        assert placeholder in text, f"{placeholder} is not in the body"
        text = text.replace(placeholder, replacement)
    return text


def send(client: APIClient, method: str, url: str, body: Any = None, *, raw: str | bytes | None = None) -> Any:
    if raw is not None:
        return client.generic(method, url, raw, content_type="application/json")
    if body is None:
        return client.generic(method, url)
    return client.generic(method, url, json.dumps(body), content_type="application/json")


def assert_refused(response: Any, status: int | tuple[int, ...], *, mentions: tuple[str, ...] = ()) -> Any:
    statuses = (status,) if isinstance(status, int) else status
    assert response.status_code in statuses, (
        f"expected {statuses}, got {response.status_code}: {response.content[:500]!r}"
    )
    assert response["Content-Type"].startswith("application/json"), response.content[:300]
    payload = response.json()
    assert isinstance(payload, dict), payload
    assert "detail" in payload, payload
    detail = str(payload["detail"])
    assert detail.strip(), payload
    for word in mentions:
        assert word in detail, f"{word!r} is not named in the detail {detail!r}"
    return payload


def refused_and_unchanged(
    client: APIClient,
    method: str,
    url: str,
    body: Any = None,
    *,
    raw: str | bytes | None = None,
    status: int | tuple[int, ...] = 422,
    mentions: tuple[str, ...] = (),
) -> Any:
    before = stored()
    response = send(client, method, url, body, raw=raw)
    payload = assert_refused(response, status, mentions=mentions)
    assert stored() == before, f"a refused {method} {url} changed stored rows"
    return payload


@dataclass
class Setup:
    client: APIClient
    people: People
    published: Dataset
    draft: Dataset
    records: list[Record]

    @property
    def workspace_id(self) -> str:
        return str(self.people.workspace_a.pk)


@pytest.fixture
def setup(people: People) -> Setup:
    published = comparison_dataset(people.workspace_a, name="published", allow_extra_metadata=False)
    records = add_records(published, 2)
    draft = comparison_dataset(people.workspace_a, name="draft", publish=False)
    client = APIClient(raise_request_exception=False)  # a server error is a 500 answer, as in production
    client.credentials(HTTP_X_ARGILLA_API_KEY=api_key_create(user=people.owner, name="hostile")[1])
    return Setup(client, people, published, draft, records)


# Datasets ----------------------------------------------------------------------------


def _dataset(**overrides: Any) -> dict[str, Any]:
    return {"name": "new-dataset", "workspace_id": "@WS@", **overrides}


DATASET_CREATE_CASES = [
    ("name is a list", _dataset(name=["x"]), {}, "name"),
    ("name is a boolean", _dataset(name=True), {}, "name"),
    ("name is blank", _dataset(name=""), {}, "name"),
    ("name is missing", {"workspace_id": "@WS@"}, {}, "name"),
    ("name is too long", _dataset(name="x" * 201), {}, "name"),
    ("workspace_id is not a uuid", _dataset(workspace_id="not-a-uuid"), {}, "workspace_id"),
    ("distribution is a string", _dataset(distribution="overlap"), {}, "distribution"),
    ("min_submitted is text", _dataset(distribution={"strategy": "overlap", "min_submitted": "many"}), {}, "min"),
    ("min_submitted is zero", _dataset(distribution={"strategy": "overlap", "min_submitted": 0}), {}, "min"),
    ("unknown strategy", _dataset(distribution={"strategy": "random", "min_submitted": 1}), {}, "strategy"),
    ("allow_extra_metadata is not a boolean", _dataset(allow_extra_metadata="perhaps"), {}, "allow_extra_metadata"),
    ("metadata is a list", _dataset(metadata=[1, 2]), {}, "metadata"),
    ("guidelines is an object", _dataset(guidelines={"a": 1}), {}, "guidelines"),
    ("lease_seconds is too small", _dataset(lease_seconds=5), {}, "lease_seconds"),
    ("name holds NUL", _dataset(name="bad@NUL@"), {"NUL": NUL}, "name"),
    ("name holds a lone surrogate", _dataset(name="bad@SUR@"), {"SUR": SURROGATE}, "name"),
    ("guidelines hold a lone surrogate", _dataset(guidelines="x@SUR@"), {"SUR": SURROGATE}, "guidelines"),
    ("metadata holds NUL", _dataset(metadata={"note": "x@NUL@"}), {"NUL": NUL}, "metadata"),
    ("metadata holds a lone surrogate", _dataset(metadata={"note": "x@SUR@"}), {"SUR": SURROGATE}, "metadata"),
    ("metadata key holds NUL", _dataset(metadata={"k@NUL@": 1}), {"NUL": NUL}, "metadata"),
]


@pytest.mark.parametrize(
    ("body", "escapes", "mention"), [c[1:] for c in DATASET_CREATE_CASES], ids=[c[0] for c in DATASET_CREATE_CASES]
)
def test_creating_a_dataset_with_bad_values_is_422(body: dict, escapes: dict, mention: str | None, setup: Setup):
    raw = raw_json(body, **escapes).replace("@WS@", setup.workspace_id)

    refused_and_unchanged(setup.client, "POST", f"{API}datasets", raw=raw, mentions=(mention,) if mention else ())


def test_control_a_valid_dataset_body_is_created(setup: Setup):
    body = _dataset(guidelines="Be kind.", metadata={"note": "ok"}, distribution={"min_submitted": 2})

    response = send(setup.client, "POST", f"{API}datasets", raw=raw_json(body).replace("@WS@", setup.workspace_id))

    assert response.status_code == 201, response.content


DATASET_UPDATE_CASES = [
    ("name is null", {"name": None}, {}, "name"),
    ("name is an object", {"name": {"x": 1}}, {}, "name"),
    ("min_submitted is negative", {"distribution": {"min_submitted": -1}}, {}, "min_submitted"),
    ("metadata is text", {"metadata": "text"}, {}, "metadata"),
    ("allow_extra_metadata is a list", {"allow_extra_metadata": []}, {}, "allow_extra_metadata"),
    ("metadata holds NUL", {"metadata": {"note": "@NUL@"}}, {"NUL": NUL}, "metadata"),
    ("guidelines hold NUL", {"guidelines": "@NUL@"}, {"NUL": NUL}, "guidelines"),
]


@pytest.mark.parametrize(
    ("body", "escapes", "mention"), [c[1:] for c in DATASET_UPDATE_CASES], ids=[c[0] for c in DATASET_UPDATE_CASES]
)
def test_updating_a_dataset_with_bad_values_is_422(body: dict, escapes: dict, mention: str | None, setup: Setup):
    refused_and_unchanged(
        setup.client,
        "PATCH",
        f"{API}datasets/{setup.published.pk}",
        raw=raw_json(body, **escapes),
        mentions=(mention,) if mention else (),
    )


# Fields and questions ----------------------------------------------------------------


FIELD_CASES = [
    ("settings is a string", {"name": "notes", "settings": "text"}, {}, "settings"),
    ("settings without a type", {"name": "notes", "settings": {}}, {}, "type"),
    ("type is a number", {"name": "notes", "settings": {"type": 5}}, {}, "type"),
    ("unknown type", {"name": "notes", "settings": {"type": "video"}}, {}, "type"),
    ("name breaks the pattern", {"name": "Bad Name!", "settings": {"type": "text"}}, {}, "name"),
    ("name is missing", {"settings": {"type": "text"}}, {}, "name"),
    (
        "required is not a boolean",
        {"name": "notes", "required": "sometimes", "settings": {"type": "text"}},
        {},
        "required",
    ),
    ("title is a list", {"name": "notes", "title": ["x"], "settings": {"type": "text"}}, {}, "title"),
    (
        "use_markdown is text",
        {"name": "notes", "settings": {"type": "text", "use_markdown": "yes"}},
        {},
        "use_markdown",
    ),
    ("name holds a lone surrogate", {"name": "n@SUR@", "settings": {"type": "text"}}, {"SUR": SURROGATE}, "name"),
    ("title holds NUL", {"name": "notes", "title": "t@NUL@", "settings": {"type": "text"}}, {"NUL": NUL}, "title"),
]


@pytest.mark.parametrize(("body", "escapes", "mention"), [c[1:] for c in FIELD_CASES], ids=[c[0] for c in FIELD_CASES])
def test_adding_a_field_with_bad_values_is_422(body: dict, escapes: dict, mention: str | None, setup: Setup):
    refused_and_unchanged(
        setup.client,
        "POST",
        f"{API}datasets/{setup.draft.pk}/fields",
        raw=raw_json(body, **escapes),
        mentions=(mention,) if mention else (),
    )


def _question(settings: Any, **extra: Any) -> dict[str, Any]:
    return {"name": "new-question", "settings": settings, **extra}


RATING = {"type": "rating", "options": [{"value": 1}, {"value": 2}, {"value": 3}]}
LABELS = [{"value": "a", "text": "A"}, {"value": "b", "text": "B"}, {"value": "c", "text": "C"}]
QUESTION_CASES = [
    ("rating value above 10", _question({"type": "rating", "options": [{"value": 1}, {"value": 11}]}), {}, "options"),
    ("rating value negative", _question({"type": "rating", "options": [{"value": -1}, {"value": 2}]}), {}, "options"),
    ("rating with one option", _question({"type": "rating", "options": [{"value": 1}]}), {}, "options"),
    ("rating options as text", _question({"type": "rating", "options": "1-5"}), {}, "options"),
    (
        "rating value is a boolean",
        _question({"type": "rating", "options": [{"value": True}, {"value": 2}]}),
        {},
        "options",
    ),
    (
        "rating value is a float",
        _question({"type": "rating", "options": [{"value": 1.5}, {"value": 2}]}),
        {},
        "options",
    ),
    ("rating values repeat", _question({"type": "rating", "options": [{"value": 2}, {"value": 2}]}), {}, "options"),
    ("label values repeat", _question({"type": "label_selection", "options": [*LABELS, LABELS[0]]}), {}, "options"),
    (
        "label value is a number",
        _question({"type": "label_selection", "options": [{"value": 5, "text": "x"}, *LABELS]}),
        {},
        "options",
    ),
    (
        "visible_options too small",
        _question({"type": "label_selection", "options": LABELS, "visible_options": 2}),
        {},
        "visible_options",
    ),
    ("ranking with one option", _question({"type": "ranking", "options": LABELS[:1]}), {}, "options"),
    ("span without a field", _question({"type": "span", "options": LABELS}), {}, "field"),
    ("span on an unknown field", _question({"type": "span", "field": "nope", "options": LABELS}), {}, "field"),
    ("unknown question type", _question({"type": "essay"}), {}, "type"),
    ("settings is a list", _question([RATING]), {}, "settings"),
    ("required is not a boolean", _question(RATING, required="maybe"), {}, "required"),
    ("description is a list", _question(RATING, description=["x"]), {}, "description"),
    (
        "option text holds NUL",
        _question({"type": "label_selection", "options": [{"value": "a", "text": "@NUL@"}, *LABELS[1:]]}),
        {"NUL": NUL},
        "settings",
    ),
    ("title holds a lone surrogate", _question(RATING, title="t@SUR@"), {"SUR": SURROGATE}, "title"),
]


@pytest.mark.parametrize(
    ("body", "escapes", "mention"), [c[1:] for c in QUESTION_CASES], ids=[c[0] for c in QUESTION_CASES]
)
def test_adding_a_question_with_bad_settings_is_422(body: dict, escapes: dict, mention: str | None, setup: Setup):
    refused_and_unchanged(
        setup.client,
        "POST",
        f"{API}datasets/{setup.draft.pk}/questions",
        raw=raw_json(body, **escapes),
        mentions=(mention,) if mention else (),
    )


def test_control_valid_fields_and_questions_are_added(setup: Setup):
    field = send(
        setup.client, "POST", f"{API}datasets/{setup.draft.pk}/fields", {"name": "notes", "settings": {"type": "text"}}
    )
    question = send(setup.client, "POST", f"{API}datasets/{setup.draft.pk}/questions", _question(RATING))

    assert (field.status_code, question.status_code) == (201, 201), (field.content, question.content)


def test_changing_a_question_type_or_title_type_is_422(setup: Setup):
    quality = setup.published.questions.get(name="quality")

    refused_and_unchanged(
        setup.client, "PATCH", f"{API}questions/{quality.pk}", {"settings": {"type": "text"}}, mentions=("type",)
    )
    refused_and_unchanged(
        setup.client, "PATCH", f"{API}questions/{quality.pk}", {"title": {"a": 1}}, mentions=("title",)
    )


# Responses ---------------------------------------------------------------------------


def _answer(**values: Any) -> dict[str, Any]:
    return {"values": full_answer(**values), "status": "submitted"}


RANKED = [{"value": "response-1", "rank": 1}, {"value": "response-2", "rank": 2}, {"value": "response-3", "rank": 3}]
RESPONSE_CASES = [
    ("rating above the options", _answer(quality={"value": 6}), {}, "quality"),
    ("rating zero", _answer(quality={"value": 0}), {}, "quality"),
    ("rating negative", _answer(quality={"value": -1}), {}, "quality"),
    ("rating as text", _answer(quality={"value": "4"}), {}, "quality"),
    ("rating as a float", _answer(quality={"value": 4.5}), {}, "quality"),
    ("rating as a boolean", _answer(quality={"value": True}), {}, "quality"),
    ("rating not wrapped in value", _answer(quality=4), {}, "quality"),
    (
        "ranking repeats an option",
        _answer(ranking={"value": [RANKED[0], {**RANKED[0], "rank": 2}, RANKED[2]]}),
        {},
        "ranking",
    ),
    ("ranking misses an option", _answer(ranking={"value": RANKED[:2]}), {}, "ranking"),
    ("ranking rank above n", _answer(ranking={"value": [*RANKED[:2], {**RANKED[2], "rank": 4}]}), {}, "ranking"),
    ("ranking rank zero", _answer(ranking={"value": [{**RANKED[0], "rank": 0}, *RANKED[1:]]}), {}, "ranking"),
    (
        "ranking unknown option",
        _answer(ranking={"value": [*RANKED[:2], {"value": "response-9", "rank": 3}]}),
        {},
        "ranking",
    ),
    ("ranking as text", _answer(ranking={"value": "response-1"}), {}, "ranking"),
    (
        "ranking mixes ranked and unranked",
        _answer(ranking={"value": [RANKED[0], {"value": "response-2"}, RANKED[2]]}),
        {},
        "ranking",
    ),
    ("ranking duplicates without ranks", _answer(ranking={"value": [{"value": "response-1"}] * 3}), {}, "ranking"),
    ("unknown question", _answer(nonsense={"value": 1}), {}, "nonsense"),
    ("multi-label empty", _answer(failures={"value": []}), {}, "failures"),
    ("multi-label repeats", _answer(failures={"value": ["harmful", "harmful"]}), {}, "failures"),
    ("span past the text", _answer(entities={"value": [{"label": "name", "start": 0, "end": 10_000}]}), {}, "entities"),
    (
        "required question missing",
        {"values": {"ranking": full_answer()["ranking"]}, "status": "submitted"},
        {},
        "quality",
    ),
    ("values is a list", {"values": [1, 2], "status": "submitted"}, {}, "values"),
    ("unknown status", {"values": full_answer(), "status": "done"}, {}, "status"),
    ("status missing", {"values": full_answer()}, {}, "status"),
    ("negative time spent", {**_answer(), "time_spent_seconds": -1}, {}, "time_spent_seconds"),
    ("text answer holds NUL", _answer(comment={"value": "x@NUL@"}), {"NUL": NUL}, "comment"),
    ("text answer holds a lone surrogate", _answer(comment={"value": "x@SUR@"}), {"SUR": SURROGATE}, "comment"),
    ("question name is a lone surrogate", _answer(**{"@SUR@": {"value": 1}}), {"SUR": SURROGATE}, None),
]


@pytest.mark.parametrize(
    ("body", "escapes", "mention"), [c[1:] for c in RESPONSE_CASES], ids=[c[0] for c in RESPONSE_CASES]
)
def test_answering_with_bad_values_is_422(body: dict, escapes: dict, mention: str | None, setup: Setup):
    record = setup.records[0]

    refused_and_unchanged(
        setup.client,
        "POST",
        f"{API}records/{record.pk}/responses",
        raw=raw_json(body, **escapes),
        mentions=(mention,) if mention else (),
    )


@pytest.mark.parametrize(
    "raw",
    [
        '{"values": {"quality": {"value": NaN}}, "status": "submitted"}',
        '{"values": {"quality": {"value": Infinity}}, "status": "submitted"}',
        '{"values": {"quality": {"value": -Infinity}}, "status": "submitted"}',
    ],
    ids=["NaN", "Infinity", "-Infinity"],
)
def test_answering_with_non_json_numbers_is_400(raw: str, setup: Setup):
    refused_and_unchanged(setup.client, "POST", f"{API}records/{setup.records[0].pk}/responses", raw=raw, status=400)


def test_an_unranked_option_is_named_by_its_title_with_the_question(setup: Setup):
    payload = refused_and_unchanged(
        setup.client,
        "POST",
        f"{API}records/{setup.records[0].pk}/responses",
        _answer(ranking={"value": RANKED[:2]}),
        mentions=("ranking", "Rank every response: Response 3 is missing."),
    )
    assert payload["errors"] == [{"loc": ["ranking", "value"], "msg": "Rank every response: Response 3 is missing."}]


def test_control_a_valid_answer_is_stored(setup: Setup):
    response = send(
        setup.client,
        "POST",
        f"{API}records/{setup.records[0].pk}/responses",
        _answer(ranking={"value": RANKED}, comment={"value": "fine"}, failures={"value": ["harmful"]}),
    )

    assert response.status_code == 201, response.content


# Records: bulk upsert ----------------------------------------------------------------


def _items(*items: dict[str, Any]) -> dict[str, Any]:
    return {"items": list(items)}


def _item(**overrides: Any) -> dict[str, Any]:
    item = record_item(40)
    item.update(overrides)
    return item


def _fields(**overrides: Any) -> dict[str, Any]:
    return {**record_item(40)["fields"], **overrides}


BULK_CASES = [
    ("unknown field", _items(_item(fields=_fields(nope="y"))), {}, "nope"),
    ("unknown metadata property", _items(_item(metadata={"colour": "red"})), {}, "colour"),
    ("unknown vector settings", _items(_item(vectors={"nope-vec": [1.0, 2.0, 3.0]})), {}, "nope-vec"),
    (
        "suggestion for an unknown question name",
        _items(_item(suggestions=[{"question_name": "nope-q", "value": 1}])),
        {},
        "nope-q",
    ),
    (
        "suggestion for an unknown question id",
        _items(_item(suggestions=[{"question_id": str(uuid.uuid4()), "value": 1}])),
        {},
        "question_id",
    ),
    (
        "suggestion value out of range",
        _items(_item(suggestions=[{"question_name": "quality", "value": 9}])),
        {},
        "quality",
    ),
    (
        "suggestion score above 1",
        _items(_item(suggestions=[{"question_name": "quality", "value": 3, "score": 2}])),
        {},
        "score",
    ),
    (
        "response to an unknown question",
        _items(_item(responses=[{"user_id": "@LABELER@", "values": {"nope-q": {"value": 1}}, "status": "draft"}])),
        {},
        "nope-q",
    ),
    (
        "response by an outsider",
        _items(_item(responses=[{"user_id": "@OUTSIDER@", "values": full_answer(), "status": "submitted"}])),
        {},
        "user_id",
    ),
    ("metadata below its range", _items(_item(metadata={"length": -1})), {}, "length"),
    ("metadata outside its terms", _items(_item(metadata={"model": "c"})), {}, "model"),
    ("field is a number", _items(_item(fields=_fields(prompt=42))), {}, "prompt"),
    ("required field missing", _items(_item(fields={"prompt": "only the prompt"})), {}, "response-1"),
    ("vector of the wrong size", _items(_item(vectors={"embedding": [1.0, 2.0]})), {}, "embedding"),
    ("external_id is a list", _items(_item(external_id=["x"])), {}, "external_id"),
    ("items is an object", {"items": {}}, {}, "items"),
    ("items is empty", {"items": []}, {}, "items"),
    ("an item is a string", {"items": ["text"]}, {}, "items"),
    ("items missing", {"records": [record_item(1)]}, {}, "items"),
    ("record text holds NUL", _items(_item(fields=_fields(prompt="a@NUL@b"))), {"NUL": NUL}, "items.0.fields.prompt"),
    (
        "record text holds a lone surrogate",
        _items(_item(fields=_fields(prompt="a@SUR@b"))),
        {"SUR": SURROGATE},
        "items.0.fields.prompt",
    ),
    ("field name holds NUL", _items(_item(fields=_fields(**{"x@NUL@": "y"}))), {"NUL": NUL}, "items.0.fields"),
    (
        "field name is a lone surrogate",
        _items(_item(fields=_fields(**{"@SUR@": "y"}))),
        {"SUR": SURROGATE},
        "items.0.fields",
    ),
    ("external_id holds NUL", _items(_item(external_id="e@NUL@")), {"NUL": NUL}, "items.0.external_id"),
    ("metadata key holds NUL", _items(_item(metadata={"k@NUL@": 1})), {"NUL": NUL}, "items.0.metadata"),
    ("metadata key is a lone surrogate", _items(_item(metadata={"@SUR@": 1})), {"SUR": SURROGATE}, "items.0.metadata"),
    (
        "vector name is a lone surrogate",
        _items(_item(vectors={"@SUR@": [1.0, 2.0, 3.0]})),
        {"SUR": SURROGATE},
        "items.0.vectors",
    ),
    (
        "suggestion agent holds NUL",
        _items(_item(suggestions=[{"question_name": "quality", "value": 3, "agent": "a@NUL@"}])),
        {"NUL": NUL},
        "agent",
    ),
]


@pytest.mark.parametrize(("body", "escapes", "mention"), [c[1:] for c in BULK_CASES], ids=[c[0] for c in BULK_CASES])
def test_bulk_upsert_with_bad_items_is_422(body: dict, escapes: dict, mention: str | None, setup: Setup):
    people = setup.people
    raw = raw_json(body, **escapes)
    raw = raw.replace("@LABELER@", str(people.labeler_a1.pk)).replace("@OUTSIDER@", str(people.outsider.pk))

    refused_and_unchanged(
        setup.client,
        "PUT",
        f"{API}datasets/{setup.published.pk}/records/bulk",
        raw=raw,
        mentions=(mention,) if mention else (),
    )


def test_bulk_upsert_with_nan_is_400(setup: Setup):
    payload = refused_and_unchanged(
        setup.client,
        "PUT",
        f"{API}datasets/{setup.published.pk}/records/bulk",
        raw='{"items": [{"fields": {"prompt": NaN}}]}',
        status=400,
        mentions=("NaN",),
    )
    assert payload


@pytest.mark.parametrize("token", ["Infinity", "-Infinity"])
def test_bulk_upsert_with_infinity_is_400(token: str, setup: Setup):
    raw = '{"items": [{"fields": {"prompt": "p"}, "metadata": {"length": %s}}]}' % token  # noqa: UP031

    refused_and_unchanged(setup.client, "PUT", f"{API}datasets/{setup.published.pk}/records/bulk", raw=raw, status=400)


def test_metadata_nested_too_deep_to_store_is_422(setup: Setup):
    deep: Any = "bottom"
    for _ in range(40):
        deep = {"d": deep}
    dataset = comparison_dataset(setup.people.workspace_a, name="extra-metadata")  # allows extra metadata

    refused_and_unchanged(
        setup.client,
        "PUT",
        f"{API}datasets/{dataset.pk}/records/bulk",
        _items(_item(metadata={"deep": deep})),
        mentions=("items.0.metadata",),
    )


def test_control_a_valid_bulk_upsert_is_stored(setup: Setup):
    before = Record.objects.filter(dataset=setup.published).count()
    item = _item(
        suggestions=[{"question_name": "quality", "value": 3, "score": 0.5, "agent": "m"}],
        responses=[{"user_id": str(setup.people.labeler_a1.pk), "values": full_answer(), "status": "submitted"}],
        vectors={"embedding": [1.0, 2.0, 3.0]},
    )

    response = send(setup.client, "PUT", f"{API}datasets/{setup.published.pk}/records/bulk", _items(item))

    assert response.status_code == 200, response.content
    assert Record.objects.filter(dataset=setup.published).count() == before + 1


def test_patching_a_record_with_a_lone_surrogate_field_name_is_422(setup: Setup):
    raw = raw_json({"fields": {"@SUR@": "x"}}, SUR=SURROGATE)

    refused_and_unchanged(setup.client, "PATCH", f"{API}records/{setup.records[0].pk}", raw=raw, mentions=("fields",))


def test_bulk_responses_with_a_lone_surrogate_question_name_are_refused(setup: Setup):
    body = {"items": [{"record_id": str(setup.records[0].pk), "values": {"@SUR@": {"value": 1}}, "status": "draft"}]}
    before = stored()

    response = send(setup.client, "POST", f"{API}me/responses/bulk", raw=raw_json(body, SUR=SURROGATE))

    # Either the whole call is refused, or the item carries its own error, as for other bad items.
    assert response.status_code in (200, 422), response.content[:300]
    if response.status_code == 200:
        assert response.json()["items"][0]["item"] is None
        assert response.json()["items"][0]["error"]["detail"]
    else:
        assert_refused(response, 422)
    assert stored() == before


# Search and filters: text that cannot be stored cannot be searched for either ----------


SEARCH_CASES = [
    ("text query holds NUL", '{"query": {"text": {"q": "Ada\\u0000"}}}'),
    ("text query is a lone surrogate", '{"query": {"text": {"q": "Ada\\ud800"}}}'),
    (
        "terms filter value holds NUL",
        '{"filters": {"and": [{"type": "terms", "scope": {"entity": "metadata", "metadata_property": "model"},'
        ' "values": ["a\\u0000"]}]}}',
    ),
    (
        "sort by a property name holding NUL",
        '{"sort": [{"scope": {"entity": "metadata", "metadata_property": "x\\u0000"}, "order": "asc"}]}',
    ),
]


@pytest.mark.parametrize("raw", [c[1] for c in SEARCH_CASES], ids=[c[0] for c in SEARCH_CASES])
def test_searching_for_unstorable_text_is_not_a_server_error(raw: str, setup: Setup):
    before = stored()

    response = send(setup.client, "POST", f"{API}datasets/{setup.published.pk}/records/search", raw=raw)

    # Nothing can match such text: an empty result or a 422 are both fine, a 500 is not.
    assert response.status_code in (200, 422), f"{response.status_code}: {response.content[:300]!r}"
    if response.status_code == 200:
        assert response.json()["items"] == []
    else:
        assert_refused(response, 422)
    assert stored() == before


@pytest.mark.parametrize("query", ["name=%00", "status=%00", "name=a%00b"])
def test_filtering_datasets_by_unstorable_text_is_not_a_server_error(query: str, setup: Setup):
    response = setup.client.get(f"{API}me/datasets?{query}")

    assert response.status_code in (200, 422), f"{response.status_code}: {response.content[:300]!r}"
    if response.status_code == 200:
        assert response.json() == {"items": []}
    else:
        assert_refused(response, 422)


def test_control_a_valid_search_answers(setup: Setup):
    response = send(
        setup.client, "POST", f"{API}datasets/{setup.published.pk}/records/search", {"query": {"text": {"q": "Ada"}}}
    )

    assert response.status_code == 200, response.content
    assert response.json()["total"] == 2


# Structure, size and depth -----------------------------------------------------------


def test_json_nested_5000_deep_is_400(setup: Setup):
    raw = '{"items": ' + "[" * 5000 + "]" * 5000 + "}"

    refused_and_unchanged(setup.client, "PUT", f"{API}datasets/{setup.published.pk}/records/bulk", raw=raw, status=400)


def test_json_nested_past_the_parser_limit_is_400(setup: Setup):
    raw = '{"items": [{"fields": ' + '{"a": ' * 100 + "1" + "}" * 100 + "}]}"

    refused_and_unchanged(setup.client, "PUT", f"{API}datasets/{setup.published.pk}/records/bulk", raw=raw, status=400)


@pytest.mark.parametrize(
    "raw",
    ['{"items": [', "{'items': []}", "", b"\xff\xfe{}"],
    ids=["truncated", "single quotes", "empty body", "not utf-8"],
)
def test_malformed_json_is_400(raw: str | bytes, setup: Setup):
    refused_and_unchanged(
        setup.client, "PUT", f"{API}datasets/{setup.published.pk}/records/bulk", raw=raw, status=(400, 422)
    )


@override_settings(FEEDLOOP_API_MAX_BODY_BYTES=2048)
def test_a_body_over_the_limit_is_413(setup: Setup):
    body = _items(_item(fields=_fields(prompt="x" * 3000)))

    refused_and_unchanged(setup.client, "PUT", f"{API}datasets/{setup.published.pk}/records/bulk", body, status=413)
    refused_and_unchanged(
        setup.client,
        "POST",
        f"{API}datasets",
        {"name": "big", "workspace_id": setup.workspace_id, "guidelines": "x" * 3000},
        status=413,
    )


@override_settings(FEEDLOOP_API_MAX_BODY_BYTES=2048)
def test_control_a_body_under_the_limit_is_accepted(setup: Setup):
    body = _items(_item(fields=_fields(prompt="x" * 1000)))
    assert len(json.dumps(body)) < 2048

    response = send(setup.client, "PUT", f"{API}datasets/{setup.published.pk}/records/bulk", body)

    assert response.status_code == 200, response.content


def test_501_items_in_one_bulk_call_is_413(setup: Setup):
    body = _items(*(record_item(1000 + n) for n in range(501)))

    refused_and_unchanged(setup.client, "PUT", f"{API}datasets/{setup.published.pk}/records/bulk", body, status=413)
    refused_and_unchanged(setup.client, "POST", f"{API}datasets/{setup.published.pk}/records/bulk", body, status=413)


def test_501_responses_in_one_bulk_call_is_413(setup: Setup):
    item = {"record_id": str(setup.records[0].pk), "values": full_answer(), "status": "submitted"}

    refused_and_unchanged(setup.client, "POST", f"{API}me/responses/bulk", {"items": [item] * 501}, status=413)


@pytest.mark.parametrize("raw", ["[]", '"a string"', "42", "null", "true", '[{"name": "x"}]'])
@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("POST", "datasets"),
        ("PATCH", "datasets/{published}"),
        ("POST", "datasets/{draft}/fields"),
        ("POST", "datasets/{draft}/questions"),
        ("PUT", "datasets/{published}/records/bulk"),
        ("POST", "records/{record}/responses"),
        ("POST", "workspaces"),
        ("POST", "users"),
        ("POST", "me/responses/bulk"),
    ],
)
def test_a_body_that_is_not_an_object_is_refused(method: str, path: str, raw: str, setup: Setup):
    url = API + path.format(published=setup.published.pk, draft=setup.draft.pk, record=setup.records[0].pk)

    refused_and_unchanged(setup.client, method, url, raw=raw, status=(400, 422))


def test_a_body_in_another_media_type_is_415(setup: Setup):
    before = stored()

    response = setup.client.generic(
        "PUT", f"{API}datasets/{setup.published.pk}/records/bulk", "items=1", content_type="text/plain"
    )

    assert_refused(response, 415)
    assert stored() == before


# Ids and paging ----------------------------------------------------------------------


def _id_routes() -> list[tuple[str, str]]:
    found = []
    for pattern in api_urls.urlpatterns:
        if pattern.pattern.converters:
            for method in sorted(pattern.callback.cls.http_method_names):
                if method != "options":
                    found.append((str(pattern.pattern), method.upper()))
    return found


ID_ROUTES = _id_routes()


@pytest.mark.parametrize("bad_id", ["not-a-uuid", "1234", "%00"])
@pytest.mark.parametrize(("route", "method"), ID_ROUTES, ids=[f"{m} {r}" for r, m in ID_ROUTES])
def test_a_malformed_uuid_in_the_path_is_422(route: str, method: str, bad_id: str, setup: Setup):
    url = API + re.sub(r"<(?:\w+:)?\w+>", bad_id, route)

    refused_and_unchanged(setup.client, method, url, {}, status=422, mentions=("UUID",))


@pytest.mark.parametrize(
    "url",
    [
        "datasets/{published}/records?ids=not-a-uuid",
        "records/{record}/suggestions?ids=not-a-uuid",
    ],
)
def test_a_malformed_uuid_in_ids_is_422(url: str, setup: Setup):
    path = API + url.format(published=setup.published.pk, record=setup.records[0].pk)

    refused_and_unchanged(setup.client, "DELETE", path, status=422, mentions=("ids",))


def test_a_malformed_workspace_filter_is_422(setup: Setup):
    refused_and_unchanged(setup.client, "GET", f"{API}me/datasets?workspace_id=nope", status=422)


@pytest.mark.parametrize(
    ("query", "names"),
    [
        ("limit=0", "limit"),
        ("limit=1001", "limit"),
        ("limit=-5", "limit"),
        ("offset=-1", "offset"),
        ("limit=abc", "limit"),
        ("offset=abc", "offset"),
        ("limit=1.5", "limit"),
        ("limit=", "limit"),
        ("include=everything", "include"),
    ],
)
def test_bad_paging_on_record_listing_is_422(query: str, names: str, setup: Setup):
    refused_and_unchanged(
        setup.client, "GET", f"{API}datasets/{setup.published.pk}/records?{query}", status=422, mentions=(names,)
    )


def test_an_offset_past_every_record_is_not_a_server_error(setup: Setup):
    before = stored()

    response = setup.client.get(f"{API}datasets/{setup.published.pk}/records?offset=99999999999999999999999&limit=1")

    assert response.status_code in (200, 422), response.content[:300]
    if response.status_code == 200:
        assert response.json()["items"] == []
    else:
        assert_refused(response, 422, mentions=("offset",))
    assert stored() == before


@pytest.mark.parametrize("query", ["limit=0", "offset=-1", "limit=1001"])
def test_bad_paging_on_record_search_is_422(query: str, setup: Setup):
    refused_and_unchanged(
        setup.client,
        "POST",
        f"{API}datasets/{setup.published.pk}/records/search?{query}",
        {"query": {"text": {"q": "Lovelace"}}},
        status=422,
    )


@pytest.mark.parametrize("query", ["limit=1", "limit=1000", "offset=0&limit=1000", "offset=5"])
def test_control_paging_within_the_bounds_is_accepted(query: str, setup: Setup):
    response = setup.client.get(f"{API}datasets/{setup.published.pk}/records?{query}")

    assert response.status_code == 200, response.content
    assert response.json()["total"] == 2
