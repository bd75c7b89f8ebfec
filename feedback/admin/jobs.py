"""Import and export jobs in the admin."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest
from django.template.loader import render_to_string
from django.utils.html import format_html, format_html_join

from feedback import selectors
from feedback.admin._common import form_error
from feedback.errors import InvalidData
from feedback.exports.layouts import LAYOUTS
from feedback.models import Dataset, DatasetStatus, ExportJob, ImportJob, JobStatus, MetricsJob
from feedback.services.exports import FORMATS as EXPORT_FORMATS
from feedback.services.exports import export_create
from feedback.services.imports import FileTooLarge, import_create
from workspaces import access
from workspaces.admin import WorkspaceScopedAdmin


def job_progress(job: ImportJob | ExportJob) -> str:
    """A job's progress bar, kept live by job-progress.js while the job runs."""
    return render_to_string("feedback/_job.html", {"job": job, "job_url": selectors.job_url(job)})


class JobRequestForm(forms.ModelForm):
    """Base of the forms that start a job: the job is created by a service in `clean`
    (`start`), which checks everything the API checks, so the admin can do no more."""

    def __init__(self, *args: Any, request: HttpRequest, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.request = request
        self.fields["dataset"].queryset = access.managed_datasets(request.user, Dataset.objects.all())
        self.job: ImportJob | ExportJob | None = None

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if not self.errors:
            try:
                self.job = self.start(data)
            except InvalidData as error:
                raise form_error(error) from None
        return data

    def start(self, data: dict[str, Any]) -> ImportJob | ExportJob:
        raise NotImplementedError


class JobAdmin(WorkspaceScopedAdmin):
    """Jobs are started from their "add" page (`request_form`) and only viewed after."""

    request_form: type[JobRequestForm]
    readonly_fields: list[str]

    class Media:
        js = ["feedloop/job-progress.js"]
        css = {"all": ["feedloop/admin.css"]}

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        return super().get_queryset(request).select_related("dataset")  # their titles name it

    def get_form(self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any) -> Any:
        if obj is not None:
            return super().get_form(request, obj, change=change, **kwargs)
        base = self.request_form

        class BoundToRequest(base):  # type: ignore[valid-type, misc]
            def __init__(self, *args: Any, **inner: Any) -> None:
                super().__init__(*args, request=request, **inner)

        return BoundToRequest

    def get_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        return list(self.request_form.Meta.fields) if obj is None else self.readonly_fields

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        return [] if obj is None else self.readonly_fields

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        # The job was created (and queued) by the form's service call.
        obj.pk = form.job.pk
        obj._state.adding = False

    @admin.display(description="job", ordering="inserted_at")
    def title(self, job: ImportJob | ExportJob) -> str:
        return str(job)

    @admin.display(description="status and progress")
    def progress_bar(self, job: ImportJob | ExportJob) -> str:
        # The status is shown here only: the progress label follows it live while the job runs.
        return job_progress(job)

    def has_change_permission(self, request: HttpRequest, obj: Any | None = None) -> bool:
        return False


class ExportRequestForm(JobRequestForm):
    layout = forms.ChoiceField(choices=[(layout, layout) for layout in LAYOUTS])
    format = forms.ChoiceField(choices=[(name, name) for name in EXPORT_FORMATS], initial="jsonl")
    options = forms.JSONField(
        required=False,
        initial=dict,
        help_text=(
            'e.g. {"unification": "majority", "pair_mode": "best_vs_worst"} for preference pairs, '
            '{"threshold": 4} for kto, {"statuses": ["submitted", "draft"]} to include drafts. '
            "The README lists every option."
        ),
    )

    class Meta:
        model = ExportJob
        fields = ["dataset", "layout", "format", "options"]

    def start(self, data: dict[str, Any]) -> ExportJob:
        return export_create(
            dataset=data["dataset"],
            user=self.request.user,
            layout=data["layout"],
            format=data["format"],
            options=data.get("options") or {},
        )


@admin.register(ExportJob)
class ExportJobAdmin(JobAdmin):
    """Export jobs with their progress; files download through the job's own page."""

    request_form = ExportRequestForm
    list_display = ["title", "progress_bar", "format", "rows", "created_by", "inserted_at"]
    list_filter = ["status", "layout"]
    list_select_related = ["dataset", "created_by"]
    readonly_fields = [
        "dataset",
        "layout",
        "format",
        "options",
        "status",
        "progress_bar",
        "counts",
        "error",
        "download",
        "created_by",
        "started_at",
        "finished_at",
    ]

    @admin.display(description="rows")
    def rows(self, job: ExportJob) -> int | None:
        return (job.counts or {}).get("rows")

    @admin.display(description="file")
    def download(self, job: ExportJob) -> str:
        if job.status != JobStatus.SUCCEEDED or not job.file:
            return "—"
        return format_html('<a href="/api/v1/exports/{}/file">Download</a>', job.pk)


class ImportUploadForm(JobRequestForm):
    """Upload a file into a dataset (`import_create` checks format, size, mapping and
    that the dataset is published, as for the API)."""

    mapping = forms.JSONField(
        required=False,
        initial=dict,
        help_text=(
            'Column → target, e.g. {"question": "field:prompt", "score": "suggestion:quality:score", '
            '"notes": "ignore"}. Columns named like a field, metadata property or question map by themselves.'
        ),
    )

    class Meta:
        model = ImportJob
        fields = ["dataset", "file", "format", "mapping", "skip_bad_rows", "split"]
        help_texts = {
            "format": "jsonl, csv, parquet or hf_dataset; leave empty to go by the file name.",
            "split": "For a zipped DatasetDict: the split to import.",
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["format"].required = False
        self.fields["dataset"].queryset = self.fields["dataset"].queryset.filter(status=DatasetStatus.READY)

    def start(self, data: dict[str, Any]) -> ImportJob:
        upload = data["file"]
        try:
            return import_create(
                dataset=data["dataset"],
                user=self.request.user,
                file=upload,
                filename=upload.name,
                format=data.get("format") or None,
                mapping=data.get("mapping") or {},
                skip_bad_rows=data.get("skip_bad_rows", False),
                split=data.get("split") or "",
            )
        except FileTooLarge as error:
            raise ValidationError(f"The file is too large: {error}.") from None


@admin.register(ImportJob)
class ImportJobAdmin(JobAdmin):
    """Upload files into datasets and follow the jobs: progress, counts, every row error."""

    request_form = ImportUploadForm

    list_display = ["title", "progress_bar", "stored", "error_count", "created_by", "inserted_at"]
    list_filter = ["status", "format"]
    list_select_related = ["dataset", "created_by"]
    readonly_fields = [
        "dataset",
        "source_name",
        "format",
        "mapping",
        "split",
        "skip_bad_rows",
        "status",
        "progress_bar",
        "counts",
        "error",
        "error_count",
        "row_errors",
        "created_by",
        "started_at",
        "finished_at",
    ]

    @admin.display(description="stored")
    def stored(self, job: ImportJob) -> int | None:
        return (job.counts or {}).get("stored")

    @admin.display(description="row errors")
    def row_errors(self, job: ImportJob) -> str:
        if not job.errors:
            return "—"
        rows = format_html_join(
            "",
            "<tr><td>{}</td><td>{}</td><td>{}</td></tr>",
            ((e["row"] or "—", e["column"] or "—", e["reason"]) for e in job.errors),
        )
        more = job.error_count - len(job.errors)
        note = format_html("<p>…and {} more.</p>", more) if more > 0 else ""
        return format_html(
            "<table><thead><tr><th>row</th><th>column</th><th>reason</th></tr></thead><tbody>{}</tbody></table>{}",
            rows,
            note,
        )


@admin.register(MetricsJob)
class MetricsJobAdmin(JobAdmin):
    """The quality dashboards' computations, queued by the schedule or by a refresh on a
    dataset's dashboard; only viewed here."""

    list_display = ["title", "progress_bar", "created_by", "inserted_at", "finished_at"]
    list_filter = ["status"]
    list_select_related = ["dataset", "created_by"]
    readonly_fields = ["dataset", "status", "progress_bar", "error", "created_by", "started_at", "finished_at"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False
