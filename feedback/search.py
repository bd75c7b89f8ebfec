"""Record search on PostgreSQL alone: full text, filters, sorting and vector similarity.

The body is the wire format's `SearchRecordsQuery`:
`{"query": {"text": {"q", "field"}, "vector": {"name", "record_id" | "value", "order"}},
  "filters": {"and": [{"type": "terms" | "range", "scope": {...}, "values" | "ge"/"le"}]},
  "sort": [{"scope": {...}, "order": "asc" | "desc"}]}`.

Full text uses `to_tsvector('simple', fields)` over the record's JSON fields, backed by
a GIN expression index (migration `0002`); a query on one field adds a recheck on that
field. Similarity is exact cosine over the filtered candidates' stored vectors, computed
with NumPy (no vector extension is available to the deployment); its cost grows with
the number of candidates and is measured in `bench/`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any
from uuid import UUID

import numpy as np
from django.contrib.postgres.search import SearchQuery, SearchRank, SearchVectorField
from django.db import connection
from django.db.models import Exists, F, Func, OuterRef, Q, QuerySet, TextField, Value
from django.db.models.functions import Cast

from config.replica import replica_reads_for_request
from feedback.errors import InvalidData, Problem
from feedback.models import Dataset, Record, Response, Suggestion
from feedback.storable import json_problems, text_problem
from workspaces import access

TEXT_SEARCH_CONFIG = "simple"
MAX_FILTERS = 50
MAX_TERMS = 250
RECORD_PROPERTIES = {"id", "external_id", "inserted_at", "updated_at", "status"}
SUGGESTION_PROPERTIES = {"value", "score", "agent", "type"}


class FieldsVector(Func):
    """`to_tsvector('simple', <jsonb>)`: the words of every string value in the JSON."""

    function = "to_tsvector"
    output_field = SearchVectorField()

    def __init__(self, expression: Any) -> None:
        super().__init__(Value(TEXT_SEARCH_CONFIG), expression)


@dataclass
class SearchResult:
    records: list[Record]
    scores: list[float | None]
    total: int


@dataclass
class _Query:
    text: str | None = None
    text_field: str | None = None
    vector_name: str | None = None
    vector_value: list[float] | None = None
    vector_record: UUID | None = None
    most_similar: bool = True
    filters: list[Q] = field(default_factory=list)
    order_by: list[Any] = field(default_factory=list)


def _get(
    mapping: Any, key: str, loc: tuple[Any, ...], expected: type | tuple[type, ...], *, required: bool = False
) -> Any:
    if not isinstance(mapping, dict):
        raise InvalidData.at(loc, "must be an object")
    value = mapping.get(key)
    if value is None:
        if required:
            raise InvalidData.at((*loc, key), "is required")
        return None
    if not isinstance(value, expected):
        raise InvalidData.at((*loc, key), f"must be {getattr(expected, '__name__', 'of another type')}")
    if isinstance(value, str) and (problem := text_problem(value)):
        raise InvalidData.at((*loc, key), problem)
    return value


def _number(value: Any, loc: tuple[Any, ...]) -> float | str | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        raise InvalidData.at(loc, "must be a number (or a date for record timestamps)")
    if isinstance(value, float) and not math.isfinite(value):
        raise InvalidData.at(loc, "must be finite")
    return value


def _scope_target(scope: Any, dataset: Dataset, user: Any, loc: tuple[Any, ...]) -> tuple[str, Any]:
    """What a filter or sort scope points at: ("record", property), ("metadata", name),
    ("response", (question, property)) or ("suggestion", (question, property))."""
    entity = _get(scope, "entity", loc, str, required=True)
    if entity == "record":
        prop = _get(scope, "property", loc, str, required=True)
        if prop not in RECORD_PROPERTIES:
            raise InvalidData.at((*loc, "property"), f"use one of {sorted(RECORD_PROPERTIES)}")
        return "record", prop
    if entity == "metadata":
        name = _get(scope, "metadata_property", loc, str, required=True)
        props = access.visible_metadata_properties(user, dataset, dataset.metadata_properties.all())
        if not props.filter(name=name).exists():
            raise InvalidData.at((*loc, "metadata_property"), f"no metadata property named {name!r}")
        return "metadata", name
    if entity in ("response", "suggestion"):
        question = _get(scope, "question", loc, str)
        prop = _get(scope, "property", loc, str)
        if question is not None and not dataset.questions.filter(name=question).exists():
            raise InvalidData.at((*loc, "question"), f"no question named {question!r}")
        if entity == "response":
            if question is None and prop != "status":
                raise InvalidData.at(loc, "name a question, or filter on the response 'status'")
            return "response", (question, "status" if question is None else "value")
        prop = prop or "value"
        if prop not in SUGGESTION_PROPERTIES or question is None:
            raise InvalidData.at(loc, f"name a question and a property among {sorted(SUGGESTION_PROPERTIES)}")
        return "suggestion", (question, prop)
    raise InvalidData.at((*loc, "entity"), "use record, metadata, response or suggestion")


def _condition(kind: str, target: Any, lookup: str, value: Any, dataset: Dataset, user: Any) -> Q:
    """A filter condition on records; `lookup` is `in`, `gte` or `lte`."""
    if kind == "record":
        return Q(**{f"{target}__{lookup}": value})
    if kind == "metadata":
        if lookup == "in" and connection.vendor == "postgresql":
            # Containment (`@>`) uses the GIN index on metadata; a terms value may also
            # sit in a list of terms.
            matches = Q()
            for term in value:
                matches |= Q(metadata__contains={target: term}) | Q(metadata__contains={target: [term]})
            return matches
        return Q(**{f"metadata__{target}__{lookup}": value})
    question, prop = target
    if kind == "suggestion":
        return suggestion_condition(dataset, question, prop, lookup, value)
    responses = access.visible_responses(user, dataset, Response.objects.filter(record=OuterRef("pk")))
    if prop == "status":
        statuses = [v for v in value if v != "pending"] if lookup == "in" else value
        condition = Q(Exists(responses.filter(status__in=statuses)))
        if lookup == "in" and "pending" in value:
            condition |= ~Q(Exists(responses))
        return condition
    return Q(Exists(responses.filter(**{f"values__{question}__value__{lookup}": value})))


def suggestion_condition(dataset: Dataset, question: str | None, prop: str, lookup: str, value: Any) -> Q:
    """Records with a suggestion whose `prop` (value, score, agent or type) passes
    `lookup` (`in`, `gte`, `lte`) against `value`: on the named question, or on any of
    the dataset's questions when `question` is None (the labelers' browse page)."""
    column = {"value": "value", "score": "score", "agent": "agent", "type": "type"}[prop]
    matches = Suggestion.objects.filter(record=OuterRef("pk"), question__dataset=dataset)
    if question is not None:
        matches = matches.filter(question__name=question)
    return Q(Exists(matches.filter(**{f"{column}__{lookup}": value})))


def _parse(body: Any, dataset: Dataset, user: Any) -> _Query:
    if body is None:
        body = {}
    if not isinstance(body, dict):
        raise InvalidData.at(("body",), "must be a JSON object")
    parsed = _Query()
    query = _get(body, "query", (), dict)
    if query:
        text = _get(query, "text", ("query",), dict)
        if text:
            parsed.text = _get(text, "q", ("query", "text"), str, required=True)
            parsed.text_field = _get(text, "field", ("query", "text"), str)
            if parsed.text_field and not dataset.fields.filter(name=parsed.text_field).exists():
                raise InvalidData.at(("query", "text", "field"), f"no field named {parsed.text_field!r}")
        vector = _get(query, "vector", ("query",), dict)
        if vector:
            loc = ("query", "vector")
            parsed.vector_name = _get(vector, "name", loc, str, required=True)
            settings = dataset.vector_settings.filter(name=parsed.vector_name).first()
            if settings is None:
                raise InvalidData.at((*loc, "name"), f"no vector settings named {parsed.vector_name!r}")
            value, record_id = vector.get("value"), vector.get("record_id")
            if (value is None) == (record_id is None):
                raise InvalidData.at(loc, "give either 'value' or 'record_id'")
            if value is not None:
                if (
                    not isinstance(value, list)
                    or len(value) != settings.dimensions
                    or not all(_number(x, (*loc, "value")) is not None and not isinstance(x, str) for x in value)
                ):
                    raise InvalidData.at((*loc, "value"), f"must be a list of {settings.dimensions} numbers")
                parsed.vector_value = [float(x) for x in value]
            else:
                try:
                    parsed.vector_record = UUID(str(record_id))
                except ValueError:
                    raise InvalidData.at((*loc, "record_id"), "is not a valid UUID") from None
            order = vector.get("order", "most_similar") or "most_similar"
            if order not in ("most_similar", "least_similar"):
                raise InvalidData.at((*loc, "order"), "use most_similar or least_similar")
            parsed.most_similar = order == "most_similar"
    filters = _get(body, "filters", (), dict)
    if filters:
        conditions = _get(filters, "and", ("filters",), list) or []
        if len(conditions) > MAX_FILTERS:
            raise InvalidData.at(("filters", "and"), f"at most {MAX_FILTERS} filters")
        for index, condition in enumerate(conditions):
            loc = ("filters", "and", index)
            kind_name = _get(condition, "type", loc, str, required=True)
            kind, target = _scope_target(condition.get("scope"), dataset, user, (*loc, "scope"))
            if kind_name == "terms":
                values = _get(condition, "values", loc, list, required=True)
                if not 1 <= len(values) <= MAX_TERMS or not all(isinstance(v, (str, int, float)) for v in values):
                    raise InvalidData.at((*loc, "values"), f"must be a list of 1 to {MAX_TERMS} values")
                if problems := json_problems(values, (*loc, "values")):
                    raise InvalidData(problems)
                parsed.filters.append(_condition(kind, target, "in", values, dataset, user))
            elif kind_name == "range":
                ge, le = _number(condition.get("ge"), (*loc, "ge")), _number(condition.get("le"), (*loc, "le"))
                if ge is None and le is None:
                    raise InvalidData.at(loc, "give 'ge', 'le' or both")
                for lookup, bound in (("gte", ge), ("lte", le)):
                    if bound is not None:
                        parsed.filters.append(_condition(kind, target, lookup, bound, dataset, user))
            else:
                raise InvalidData.at((*loc, "type"), "use terms or range")
    sort = _get(body, "sort", (), list) or []
    for index, order in enumerate(sort):
        loc = ("sort", index)
        kind, target = _scope_target(order.get("scope") if isinstance(order, dict) else None, dataset, user, loc)
        direction = _get(order, "order", loc, str) or "asc"
        if direction not in ("asc", "desc"):
            raise InvalidData.at((*loc, "order"), "use asc or desc")
        if kind == "record":
            expression = F(target)
        elif kind == "metadata":
            expression = F(f"metadata__{target}")
        else:
            raise InvalidData.at((*loc, "scope"), "sort by record properties or metadata")
        parsed.order_by.append(expression.desc(nulls_last=True) if direction == "desc" else expression.asc())
    return parsed


def _text_filter(records: QuerySet[Record], parsed: _Query) -> tuple[QuerySet[Record], bool]:
    """Apply the text query; returns the queryset and whether it carries a `rank`."""
    if not parsed.text:
        return records, False
    if connection.vendor != "postgresql":
        # The quick local try on SQLite: a plain substring match, no ranking.
        target = f"fields__{parsed.text_field}" if parsed.text_field else "fields"
        return records.annotate(_t=Cast(target, TextField())).filter(_t__icontains=parsed.text), False
    query = SearchQuery(parsed.text, config=TEXT_SEARCH_CONFIG, search_type="websearch")
    document = FieldsVector(F("fields"))
    records = records.annotate(document=document).filter(document=query)
    if parsed.text_field:
        records = records.annotate(field_document=FieldsVector(F(f"fields__{parsed.text_field}"))).filter(
            field_document=query
        )
        document = FieldsVector(F(f"fields__{parsed.text_field}"))
    return records.annotate(rank=SearchRank(document, query)), True


def page_of(records: QuerySet[Record], ordering: list[Any], *, offset: int, limit: int) -> list[Record]:
    """One page of `records` in `ordering`, read as a deferred join: the page's ids are
    found first (on the narrow index, or by sorting only the sort keys and ids), then only
    those rows are read whole. An `OFFSET` over whole rows reads, and may sort on disk,
    every skipped row's fields; deep pages (the Argilla SDK pages by offset) then cost
    the whole dataset. One statement either way."""
    ids = records.order_by(*ordering).values("pk")[offset : offset + limit]
    return list(records.filter(pk__in=ids).order_by(*ordering))


def search_records(*, user: Any, dataset: Dataset, body: Any, offset: int, limit: int) -> SearchResult:
    """Records of `dataset` matching `body`, best first, one page of them, and the total.
    Read from the replica when it has caught up with the primary (`config.replica`)."""
    with replica_reads_for_request():
        return _search(user, dataset, body, offset, limit)


def _search(user: Any, dataset: Dataset, body: Any, offset: int, limit: int) -> SearchResult:
    parsed = _parse(body, dataset, user)
    records = Record.objects.filter(dataset=dataset)
    for condition in parsed.filters:
        records = records.filter(condition)
    records, ranked = _text_filter(records, parsed)

    if parsed.vector_name:
        return _similar(records, parsed, dataset, offset=offset, limit=limit)

    total = records.count()
    ordering = [*parsed.order_by] or ([F("rank").desc()] if ranked else [])
    page = page_of(records, [*ordering, "inserted_at", "id"], offset=offset, limit=limit)
    scores = [float(record.rank) if ranked else None for record in page]
    return SearchResult(records=page, scores=scores, total=total)


def _similar(records: QuerySet[Record], parsed: _Query, dataset: Dataset, *, offset: int, limit: int) -> SearchResult:
    name = str(parsed.vector_name)
    if parsed.vector_record is not None:
        source = (
            Record.objects.filter(dataset=dataset, pk=parsed.vector_record).values_list("vectors", flat=True).first()
        )
        if source is None:
            raise InvalidData.at(("query", "vector", "record_id"), "no such record in this dataset")
        if name not in (source or {}):
            raise InvalidData([Problem(("query", "vector", "record_id"), f"the record has no {name!r} vector")])
        target = np.asarray(source[name], dtype=np.float64)
        records = records.exclude(pk=parsed.vector_record)
    else:
        target = np.asarray(parsed.vector_value, dtype=np.float64)
    candidates = list(records.filter(vectors__has_key=name).values_list("id", f"vectors__{name}"))
    if not candidates:
        return SearchResult(records=[], scores=[], total=0)
    ids = [row[0] for row in candidates]
    matrix = np.asarray([row[1] for row in candidates], dtype=np.float64)
    norms = np.linalg.norm(matrix, axis=1) * (np.linalg.norm(target) or 1.0)
    similarity = (matrix @ target) / np.where(norms == 0, 1.0, norms)
    order = np.argsort(-similarity if parsed.most_similar else similarity, kind="stable")
    window = order[offset : offset + limit]
    by_id = Record.objects.in_bulk([ids[i] for i in window])
    page = [by_id[ids[i]] for i in window]
    return SearchResult(records=page, scores=[float(similarity[i]) for i in window], total=len(ids))
