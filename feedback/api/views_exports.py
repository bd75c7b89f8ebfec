"""Exports through the API: start one, follow it, download its file (through the job row)."""

from __future__ import annotations

from django.http import FileResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.decorators import api_view
from rest_framework.exceptions import PermissionDenied
from rest_framework.request import Request
from rest_framework.response import Response

from config.storage import open_stream
from feedback import shapes
from feedback.api import docs, inputs
from feedback.api.lookups import get_dataset, get_managed_job
from feedback.exports.writers import FORMATS
from feedback.models import ExportJob, JobStatus
from feedback.services import exports as services
from workspaces import access


@extend_schema(
    operation_id="dataset_exports_create",
    summary="Start an export of the dataset (workspace admins)",
    tags=["exports"],
    parameters=[docs.path("dataset_id")],
    request=docs.json_body(inputs.ExportCreate),
    responses={202: shapes.ExportOut, **docs.errors(401, 403, 404, *docs.BODY_ERRORS)},
)
@api_view(["POST"])
def dataset_exports(request: Request, dataset_id: str) -> Response:
    dataset = get_dataset(request, dataset_id)
    if not access.can_export_dataset(request.user, dataset):
        raise PermissionDenied("Only the workspace's admins may export.")
    data = inputs.read(inputs.ExportCreate, request)
    job = services.export_create(
        dataset=dataset, user=request.user, layout=data["layout"], format=data["format"], options=data["options"]
    )
    job.refresh_from_db()
    return Response(shapes.export_out(job), status=status.HTTP_202_ACCEPTED)


@extend_schema(
    operation_id="exports_get",
    summary="An export job: status, progress and counts",
    tags=["exports"],
    parameters=[docs.path("export_id")],
    responses={200: shapes.ExportOut, **docs.errors(401, 404, 422)},
)
@api_view(["GET"])
def export_detail(request: Request, export_id: str) -> Response:
    return Response(shapes.export_out(get_managed_job(request, ExportJob, export_id, "export_id")))


@extend_schema(
    operation_id="exports_file",
    summary="Download the export's file once it succeeded",
    tags=["exports"],
    parameters=[docs.path("export_id")],
    description="JSONL, Parquet, or (`hf_dataset`) a zip of a Hugging Face `datasets` folder for `load_from_disk`.",
    responses={
        **{(200, export_format.content_type): OpenApiTypes.BINARY for export_format in FORMATS.values()},
        **docs.errors(401, 404, 409, 422),
    },
)
@api_view(["GET"])
def export_file(request: Request, export_id: str) -> Response | FileResponse:
    job = get_managed_job(request, ExportJob, export_id, "export_id")
    if job.status != JobStatus.SUCCEEDED or not job.file:
        return Response({"detail": f"The export is {job.status}; no file yet."}, status=status.HTTP_409_CONFLICT)
    export_format = FORMATS[job.format]
    filename = f"{job.dataset.name}-{job.layout}{export_format.extension}"
    # Streamed from storage a buffer at a time (an S3 object is never held whole).
    response = FileResponse(
        open_stream(job.file.name), as_attachment=True, filename=filename, content_type=export_format.content_type
    )
    response.setdefault("Content-Length", str(job.file.size))  # a stream from S3 cannot tell its own
    return response
