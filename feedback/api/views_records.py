"""Records, their responses and suggestions."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import Http404
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import status
from rest_framework.decorators import api_view
from rest_framework.exceptions import PermissionDenied
from rest_framework.request import Request
from rest_framework.response import Response

from feedback import search, selectors, shapes
from feedback.api import docs, inputs
from feedback.api.errors import printable
from feedback.api.lookups import get_dataset, get_record, get_response, get_suggestion, parse_uuid
from feedback.errors import InvalidData, Problem
from feedback.models import Dataset, Record, Suggestion
from feedback.services import gold as gold_services
from feedback.services import records as record_services
from feedback.services import responses as response_services
from feedback.services.queue import queue_next
from workspaces import access

MAX_PAGE = 1000
MAX_OFFSET = 2**31 - 1
MAX_DELETE_IDS = 100


def page_params(request: Request, *, default_limit: int = 50) -> tuple[int, int]:
    problems = []
    values = {}
    for name, default, low, high in (("offset", 0, 0, MAX_OFFSET), ("limit", default_limit, 1, MAX_PAGE)):
        raw = request.query_params.get(name)
        try:
            value = default if raw is None else int(raw)
        except ValueError:
            problems.append(Problem(("query", name), f"{raw!r} is not an integer"))
            continue
        if value < low or (high is not None and value > high):
            problems.append(Problem(("query", name), f"must be from {low} to {high}"))
        values[name] = value
    if problems:
        raise InvalidData(problems)
    return values["offset"], values["limit"]


def ids_param(request: Request) -> list[Any]:
    """`ids=a,b&ids=c`: 1 to MAX_DELETE_IDS UUIDs."""
    raw = ",".join(request.query_params.getlist("ids"))
    ids = [parse_uuid(part.strip(), "ids") for part in raw.split(",") if part.strip()]
    if not ids:
        raise InvalidData.at(("query", "ids"), "name what to delete")
    if len(ids) > MAX_DELETE_IDS:
        raise InvalidData.at(("query", "ids"), f"at most {MAX_DELETE_IDS} ids per call")
    return ids


class Include:
    """What `include=responses&include=suggestions&include=vectors[:a,b]` asks for."""

    def __init__(self, request: Request, dataset: Dataset) -> None:
        self.responses = self.suggestions = False
        self.vectors: list[str] | None = None
        for raw in request.query_params.getlist("include"):
            for part in raw.split("&"):
                name, _, names = part.partition(":")
                if name == "responses":
                    self.responses = True
                elif name == "suggestions":
                    self.suggestions = True
                elif name == "vectors":
                    known = list(dataset.vector_settings.values_list("name", flat=True))
                    self.vectors = [n for n in names.split(",") if n] if names else known
                elif name:
                    raise InvalidData.at(("query", "include"), f"{name!r}: use responses, suggestions or vectors")


def records_out(request: Request, dataset: Dataset, records: list[Record], include: Include) -> list[dict[str, Any]]:
    ids = [record.pk for record in records]
    # A record the queue handed out fresh (`queue_next`) has no response of the caller's.
    fresh = all(getattr(record, "unanswered_by_user", False) for record in records)
    responses = (
        selectors.responses_by_record(request.user, dataset, ids, unanswered_by_user=fresh)
        if include.responses
        else None
    )
    suggestions = selectors.suggestions_by_record(ids) if include.suggestions else None
    metadata_keys = selectors.metadata_shown_to(request.user, dataset)
    return [
        shapes.record_out(
            record,
            responses=responses[record.pk] if responses is not None else None,
            suggestions=suggestions[record.pk] if suggestions is not None else None,
            vectors=include.vectors,
            metadata_keys=metadata_keys,
        )
        for record in records
    ]


@extend_schema_view(
    get=extend_schema(
        operation_id="dataset_records_list",
        summary="A page of a dataset's records",
        tags=["records"],
        parameters=[docs.path("dataset_id"), *docs.PAGE, docs.INCLUDE],
        responses={200: shapes.RecordsOut, **docs.errors(401, 404, 422)},
    ),
    delete=extend_schema(
        operation_id="dataset_records_delete",
        summary="Delete records of a dataset (workspace admins)",
        tags=["records"],
        parameters=[
            docs.path("dataset_id"),
            docs.ids(f"The records to delete, at most {MAX_DELETE_IDS}.", required=True, max_items=MAX_DELETE_IDS),
        ],
        responses={204: docs.NO_CONTENT, **docs.errors(401, 403, 404, 422)},
    ),
)
@api_view(["GET", "DELETE"])
def dataset_records(request: Request, dataset_id: str) -> Response:
    if request.method == "DELETE":
        dataset = get_dataset(request, dataset_id, manage=True)
        ids = ids_param(request)
        record_services.records_delete(dataset=dataset, record_ids=ids)
        return Response(status=status.HTTP_204_NO_CONTENT)
    dataset = get_dataset(request, dataset_id)
    offset, limit = page_params(request)
    include = Include(request, dataset)
    records, total = selectors.records_page(dataset, offset=offset, limit=limit)
    return Response({"items": records_out(request, dataset, records, include), "total": total})


def _bulk_items(request: Request) -> list[Any]:
    if not isinstance(request.data, dict) or not isinstance(request.data.get("items"), list):
        raise InvalidData.at(("items",), 'send {"items": [...]}')
    items = request.data["items"]
    if not items:
        raise InvalidData.at(("items",), "send at least one item")
    return items


def _bulk_out(result: record_services.BulkUpsertResult) -> list[dict]:
    """The batch's records with their suggestions and responses (bulk calls are for managers)."""
    return [
        shapes.record_out(record, responses=result.responses[record.pk], suggestions=result.suggestions[record.pk])
        for record in result.records
    ]


@extend_schema(
    operation_id="me_dataset_records_next",
    summary="The caller's next record to annotate, with suggestions and the caller's response",
    tags=["records"],
    parameters=[docs.path("dataset_id"), docs.INCLUDE],
    responses={
        200: shapes.RecordOut,
        204: OpenApiResponse(description="Nothing is left for the caller."),
        **docs.errors(401, 403, 404, 422),
    },
)
@api_view(["GET"])
def me_dataset_next_record(request: Request, dataset_id: str) -> Response:
    """The caller's next record under the work-distribution rules; 204 when none is left."""
    dataset = get_dataset(request, dataset_id)
    if not access.can_annotate_dataset(request.user, dataset):
        raise PermissionDenied("The dataset is not open for annotation.")
    record = queue_next(dataset=dataset, user=request.user)
    if record is None:
        return Response(status=status.HTTP_204_NO_CONTENT)
    include = Include(request, dataset)
    include.responses = include.suggestions = True
    return Response(records_out(request, dataset, [record], include)[0])


@extend_schema(
    operation_id="dataset_records_search",
    summary="Search a dataset's records: text, filters, sort and vector similarity",
    tags=["records"],
    parameters=[docs.path("dataset_id"), *docs.PAGE, docs.INCLUDE],
    request=docs.json_body(docs.SearchRecordsQuery),
    responses={200: shapes.SearchOut, **docs.errors(401, 403, 404, *docs.BODY_ERRORS)},
)
@api_view(["POST"])
def dataset_records_search(request: Request, dataset_id: str) -> Response:
    dataset = get_dataset(request, dataset_id)
    offset, limit = page_params(request)
    include = Include(request, dataset)
    result = search.search_records(user=request.user, dataset=dataset, body=request.data, offset=offset, limit=limit)
    items = records_out(request, dataset, result.records, include)
    return Response(
        {
            "items": [{"record": item, "query_score": score} for item, score in zip(items, result.scores, strict=True)],
            "total": result.total,
        }
    )


@extend_schema_view(
    put=extend_schema(
        operation_id="dataset_records_bulk_upsert",
        summary="Create or update records (workspace admins); matched by external_id, then id",
        tags=["records"],
        parameters=[docs.path("dataset_id")],
        request=docs.json_body(docs.RecordsBulkWrite),
        responses={200: shapes.BulkOut, **docs.errors(401, 403, 404, 409, *docs.BODY_ERRORS)},
    ),
    post=extend_schema(
        operation_id="dataset_records_bulk_create",
        summary="Create records (workspace admins)",
        tags=["records"],
        parameters=[docs.path("dataset_id")],
        request=docs.json_body(docs.RecordsBulkWrite),
        responses={201: shapes.BulkCreatedOut, **docs.errors(401, 403, 404, 409, *docs.BODY_ERRORS)},
    ),
)
@api_view(["PUT", "POST"])
def dataset_records_bulk(request: Request, dataset_id: str) -> Response:
    dataset = get_dataset(request, dataset_id, manage=True)
    items = _bulk_items(request)
    if len(items) > settings.FEEDLOOP_BULK_MAX_RECORDS:
        raise record_services.TooManyItems(len(items), settings.FEEDLOOP_BULK_MAX_RECORDS)
    if request.method == "POST":
        result = record_services.records_bulk_upsert(dataset=dataset, items=items, create_only=True)
        return Response({"items": _bulk_out(result)}, status=status.HTTP_201_CREATED)
    result = record_services.records_bulk_upsert(dataset=dataset, items=items)
    return Response({"items": _bulk_out(result), "updated_item_ids": [str(pk) for pk in result.updated_ids]})


def _one_record_out(request: Request, record: Record) -> dict[str, Any]:
    include = Include(request, record.dataset)
    return records_out(request, record.dataset, [record], include)[0]


@extend_schema_view(
    get=extend_schema(
        operation_id="records_get",
        summary="A record",
        tags=["records"],
        parameters=[docs.path("record_id"), docs.INCLUDE],
        responses={200: shapes.RecordOut, **docs.errors(401, 404, 422)},
    ),
    patch=extend_schema(
        operation_id="records_update",
        summary="Change a record (workspace admins)",
        tags=["records"],
        parameters=[docs.path("record_id"), docs.INCLUDE],
        request=docs.json_body(inputs.RecordUpdate),
        responses={200: shapes.RecordOut, **docs.errors(401, 403, 404, 409, *docs.BODY_ERRORS)},
    ),
    delete=extend_schema(
        operation_id="records_delete",
        summary="Delete a record (workspace admins)",
        tags=["records"],
        parameters=[docs.path("record_id")],
        responses={200: shapes.RecordOut, **docs.errors(401, 403, 404, 422)},
    ),
)
@api_view(["GET", "PATCH", "DELETE"])
def record_detail(request: Request, record_id: str) -> Response:
    record = get_record(request, record_id, manage=request.method != "GET")
    if request.method == "GET":
        return Response(_one_record_out(request, record))
    if request.method == "PATCH":
        data = inputs.read(inputs.RecordUpdate, request, partial=True)
        item = {"id": str(record.pk), **data}
        try:
            result = record_services.records_bulk_upsert(dataset=record.dataset, items=[item])
        except InvalidData as error:
            raise InvalidData(Problem(p.loc[2:], p.msg) for p in error.problems) from None
        updated = result.records[0]
        updated.dataset = record.dataset
        return Response(_one_record_out(request, updated))
    shape = shapes.record_out(record)
    record_services.records_delete(dataset=record.dataset, record_ids=[record.pk])
    return Response(shape)


@extend_schema(
    operation_id="record_responses_create",
    summary="Save the caller's response to a record",
    tags=["responses"],
    parameters=[docs.path("record_id")],
    request=docs.json_body(inputs.ResponseWrite),
    responses={201: shapes.ResponseOut, **docs.errors(401, 403, 404, *docs.BODY_ERRORS)},
)
@api_view(["POST"])
def record_responses(request: Request, record_id: str) -> Response:
    record = get_record(request, record_id)
    if not access.can_annotate_dataset(request.user, record.dataset):
        raise Http404
    data = inputs.read(inputs.ResponseWrite, request)
    response = response_services.response_save(
        record=record,
        user=request.user,
        values=data.get("values"),
        status=data["status"],
        time_spent_seconds=data.get("time_spent_seconds"),
    )
    return Response(shapes.response_out(response), status=status.HTTP_201_CREATED)


@extend_schema_view(
    put=extend_schema(
        operation_id="responses_update",
        summary="Change a response (its author, or the dataset's admins)",
        tags=["responses"],
        parameters=[docs.path("response_id")],
        request=docs.json_body(inputs.ResponseWrite),
        responses={200: shapes.ResponseOut, **docs.errors(401, 403, 404, *docs.BODY_ERRORS)},
    ),
    delete=extend_schema(
        operation_id="responses_delete",
        summary="Delete a response (its author, or the dataset's admins)",
        tags=["responses"],
        parameters=[docs.path("response_id")],
        responses={200: shapes.ResponseOut, **docs.errors(401, 403, 404, 422)},
    ),
)
@api_view(["PUT", "DELETE"])
def response_detail(request: Request, response_id: str) -> Response:
    response = get_response(request, response_id)
    if request.method == "DELETE":
        shape = shapes.response_out(response)
        response_services.response_delete(response=response)
        return Response(shape)
    data = inputs.read(inputs.ResponseWrite, request)
    updated = response_services.response_save(
        record=response.record,
        user=response.user,
        values=data.get("values"),
        status=data["status"],
        time_spent_seconds=data.get("time_spent_seconds"),
    )
    return Response(shapes.response_out(updated))


@extend_schema(
    operation_id="me_responses_bulk",
    summary="Save many of the caller's responses; each item succeeds or fails on its own",
    tags=["responses"],
    request=docs.json_body(docs.ResponsesBulkWrite),
    responses={200: shapes.MeResponsesBulkOut, **docs.errors(401, 403, *docs.BODY_ERRORS)},
)
@api_view(["POST"])
def me_responses_bulk(request: Request) -> Response:
    """Save many of the caller's responses; each item succeeds or fails on its own."""
    items = _bulk_items(request)
    if len(items) > settings.FEEDLOOP_BULK_MAX_RECORDS:
        raise record_services.TooManyItems(len(items), settings.FEEDLOOP_BULK_MAX_RECORDS)
    results = []
    for item in items:
        try:
            if not isinstance(item, dict):
                raise InvalidData.at((), "must be an object with record_id, values and status")
            record = get_record(request, item.get("record_id"))
            if not access.can_annotate_dataset(request.user, record.dataset):
                raise Http404
            response = response_services.response_save(
                record=record,
                user=request.user,
                values=item.get("values"),
                status=item.get("status"),
                time_spent_seconds=item.get("time_spent_seconds"),
            )
            results.append({"item": shapes.response_out(response), "error": None})
        except InvalidData as error:
            results.append({"item": None, "error": {"detail": printable(str(error))}})
        except Http404:
            results.append({"item": None, "error": {"detail": "Record not found."}})
    return Response({"items": results})


@extend_schema_view(
    get=extend_schema(
        operation_id="record_suggestions_list",
        summary="A record's suggestions",
        tags=["suggestions"],
        parameters=[docs.path("record_id")],
        responses={200: shapes.SuggestionListOut, **docs.errors(401, 404, 422)},
    ),
    put=extend_schema(
        operation_id="record_suggestions_upsert",
        summary="Create or replace a record's suggestion for a question (workspace admins)",
        tags=["suggestions"],
        parameters=[docs.path("record_id")],
        request=docs.json_body(inputs.SuggestionWrite),
        responses={
            200: shapes.SuggestionOut,
            201: shapes.SuggestionOut,
            **docs.errors(401, 403, 404, 409, *docs.BODY_ERRORS),
        },
    ),
    delete=extend_schema(
        operation_id="record_suggestions_delete",
        summary="Delete suggestions of a record (workspace admins)",
        tags=["suggestions"],
        parameters=[docs.path("record_id"), docs.ids("The suggestions to delete.", required=False)],
        responses={204: docs.NO_CONTENT, **docs.errors(401, 403, 404, 422)},
    ),
)
@api_view(["GET", "PUT", "DELETE"])
def record_suggestions(request: Request, record_id: str) -> Response:
    record = get_record(request, record_id, manage=request.method != "GET")
    if request.method == "GET":
        if not access.can_see_all_responses(request.user, record.dataset) and not access.can_annotate_dataset(
            request.user, record.dataset
        ):
            raise Http404
        return Response({"items": [shapes.suggestion_out(s) for s in record.suggestions.order_by("inserted_at")]})
    if request.method == "DELETE":
        record_services.suggestions_delete(record=record, suggestion_ids=ids_param(request))
        return Response(status=status.HTTP_204_NO_CONTENT)
    data = inputs.read(inputs.SuggestionWrite, request)
    suggestion = {**data, "question_id": str(data["question_id"])}
    existed = Suggestion.objects.filter(record=record, question_id=data["question_id"]).exists()
    try:
        record_services.records_bulk_upsert(
            dataset=record.dataset, items=[{"id": str(record.pk), "suggestions": [suggestion]}]
        )
    except InvalidData as error:
        raise InvalidData(Problem(p.loc[4:] or p.loc[2:], p.msg) for p in error.problems) from None
    stored = Suggestion.objects.get(record=record, question_id=data["question_id"])
    return Response(shapes.suggestion_out(stored), status=status.HTTP_200_OK if existed else status.HTTP_201_CREATED)


@extend_schema_view(
    put=extend_schema(
        operation_id="record_gold_set",
        summary="Make a record a gold record with its expected answers, or replace them (workspace admins)",
        description=(
            "The expected answers are validated as a response's are (every answer whole; at least one to a "
            "graded question: label, multi-label, rating or ranking). The queue mixes gold records into each "
            "labeler's work at the dataset's `gold_rate`; labelers see them as any other record."
        ),
        tags=["records"],
        parameters=[docs.path("record_id")],
        request=docs.json_body(inputs.GoldWrite),
        responses={200: shapes.GoldOut, **docs.errors(401, 403, 404, *docs.BODY_ERRORS)},
    ),
    delete=extend_schema(
        operation_id="record_gold_clear",
        summary="Make a gold record an ordinary record again (workspace admins)",
        tags=["records"],
        parameters=[docs.path("record_id")],
        responses={204: docs.NO_CONTENT, **docs.errors(401, 403, 404, 422)},
    ),
)
@api_view(["PUT", "DELETE"])
def record_gold(request: Request, record_id: str) -> Response:
    record = get_record(request, record_id, manage=True)
    if request.method == "DELETE":
        gold_services.record_gold_clear(record=record)
        return Response(status=status.HTTP_204_NO_CONTENT)
    data = inputs.read(inputs.GoldWrite, request)
    try:
        record = gold_services.record_gold_set(record=record, values=data["values"])
    except InvalidData as error:
        raise error.prefixed("values") from None
    return Response(shapes.gold_out(record))


@extend_schema(
    operation_id="suggestions_delete",
    summary="Delete a suggestion (workspace admins)",
    tags=["suggestions"],
    parameters=[docs.path("suggestion_id")],
    responses={200: shapes.SuggestionOut, **docs.errors(401, 403, 404, 422)},
)
@api_view(["DELETE"])
def suggestion_detail(request: Request, suggestion_id: str) -> Response:
    suggestion = get_suggestion(request, suggestion_id, manage=True)
    shape = shapes.suggestion_out(suggestion)
    record_services.suggestions_delete(record=suggestion.record, suggestion_ids=[suggestion.pk])
    return Response(shape)


@extend_schema(
    operation_id="version_get",
    summary="The server's version",
    tags=["service"],
    responses={200: shapes.VersionOut, **docs.errors(401)},
)
@api_view(["GET"])
def version(request: Request) -> Response:
    return Response({"version": settings.FEEDLOOP_VERSION})


@extend_schema(
    operation_id="status_get",
    summary="The server's status",
    tags=["service"],
    responses={200: shapes.StatusOut, **docs.errors(401)},
)
@api_view(["GET"])
def status_view(request: Request) -> Response:
    return Response({"version": settings.FEEDLOOP_VERSION, "status": "ok"})
