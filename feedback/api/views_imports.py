"""Imports through the API: upload a file (multipart) to start one, then follow it."""

from __future__ import annotations

from django.conf import settings
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.decorators import api_view, parser_classes
from rest_framework.exceptions import PermissionDenied
from rest_framework.parsers import MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response

from feedback import shapes
from feedback.api import docs, inputs
from feedback.api.errors import PayloadTooLarge
from feedback.api.lookups import get_dataset, get_managed_job
from feedback.models import ImportJob
from feedback.services import imports as services
from workspaces import access

# Room for the multipart envelope and the other form fields around the file.
ENVELOPE_BYTES = 1024 * 1024


def _refuse_oversized(request: Request) -> None:
    """Answer 413 from the declared length, before the body is read."""
    try:
        declared = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        declared = 0
    limit = settings.FEEDLOOP_IMPORT_MAX_BYTES
    if declared > limit + ENVELOPE_BYTES:
        raise PayloadTooLarge(f"The upload has {declared:,} bytes; files of up to {limit:,} bytes are accepted.")


@extend_schema(
    operation_id="dataset_imports_create",
    summary="Import a file of records into the dataset (workspace admins)",
    description=(
        "Multipart form: `file` (JSONL, CSV, Parquet, or a zipped `datasets` folder), and optionally "
        "`format`, `mapping` (a JSON object: column → target), `skip_bad_rows` and `split`. "
        "The job checks every row first; by default a file with any bad row stores nothing."
    ),
    tags=["imports"],
    parameters=[docs.path("dataset_id")],
    request={"multipart/form-data": inputs.ImportCreate},
    responses={202: shapes.ImportOut, **docs.errors(401, 403, 404, 413, 415, 422)},
)
@api_view(["POST"])
@parser_classes([MultiPartParser])
def dataset_imports(request: Request, dataset_id: str) -> Response:
    dataset = get_dataset(request, dataset_id)
    if not access.can_import_dataset(request.user, dataset):
        raise PermissionDenied("Only the workspace's admins may import.")
    _refuse_oversized(request)
    data = inputs.read(inputs.ImportCreate, request)
    upload = data["file"]
    try:
        job = services.import_create(
            dataset=dataset,
            user=request.user,
            file=upload,
            filename=upload.name or "upload",
            format=data.get("format") or None,
            mapping=data.get("mapping"),
            skip_bad_rows=data["skip_bad_rows"],
            split=data.get("split") or "",
        )
    except services.FileTooLarge as error:
        raise PayloadTooLarge(f"The file is too large: {error}.") from None
    job.refresh_from_db()
    return Response(shapes.import_out(job), status=status.HTTP_202_ACCEPTED)


@extend_schema(
    operation_id="imports_get",
    summary="An import job: status, progress, counts and every row error (row, column, reason)",
    tags=["imports"],
    parameters=[docs.path("import_id")],
    responses={200: shapes.ImportOut, **docs.errors(401, 404, 422)},
)
@api_view(["GET"])
def import_detail(request: Request, import_id: str) -> Response:
    return Response(shapes.import_out(get_managed_job(request, ImportJob, import_id, "import_id")))
