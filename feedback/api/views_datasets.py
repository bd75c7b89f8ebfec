"""Datasets and their settings: fields, questions, metadata properties, vector settings."""

from __future__ import annotations

import csv

from django.db.models import Count, Q
from django.http import HttpResponse
from django.utils.http import content_disposition_header
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import status
from rest_framework.decorators import api_view
from rest_framework.exceptions import PermissionDenied
from rest_framework.request import Request
from rest_framework.response import Response

from feedback import selectors, shapes
from feedback.api import docs, inputs
from feedback.api.lookups import (
    datasets_for,
    get_dataset,
    get_field,
    get_managed_job,
    get_metadata_property,
    get_question,
    get_vector_settings,
    get_workspace,
    parse_uuid,
)
from feedback.errors import InvalidData
from feedback.leaderboard import csv_rows as leaderboard_csv_rows
from feedback.models import DatasetStatus, MetricsJob, RecordStatus, ResponseStatus
from feedback.models import Response as FeedbackResponse
from feedback.services import datasets as services
from feedback.services import metrics as metrics_services
from feedback.storable import text_problem
from workspaces import access


@extend_schema(
    operation_id="me_datasets_list",
    summary="The datasets the caller may see",
    tags=["datasets"],
    parameters=[
        OpenApiParameter("workspace_id", OpenApiTypes.UUID, OpenApiParameter.QUERY, description="In this workspace."),
        OpenApiParameter("name", OpenApiTypes.STR, OpenApiParameter.QUERY, description="With this exact name."),
        OpenApiParameter(
            "status", OpenApiTypes.STR, OpenApiParameter.QUERY, enum=DatasetStatus.values, description="In this status."
        ),
    ],
    responses={200: shapes.DatasetListOut, **docs.errors(401, 422)},
)
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


@extend_schema(
    operation_id="datasets_create",
    summary="Create a dataset (workspace admins)",
    tags=["datasets"],
    request=docs.json_body(inputs.DatasetCreate),
    responses={201: shapes.DatasetOut, **docs.errors(401, 403, 404, 409, *docs.BODY_ERRORS)},
)
@api_view(["POST"])
def datasets(request: Request) -> Response:
    data = inputs.read(inputs.DatasetCreate, request)
    workspace = get_workspace(request, data["workspace_id"])
    if not access.can_manage_workspace(request.user, workspace):
        raise PermissionDenied("Only the workspace's admins may create datasets.")
    options = inputs.dataset_options(data)
    dataset = services.dataset_create(workspace=workspace, name=options.pop("name"), **options)
    return Response(shapes.dataset_out(dataset), status=status.HTTP_201_CREATED)


@extend_schema_view(
    get=extend_schema(
        operation_id="datasets_get",
        summary="A dataset",
        tags=["datasets"],
        parameters=[docs.path("dataset_id")],
        responses={200: shapes.DatasetOut, **docs.errors(401, 404, 422)},
    ),
    patch=extend_schema(
        operation_id="datasets_update",
        summary="Change a dataset's settings (workspace admins)",
        tags=["datasets"],
        parameters=[docs.path("dataset_id")],
        request=docs.json_body(inputs.DatasetSettings),
        responses={200: shapes.DatasetOut, **docs.errors(401, 403, 404, 409, *docs.BODY_ERRORS)},
    ),
    delete=extend_schema(
        operation_id="datasets_delete",
        summary="Delete a dataset with everything in it (workspace admins)",
        tags=["datasets"],
        parameters=[docs.path("dataset_id")],
        responses={200: shapes.DatasetOut, **docs.errors(401, 403, 404, 422)},
    ),
)
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


@extend_schema(
    operation_id="datasets_publish",
    summary="Publish a dataset: it needs a field and a required question (workspace admins)",
    tags=["datasets"],
    parameters=[docs.path("dataset_id")],
    request=None,
    responses={200: shapes.DatasetOut, **docs.errors(401, 403, 404, 422)},
)
@api_view(["PUT"])
def dataset_publish(request: Request, dataset_id: str) -> Response:
    dataset = get_dataset(request, dataset_id, manage=True)
    return Response(shapes.dataset_out(services.dataset_publish(dataset=dataset)))


@extend_schema(
    operation_id="datasets_progress",
    summary="How many of a dataset's records are completed",
    tags=["datasets"],
    parameters=[docs.path("dataset_id")],
    responses={200: shapes.ProgressOut, **docs.errors(401, 404, 422)},
)
@api_view(["GET"])
def dataset_progress(request: Request, dataset_id: str) -> Response:
    dataset = get_dataset(request, dataset_id)
    counts = dataset.records.aggregate(
        total=Count("id"), completed=Count("id", filter=Q(status=RecordStatus.COMPLETED))
    )
    return Response(
        {"total": counts["total"], "completed": counts["completed"], "pending": counts["total"] - counts["completed"]}
    )


@extend_schema(
    operation_id="datasets_metrics",
    summary="The quality dashboard's numbers, from the cache (managers)",
    description=(
        "Krippendorff's alpha per question over submitted responses (interval for ratings and ranks, nominal for "
        "labels) with a bootstrap interval, the distribution of answers and of each record's unified answer, the "
        "most disputed records; progress per day and an ETA; per annotator the responses by status, time, paste "
        "rate and alpha without them; the leaderboard where the dataset names its models. Answered from the last "
        "computation (`computed_at`), refreshed by a background job on a schedule and on demand; a dataset never "
        "computed is computed once, now."
    ),
    tags=["datasets"],
    parameters=[docs.path("dataset_id")],
    responses={200: shapes.MetricsOut, **docs.errors(401, 403, 404, 422)},
)
@api_view(["GET"])
def dataset_metrics(request: Request, dataset_id: str) -> Response:
    dataset = get_dataset(request, dataset_id, manage=True)
    snapshot = selectors.metrics_snapshot(dataset) or metrics_services.metrics_compute_now(dataset=dataset)
    return Response({"computed_at": snapshot.computed_at.isoformat(), **snapshot.payload})


@extend_schema(
    operation_id="metrics_jobs_get",
    summary="A metrics computation: status and progress (managers)",
    description=(
        "A refresh of a dataset's cached metrics (queued by a manager's refresh on the dashboard page or by the "
        "schedule): its status, progress (0 to 1) and how many responses it has read; the dashboard page polls it."
    ),
    tags=["datasets"],
    parameters=[docs.path("metrics_job_id")],
    responses={200: shapes.MetricsJobOut, **docs.errors(401, 404, 422)},
)
@api_view(["GET"])
def metrics_job_detail(request: Request, metrics_job_id: str) -> Response:
    return Response(shapes.metrics_job_out(get_managed_job(request, MetricsJob, metrics_job_id, "metrics_job_id")))


@extend_schema(
    operation_id="datasets_leaderboard",
    summary="The models behind the response fields, compared (managers)",
    description=(
        "Reads every submitted response against the models that the record metadata names for the response fields "
        "(the dataset's `leaderboard_models`): rankings and pairwise votes give win counts, win rates and "
        "Bradley-Terry scores with bootstrap 95 % intervals; rating questions a mean per model with a 95 % "
        "t-interval; label questions the rate of each label per model. `/leaderboard.csv` gives the same as a table."
    ),
    tags=["datasets"],
    parameters=[docs.path("dataset_id")],
    responses={200: shapes.LeaderboardOut, **docs.errors(401, 403, 404, 422)},
)
@api_view(["GET"])
def dataset_leaderboard(request: Request, dataset_id: str) -> Response:
    dataset = get_dataset(request, dataset_id, manage=True)
    return Response(selectors.dataset_leaderboard(dataset))


@extend_schema(
    operation_id="datasets_leaderboard_csv",
    summary="The leaderboard as CSV, a row per model (managers)",
    tags=["datasets"],
    parameters=[docs.path("dataset_id")],
    responses={(200, "text/csv"): OpenApiTypes.STR, **docs.errors(401, 403, 404, 422)},
)
@api_view(["GET"])
def dataset_leaderboard_csv(request: Request, dataset_id: str) -> HttpResponse:
    dataset = get_dataset(request, dataset_id, manage=True)
    answer = HttpResponse(content_type="text/csv; charset=utf-8")
    answer["Content-Disposition"] = content_disposition_header(True, f"{dataset.name}-leaderboard.csv")
    csv.writer(answer).writerows(leaderboard_csv_rows(selectors.dataset_leaderboard(dataset)))
    return answer


@extend_schema(
    operation_id="datasets_users_progress",
    summary="Responses per user, of those the caller may see",
    tags=["datasets"],
    parameters=[docs.path("dataset_id")],
    responses={200: shapes.UsersProgressOut, **docs.errors(401, 404, 422)},
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
            **{
                f"{record_status}_{response_status}": Count(
                    "id", filter=Q(status=response_status, record__status=record_status)
                )
                for record_status in RecordStatus.values
                for response_status in ResponseStatus.values
            }
        )
        .order_by("user__username")
    )
    return Response(
        {
            "users": [
                {
                    "username": row["user__username"],
                    **{
                        record_status: {status: row[f"{record_status}_{status}"] for status in ResponseStatus.values}
                        for record_status in RecordStatus.values
                    },
                    **{
                        status: sum(row[f"{record_status}_{status}"] for record_status in RecordStatus.values)
                        for status in ResponseStatus.values
                    },
                }
                for row in rows
            ]
        }
    )


@extend_schema_view(
    get=extend_schema(
        operation_id="dataset_fields_list",
        summary="A dataset's fields",
        tags=["fields"],
        parameters=[docs.path("dataset_id")],
        responses={200: shapes.FieldListOut, **docs.errors(401, 404, 422)},
    ),
    post=extend_schema(
        operation_id="dataset_fields_create",
        summary="Add a field to a draft dataset (workspace admins)",
        tags=["fields"],
        parameters=[docs.path("dataset_id")],
        request=docs.json_body(inputs.FieldCreate),
        responses={201: shapes.FieldOut, **docs.errors(401, 403, 404, 409, *docs.BODY_ERRORS)},
    ),
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


@extend_schema_view(
    patch=extend_schema(
        operation_id="fields_update",
        summary="Change a field's title or settings (workspace admins)",
        tags=["fields"],
        parameters=[docs.path("field_id")],
        request=docs.json_body(inputs.FieldUpdate),
        responses={200: shapes.FieldOut, **docs.errors(401, 403, 404, *docs.BODY_ERRORS)},
    ),
    delete=extend_schema(
        operation_id="fields_delete",
        summary="Delete a field of a draft dataset (workspace admins)",
        tags=["fields"],
        parameters=[docs.path("field_id")],
        responses={200: shapes.FieldOut, **docs.errors(401, 403, 404, 422)},
    ),
)
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


@extend_schema_view(
    get=extend_schema(
        operation_id="dataset_questions_list",
        summary="A dataset's questions",
        tags=["questions"],
        parameters=[docs.path("dataset_id")],
        responses={200: shapes.QuestionListOut, **docs.errors(401, 404, 422)},
    ),
    post=extend_schema(
        operation_id="dataset_questions_create",
        summary="Add a question to a draft dataset (workspace admins)",
        tags=["questions"],
        parameters=[docs.path("dataset_id")],
        request=docs.json_body(inputs.QuestionCreate),
        responses={201: shapes.QuestionOut, **docs.errors(401, 403, 404, 409, *docs.BODY_ERRORS)},
    ),
)
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


@extend_schema_view(
    patch=extend_schema(
        operation_id="questions_update",
        summary="Change a question's title, description or settings (workspace admins)",
        tags=["questions"],
        parameters=[docs.path("question_id")],
        request=docs.json_body(inputs.QuestionUpdate),
        responses={200: shapes.QuestionOut, **docs.errors(401, 403, 404, *docs.BODY_ERRORS)},
    ),
    delete=extend_schema(
        operation_id="questions_delete",
        summary="Delete a question of a draft dataset (workspace admins)",
        tags=["questions"],
        parameters=[docs.path("question_id")],
        responses={200: shapes.QuestionOut, **docs.errors(401, 403, 404, 422)},
    ),
)
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


@extend_schema(
    operation_id="dataset_metadata_properties_create",
    summary="Add a metadata property to a dataset (workspace admins)",
    tags=["metadata-properties"],
    parameters=[docs.path("dataset_id")],
    request=docs.json_body(inputs.MetadataPropertyCreate),
    responses={201: shapes.MetadataPropertyOut, **docs.errors(401, 403, 404, 409, *docs.BODY_ERRORS)},
)
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


@extend_schema(
    operation_id="me_dataset_metadata_properties_list",
    summary="A dataset's metadata properties the caller may see",
    tags=["metadata-properties"],
    parameters=[docs.path("dataset_id")],
    responses={200: shapes.MetadataPropertyListOut, **docs.errors(401, 404, 422)},
)
@api_view(["GET"])
def me_dataset_metadata_properties(request: Request, dataset_id: str) -> Response:
    dataset = get_dataset(request, dataset_id)
    props = selectors.visible_metadata_properties(request.user, dataset)
    return Response({"items": [shapes.metadata_property_out(prop) for prop in props]})


@extend_schema_view(
    patch=extend_schema(
        operation_id="metadata_properties_update",
        summary="Change a metadata property's title or visibility (workspace admins)",
        tags=["metadata-properties"],
        parameters=[docs.path("prop_id")],
        request=docs.json_body(inputs.MetadataPropertyUpdate),
        responses={200: shapes.MetadataPropertyOut, **docs.errors(401, 403, 404, *docs.BODY_ERRORS)},
    ),
    delete=extend_schema(
        operation_id="metadata_properties_delete",
        summary="Delete a metadata property (workspace admins)",
        tags=["metadata-properties"],
        parameters=[docs.path("prop_id")],
        responses={200: shapes.MetadataPropertyOut, **docs.errors(401, 403, 404, 422)},
    ),
)
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


@extend_schema_view(
    get=extend_schema(
        operation_id="dataset_vectors_settings_list",
        summary="A dataset's vector settings",
        tags=["vectors-settings"],
        parameters=[docs.path("dataset_id")],
        responses={200: shapes.VectorSettingsListOut, **docs.errors(401, 404, 422)},
    ),
    post=extend_schema(
        operation_id="dataset_vectors_settings_create",
        summary="Add vector settings to a dataset (workspace admins)",
        tags=["vectors-settings"],
        parameters=[docs.path("dataset_id")],
        request=docs.json_body(inputs.VectorSettingsCreate),
        responses={201: shapes.VectorSettingsOut, **docs.errors(401, 403, 404, 409, *docs.BODY_ERRORS)},
    ),
)
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


@extend_schema_view(
    patch=extend_schema(
        operation_id="vectors_settings_update",
        summary="Change vector settings' title (workspace admins)",
        tags=["vectors-settings"],
        parameters=[docs.path("settings_id")],
        request=docs.json_body(inputs.VectorSettingsUpdate),
        responses={200: shapes.VectorSettingsOut, **docs.errors(401, 403, 404, *docs.BODY_ERRORS)},
    ),
    delete=extend_schema(
        operation_id="vectors_settings_delete",
        summary="Delete vector settings (workspace admins)",
        tags=["vectors-settings"],
        parameters=[docs.path("settings_id")],
        responses={200: shapes.VectorSettingsOut, **docs.errors(401, 403, 404, 422)},
    ),
)
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
