"""Datasets and their settings: fields, questions, metadata properties, vector settings."""

from __future__ import annotations

from django.db.models import Count, Q
from rest_framework import status
from rest_framework.decorators import api_view
from rest_framework.exceptions import PermissionDenied
from rest_framework.request import Request
from rest_framework.response import Response

from feedback.api import inputs, shapes
from feedback.api.lookups import (
    datasets_for,
    get_dataset,
    get_field,
    get_metadata_property,
    get_question,
    get_vector_settings,
    get_workspace,
    parse_uuid,
)
from feedback.errors import InvalidData
from feedback.models import DatasetStatus, RecordStatus, ResponseStatus
from feedback.models import Response as FeedbackResponse
from feedback.services import datasets as services
from feedback.storable import text_problem
from workspaces import access


@api_view(["GET"])
def me_datasets(request: Request) -> Response:
    datasets = datasets_for(request)
    for key in ("workspace_id", "name", "status"):
        value = request.query_params.get(key)
        if value is None:
            continue
        if key == "status" and value not in DatasetStatus.values:
            raise InvalidData.at(("query", "status"), f"must be one of {DatasetStatus.values}")
        if problem := text_problem(value):
            raise InvalidData.at(("query", key), problem)
        datasets = datasets.filter(**{key: parse_uuid(value, key) if key == "workspace_id" else value})
    return Response({"items": [shapes.dataset_out(dataset) for dataset in datasets.order_by("inserted_at")]})


@api_view(["POST"])
def datasets(request: Request) -> Response:
    data = inputs.read(inputs.DatasetCreate, request)
    workspace = get_workspace(request, data["workspace_id"])
    if not access.can_manage_workspace(request.user, workspace):
        raise PermissionDenied("Only the workspace's admins may create datasets.")
    options = inputs.dataset_options(data)
    dataset = services.dataset_create(workspace=workspace, name=options.pop("name"), **options)
    return Response(shapes.dataset_out(dataset), status=status.HTTP_201_CREATED)


@api_view(["GET", "PATCH", "DELETE"])
def dataset_detail(request: Request, dataset_id: str) -> Response:
    dataset = get_dataset(request, dataset_id, manage=request.method != "GET")
    if request.method == "GET":
        return Response(shapes.dataset_out(dataset))
    if request.method == "PATCH":
        data = inputs.read(inputs.DatasetSettings, request, partial=True)
        dataset = services.dataset_update(dataset=dataset, **inputs.dataset_options(data))
        return Response(shapes.dataset_out(dataset))
    shape = shapes.dataset_out(dataset)
    services.dataset_delete(dataset=dataset)
    return Response(shape)


@api_view(["PUT"])
def dataset_publish(request: Request, dataset_id: str) -> Response:
    dataset = get_dataset(request, dataset_id, manage=True)
    return Response(shapes.dataset_out(services.dataset_publish(dataset=dataset)))


@api_view(["GET"])
def dataset_progress(request: Request, dataset_id: str) -> Response:
    dataset = get_dataset(request, dataset_id)
    counts = dataset.records.aggregate(
        total=Count("id"), completed=Count("id", filter=Q(status=RecordStatus.COMPLETED))
    )
    return Response(
        {"total": counts["total"], "completed": counts["completed"], "pending": counts["total"] - counts["completed"]}
    )


@api_view(["GET"])
def dataset_users_progress(request: Request, dataset_id: str) -> Response:
    dataset = get_dataset(request, dataset_id)
    responses = access.visible_responses(
        request.user, dataset, FeedbackResponse.objects.filter(record__dataset=dataset)
    )
    rows = (
        responses.values("user__username")
        .annotate(
            submitted=Count("id", filter=Q(status=ResponseStatus.SUBMITTED)),
            draft=Count("id", filter=Q(status=ResponseStatus.DRAFT)),
            discarded=Count("id", filter=Q(status=ResponseStatus.DISCARDED)),
            completed_submitted=Count(
                "id", filter=Q(status=ResponseStatus.SUBMITTED, record__status=RecordStatus.COMPLETED)
            ),
            pending_submitted=Count(
                "id", filter=Q(status=ResponseStatus.SUBMITTED, record__status=RecordStatus.PENDING)
            ),
        )
        .order_by("user__username")
    )
    return Response(
        {
            "users": [
                {
                    "username": row["user__username"],
                    "completed": {"submitted": row["completed_submitted"], "draft": 0, "discarded": 0},
                    "pending": {
                        "submitted": row["pending_submitted"],
                        "draft": row["draft"],
                        "discarded": row["discarded"],
                    },
                    "submitted": row["submitted"],
                    "draft": row["draft"],
                    "discarded": row["discarded"],
                }
                for row in rows
            ]
        }
    )


@api_view(["GET", "POST"])
def dataset_fields(request: Request, dataset_id: str) -> Response:
    dataset = get_dataset(request, dataset_id, manage=request.method == "POST")
    if request.method == "GET":
        return Response({"items": [shapes.field_out(field) for field in dataset.fields.all()]})
    data = inputs.read(inputs.FieldCreate, request)
    settings = dict(data["settings"])
    field = services.field_create(
        dataset=dataset,
        name=data["name"],
        title=data.get("title"),
        type=settings.pop("type"),
        required=data["required"],
        settings=settings,
    )
    return Response(shapes.field_out(field), status=status.HTTP_201_CREATED)


@api_view(["PATCH", "DELETE"])
def field_detail(request: Request, field_id: str) -> Response:
    field = get_field(request, field_id, manage=True)
    if request.method == "PATCH":
        data = inputs.read(inputs.FieldUpdate, request, partial=True)
        settings = data.get("settings")
        if settings is not None and settings.get("type", field.type) != field.type:
            raise InvalidData.at(("settings", "type"), "a field's type cannot change")
        field = services.field_update(
            field=field,
            title=data.get("title"),
            settings={k: v for k, v in settings.items() if k != "type"} if settings is not None else None,
        )
        return Response(shapes.field_out(field))
    shape = shapes.field_out(field)
    services.field_delete(field=field)
    return Response(shape)


@api_view(["GET", "POST"])
def dataset_questions(request: Request, dataset_id: str) -> Response:
    dataset = get_dataset(request, dataset_id, manage=request.method == "POST")
    if request.method == "GET":
        return Response({"items": [shapes.question_out(question) for question in dataset.questions.all()]})
    data = inputs.read(inputs.QuestionCreate, request)
    settings = dict(data["settings"])
    question = services.question_create(
        dataset=dataset,
        name=data["name"],
        type=settings.pop("type"),
        settings=settings,
        title=data.get("title"),
        description=data.get("description"),
        required=data["required"],
    )
    return Response(shapes.question_out(question), status=status.HTTP_201_CREATED)


@api_view(["PATCH", "DELETE"])
def question_detail(request: Request, question_id: str) -> Response:
    question = get_question(request, question_id, manage=True)
    if request.method == "PATCH":
        data = inputs.read(inputs.QuestionUpdate, request, partial=True)
        settings = data.get("settings")
        if settings is not None and settings.get("type", question.type) != question.type:
            raise InvalidData.at(("settings", "type"), "a question's type cannot change")
        question = services.question_update(
            question=question,
            title=data.get("title"),
            description=data.get("description"),
            settings={k: v for k, v in settings.items() if k != "type"} if settings is not None else None,
        )
        return Response(shapes.question_out(question))
    shape = shapes.question_out(question)
    services.question_delete(question=question)
    return Response(shape)


@api_view(["POST"])
def dataset_metadata_properties(request: Request, dataset_id: str) -> Response:
    dataset = get_dataset(request, dataset_id, manage=True)
    data = inputs.read(inputs.MetadataPropertyCreate, request)
    settings = dict(data["settings"])
    prop = services.metadata_property_create(
        dataset=dataset,
        name=data["name"],
        type=settings.pop("type"),
        settings=settings,
        title=data.get("title"),
        visible_for_annotators=data["visible_for_annotators"],
    )
    return Response(shapes.metadata_property_out(prop), status=status.HTTP_201_CREATED)


@api_view(["GET"])
def me_dataset_metadata_properties(request: Request, dataset_id: str) -> Response:
    dataset = get_dataset(request, dataset_id)
    props = dataset.metadata_properties.all()
    if not access.can_manage_dataset(request.user, dataset):
        props = props.filter(visible_for_annotators=True)
    return Response({"items": [shapes.metadata_property_out(prop) for prop in props]})


@api_view(["PATCH", "DELETE"])
def metadata_property_detail(request: Request, prop_id: str) -> Response:
    prop = get_metadata_property(request, prop_id, manage=True)
    if request.method == "PATCH":
        data = inputs.read(inputs.MetadataPropertyUpdate, request, partial=True)
        prop = services.metadata_property_update(
            prop=prop, title=data.get("title"), visible_for_annotators=data.get("visible_for_annotators")
        )
        return Response(shapes.metadata_property_out(prop))
    shape = shapes.metadata_property_out(prop)
    services.metadata_property_delete(prop=prop)
    return Response(shape)


@api_view(["GET", "POST"])
def dataset_vectors_settings(request: Request, dataset_id: str) -> Response:
    dataset = get_dataset(request, dataset_id, manage=request.method == "POST")
    if request.method == "GET":
        return Response({"items": [shapes.vector_settings_out(vs) for vs in dataset.vector_settings.all()]})
    data = inputs.read(inputs.VectorSettingsCreate, request)
    vector_settings = services.vector_settings_create(
        dataset=dataset, name=data["name"], dimensions=data["dimensions"], title=data.get("title")
    )
    return Response(shapes.vector_settings_out(vector_settings), status=status.HTTP_201_CREATED)


@api_view(["PATCH", "DELETE"])
def vector_settings_detail(request: Request, settings_id: str) -> Response:
    vector_settings = get_vector_settings(request, settings_id, manage=True)
    if request.method == "PATCH":
        data = inputs.read(inputs.VectorSettingsUpdate, request, partial=True)
        vector_settings = services.vector_settings_update(vector_settings=vector_settings, title=data.get("title"))
        return Response(shapes.vector_settings_out(vector_settings))
    shape = shapes.vector_settings_out(vector_settings)
    services.vector_settings_delete(vector_settings=vector_settings)
    return Response(shape)
