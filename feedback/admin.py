"""Datasets, their schema and their records in the Django admin.

The admin is an adapter: forms validate with the same rules as the services
(`questions.py`, `schema.py`, `check_question_change`), and saving calls the services,
so the admin can do nothing the API could not.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.auth import get_user_model
from django.contrib.humanize.templatetags.humanize import naturaltime
from django.core.exceptions import ValidationError
from django.db.models import Count, QuerySet
from django.http import HttpRequest
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.html import format_html, format_html_join

from feedback import questions as question_rules
from feedback import schema, selectors
from feedback.errors import Conflict, InvalidData
from feedback.exports.layouts import LAYOUTS
from feedback.models import (
    WEBHOOK_EVENTS,
    Dataset,
    DatasetStatus,
    DeliveryStatus,
    ExportJob,
    Field,
    ImportJob,
    JobStatus,
    MetadataProperty,
    Question,
    Record,
    Response,
    Suggestion,
    VectorSettings,
    Webhook,
)
from feedback.services import datasets as dataset_services
from feedback.services import webhooks as webhook_services
from feedback.services.exports import FORMATS as EXPORT_FORMATS
from feedback.services.exports import export_create
from feedback.services.imports import FileTooLarge, import_create
from feedback.services.records import records_delete
from workspaces import access
from workspaces.admin import WorkspaceScopedAdmin
from workspaces.models import Membership, Role


def job_progress(job: ImportJob | ExportJob) -> str:
    """A job's progress bar, kept live by job-progress.js while the job runs."""
    return render_to_string("feedback/_job.html", {"job": job, "job_url": selectors.job_url(job)})


def _form_error(error: InvalidData | Conflict) -> ValidationError:
    if isinstance(error, Conflict):
        return ValidationError(str(error))
    return ValidationError([str(problem) for problem in error.problems])


class DatasetForm(forms.ModelForm):
    granted_annotators = forms.ModelMultipleChoiceField(
        queryset=get_user_model().objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="When access is restricted, only these annotators (and the workspace admins) see the dataset.",
    )

    class Meta:
        model = Dataset
        fields = [
            "workspace",
            "name",
            "guidelines",
            "min_submitted",
            "lease_seconds",
            "allow_extra_metadata",
            "allow_labeler_records",
            "shuffle_ranking_options",
            "annotators_restricted",
        ]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not self.instance._state.adding:
            annotators = Membership.objects.filter(workspace_id=self.instance.workspace_id, role=Role.ANNOTATOR)
            self.fields["granted_annotators"].queryset = get_user_model().objects.filter(
                pk__in=annotators.values("user_id")
            )
            self.fields["granted_annotators"].initial = [
                user
                for user in self.fields["granted_annotators"].queryset
                if user.has_perm(access.ANNOTATE_DATASET_PERMISSION, self.instance)
            ]
            # A dataset never moves to another tenant.
            self.fields["workspace"].disabled = True


class SchemaItemForm(forms.ModelForm):
    """Names are fixed once saved: answers and records are keyed by them."""

    settings = forms.JSONField(required=False, widget=forms.Textarea(attrs={"rows": 3, "cols": 48}))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not self.instance._state.adding:
            self.fields["name"].disabled = True


class FieldForm(SchemaItemForm):
    class Meta:
        model = Field
        fields = ["name", "title", "type", "required", "settings", "position"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not self.instance._state.adding and self.instance.dataset.is_published:
            self.fields["type"].disabled = True
            self.fields["required"].disabled = True

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if "type" in data:
            try:
                data["settings"] = schema.clean_field_settings(data["type"], data.get("settings") or {})
            except InvalidData as error:
                raise _form_error(error) from None
        return data


class QuestionForm(SchemaItemForm):
    class Meta:
        model = Question
        fields = ["name", "title", "description", "type", "required", "settings", "position"]
        widgets = {"description": forms.Textarea(attrs={"rows": 2, "cols": 30})}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not self.instance._state.adding and self.instance.dataset.is_published:
            self.fields["type"].disabled = True
            self.fields["required"].disabled = True

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if "type" not in data or self.cleaned_data.get("DELETE"):
            return data
        try:
            if not self.instance._state.adding:
                stored = Question.objects.select_related("dataset").get(pk=self.instance.pk)
                data["settings"] = dataset_services.check_question_change(
                    stored,
                    type=data["type"],
                    required=data.get("required", stored.required),
                    settings=data.get("settings") or {},
                )
            else:
                data["settings"] = question_rules.clean_settings(data["type"], data.get("settings") or {})
        except InvalidData as error:
            raise _form_error(error) from None
        return data


class MetadataPropertyForm(SchemaItemForm):
    class Meta:
        model = MetadataProperty
        fields = ["name", "title", "type", "settings", "visible_for_annotators"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not self.instance._state.adding:
            self.fields["type"].disabled = True
            self.fields["settings"].disabled = True

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if "type" in data and self.instance._state.adding:
            try:
                data["settings"] = schema.clean_metadata_settings(data["type"], data.get("settings") or {})
            except InvalidData as error:
                raise _form_error(error) from None
        return data


class VectorSettingsForm(forms.ModelForm):
    class Meta:
        model = VectorSettings
        fields = ["name", "title", "dimensions"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not self.instance._state.adding:
            self.fields["name"].disabled = True
            self.fields["dimensions"].disabled = True


class SchemaInline(admin.TabularInline):
    """Fields and questions: added and deleted only while the dataset is a draft."""

    extra = 0
    grows_after_publish = False

    def _editable(self, request: HttpRequest, obj: Dataset | None) -> bool:
        return obj is None or access.can_manage_dataset(request.user, obj)

    def has_view_permission(self, request: HttpRequest, obj: Any | None = None) -> bool:
        return obj is None or access.can_see_dataset(request.user, obj)

    def has_change_permission(self, request: HttpRequest, obj: Any | None = None) -> bool:
        return self._editable(request, obj)

    def has_add_permission(self, request: HttpRequest, obj: Any | None = None) -> bool:
        published = obj is not None and obj.is_published
        return self._editable(request, obj) and (self.grows_after_publish or not published)

    def has_delete_permission(self, request: HttpRequest, obj: Any | None = None) -> bool:
        published = obj is not None and obj.is_published
        return self._editable(request, obj) and (self.grows_after_publish or not published)


class FieldInline(SchemaInline):
    model = Field
    form = FieldForm
    extra = 1


class QuestionInline(SchemaInline):
    model = Question
    form = QuestionForm
    extra = 1


class MetadataPropertyInline(SchemaInline):
    model = MetadataProperty
    form = MetadataPropertyForm
    grows_after_publish = True


class VectorSettingsInline(SchemaInline):
    model = VectorSettings
    form = VectorSettingsForm
    grows_after_publish = True


def _save_schema_formset(formset: Any, dataset: Dataset) -> None:
    """Save an inline formset of the dataset's schema through the services."""
    objects = formset.save(commit=False)
    for obj in formset.deleted_objects:
        {
            Field: lambda o: dataset_services.field_delete(field=o),
            Question: lambda o: dataset_services.question_delete(question=o),
            MetadataProperty: lambda o: dataset_services.metadata_property_delete(prop=o),
            VectorSettings: lambda o: dataset_services.vector_settings_delete(vector_settings=o),
        }[type(obj)](obj)
    for obj in objects:
        adding = obj._state.adding
        if isinstance(obj, Field):
            if adding:
                dataset_services.field_create(
                    dataset=dataset,
                    name=obj.name,
                    title=obj.title,
                    type=obj.type,
                    required=obj.required,
                    settings=obj.settings,
                )
            else:
                dataset_services.field_update(
                    field=obj, title=obj.title, type=obj.type, required=obj.required, settings=obj.settings
                )
        elif isinstance(obj, Question):
            if adding:
                dataset_services.question_create(
                    dataset=dataset,
                    name=obj.name,
                    type=obj.type,
                    settings=obj.settings,
                    title=obj.title,
                    description=obj.description,
                    required=obj.required,
                )
            else:
                dataset_services.question_update(
                    question=obj,
                    title=obj.title,
                    description=obj.description,
                    type=obj.type,
                    required=obj.required,
                    settings=obj.settings,
                )
        elif isinstance(obj, MetadataProperty):
            if adding:
                dataset_services.metadata_property_create(
                    dataset=dataset,
                    name=obj.name,
                    type=obj.type,
                    settings=obj.settings,
                    title=obj.title,
                    visible_for_annotators=obj.visible_for_annotators,
                )
            else:
                dataset_services.metadata_property_update(
                    prop=obj, title=obj.title, visible_for_annotators=obj.visible_for_annotators
                )
        elif isinstance(obj, VectorSettings):
            if adding:
                dataset_services.vector_settings_create(
                    dataset=dataset, name=obj.name, dimensions=obj.dimensions, title=obj.title
                )
            else:
                dataset_services.vector_settings_update(vector_settings=obj, title=obj.title)
    # Positions are display order only; keep what the admin typed for fields and questions.
    for obj in objects:
        if isinstance(obj, (Field, Question)) and not obj._state.adding:
            type(obj).objects.filter(pk=obj.pk).update(position=obj.position)


@admin.register(Dataset)
class DatasetAdmin(WorkspaceScopedAdmin):
    form = DatasetForm
    list_display = ["name", "workspace", "status", "min_submitted", "record_count", "inserted_at"]
    list_filter = ["status"]
    search_fields = ["name"]
    readonly_fields = ["status", "published_at", "last_activity_at", "jobs"]
    inlines = [FieldInline, QuestionInline, MetadataPropertyInline, VectorSettingsInline]
    actions = ["publish", "export_raw", "export_preference"]

    class Media:
        js = ["feedloop/job-progress.js"]

    @admin.display(description="imports and exports")
    def jobs(self, dataset: Dataset) -> str:
        if dataset.pk is None:
            return "—"
        rows = format_html_join(
            "",
            '<tr><td><a href="{}">{}</a></td><td>{}</td><td>{}</td></tr>',
            (
                (
                    reverse(f"admin:feedback_{job._meta.model_name}_change", args=[job.pk]),
                    f"import of {job.source_name}" if isinstance(job, ImportJob) else f"{job.layout} export",
                    job_progress(job),
                    naturaltime(job.inserted_at),
                )
                for job in selectors.recent_jobs(dataset)
            ),
        )
        upload = reverse("admin:feedback_importjob_add") + f"?dataset={dataset.pk}"
        return format_html('<table>{}</table><p><a href="{}">Import a file…</a></p>', rows, upload)

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        return super().get_queryset(request).select_related("workspace").annotate(records_total=Count("records"))

    def get_fields(self, request: HttpRequest, obj: Dataset | None = None) -> list[str]:
        fields = list(super().get_fields(request, obj))
        # Grants name the workspace's annotators, so they are set once the dataset exists.
        return fields if obj is not None else [name for name in fields if name != "granted_annotators"]

    @admin.display(description="records", ordering="records_total")
    def record_count(self, dataset: Any) -> int:
        return dataset.records_total

    def save_model(self, request: HttpRequest, obj: Dataset, form: Any, change: bool) -> None:
        options = {key: form.cleaned_data[key] for key in dataset_services.DATASET_EDITABLE if key in form.cleaned_data}
        if change:
            dataset_services.dataset_update(dataset=obj, **options)
        else:
            name = options.pop("name")
            created = dataset_services.dataset_create(workspace=form.cleaned_data["workspace"], name=name, **options)
            obj.pk = created.pk
            obj._state.adding = False
        obj.refresh_from_db()
        if change and "granted_annotators" in form.cleaned_data:
            granted = set(form.cleaned_data["granted_annotators"])
            for user in form.fields["granted_annotators"].queryset:
                if user in granted:
                    access.grant_dataset_access(dataset=obj, user=user)
                else:
                    access.revoke_dataset_access(dataset=obj, user=user)

    def save_formset(self, request: HttpRequest, form: Any, formset: Any, change: bool) -> None:
        _save_schema_formset(formset, form.instance)

    def delete_model(self, request: HttpRequest, obj: Dataset) -> None:
        dataset_services.dataset_delete(dataset=obj)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Dataset]) -> None:
        for dataset in queryset:
            dataset_services.dataset_delete(dataset=dataset)

    def _export(self, request: HttpRequest, queryset: QuerySet[Dataset], layout: str) -> None:
        for dataset in queryset:
            try:
                job = export_create(dataset=dataset, user=request.user, layout=layout)
            except InvalidData as error:
                self.message_user(request, f"{dataset.name}: no export ({error})", messages.ERROR)
            else:
                self.message_user(request, f"{dataset.name}: {layout} export {job.pk} started.", messages.SUCCESS)

    @admin.action(description="Export everything (raw JSONL)")
    def export_raw(self, request: HttpRequest, queryset: QuerySet[Dataset]) -> None:
        self._export(request, queryset, "raw")

    @admin.action(description="Export preference pairs (JSONL)")
    def export_preference(self, request: HttpRequest, queryset: QuerySet[Dataset]) -> None:
        self._export(request, queryset, "preference")

    @admin.action(description="Publish the selected datasets")
    def publish(self, request: HttpRequest, queryset: QuerySet[Dataset]) -> None:
        for dataset in queryset:
            try:
                dataset_services.dataset_publish(dataset=dataset)
            except InvalidData as error:
                self.message_user(request, f"{dataset.name} was not published: {error}", messages.ERROR)
            else:
                self.message_user(request, f"{dataset.name} is published.", messages.SUCCESS)


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any | None = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any | None = None) -> bool:
        return False

    def has_view_permission(self, request: HttpRequest, obj: Any | None = None) -> bool:
        return obj is None or access.can_see_all_responses(request.user, obj.dataset)


class SuggestionInline(ReadOnlyInline):
    model = Suggestion
    fields = ["question", "value", "score", "agent", "type", "updated_at"]
    readonly_fields = fields

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        return super().get_queryset(request).select_related("question")


class ResponseInline(ReadOnlyInline):
    model = Response
    fields = ["user", "status", "values", "time_spent_seconds", "submitted_at", "updated_at"]
    readonly_fields = fields

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        return super().get_queryset(request).select_related("user")


class DatasetListFilter(admin.SimpleListFilter):
    """Datasets to filter by: only those of the workspaces the user administers."""

    title = "dataset"
    parameter_name = "dataset"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        datasets = access.managed_datasets(request.user, Dataset.objects.select_related("workspace"))
        return [(str(dataset.pk), f"{dataset.workspace} / {dataset.name}") for dataset in datasets]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        value = self.value()
        if not value:
            return queryset
        allowed = {key for key, _ in self.lookup_choices}
        return queryset.filter(dataset_id=value) if value in allowed else queryset.none()


@admin.register(Record)
class RecordAdmin(WorkspaceScopedAdmin):
    """Records are read here; they are written through the API and imports."""

    workspace_path = "dataset__workspace"
    list_display = ["__str__", "dataset", "status", "submitted_count", "inserted_at"]
    list_filter = ["status", DatasetListFilter]
    list_select_related = ["dataset"]
    search_fields = ["external_id", "fields"]
    show_full_result_count = False
    fields = [
        "dataset",
        "external_id",
        "status",
        "submitted_count",
        "shown_fields",
        "metadata",
        "created_by",
        "inserted_at",
        "updated_at",
    ]
    readonly_fields = fields
    inlines = [SuggestionInline, ResponseInline]

    @admin.display(description="fields")
    def shown_fields(self, record: Record) -> str:
        return format_html(
            "<dl>{}</dl>",
            format_html_join("", "<dt>{}</dt><dd style='white-space:pre-wrap'>{}</dd>", record.fields.items()),
        )

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any | None = None) -> bool:
        return False

    def delete_model(self, request: HttpRequest, obj: Record) -> None:
        records_delete(dataset=obj.dataset, record_ids=[obj.pk])

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Record]) -> None:
        by_dataset: dict[Any, list[Any]] = {}
        for record in queryset.select_related("dataset"):
            by_dataset.setdefault(record.dataset, []).append(record.pk)
        for dataset, ids in by_dataset.items():
            records_delete(dataset=dataset, record_ids=ids)


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
                raise _form_error(error) from None
        return data

    def start(self, data: dict[str, Any]) -> ImportJob | ExportJob:
        raise NotImplementedError


class JobAdmin(WorkspaceScopedAdmin):
    """Jobs are started from their "add" page (`request_form`) and only viewed after."""

    request_form: type[JobRequestForm]
    readonly_fields: list[str]

    class Media:
        js = ["feedloop/job-progress.js"]

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

    @admin.display(description="progress")
    def progress_bar(self, job: ImportJob | ExportJob) -> str:
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
    list_display = ["dataset", "layout", "format", "status", "progress_bar", "rows", "created_by", "inserted_at"]
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

    list_display = ["source_name", "dataset", "status", "progress_bar", "stored", "error_count", "inserted_at"]
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


class WebhookForm(forms.ModelForm):
    url = forms.URLField(max_length=2000, assume_scheme="https")
    events = forms.MultipleChoiceField(
        choices=[(event, event) for event in WEBHOOK_EVENTS], widget=forms.CheckboxSelectMultiple
    )

    class Meta:
        model = Webhook
        fields = ["url", "events", "enabled", "description"]

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        problems = webhook_services.webhook_problems(
            url=data.get("url"), events=data.get("events"), description=data.get("description")
        )
        if problems:
            raise _form_error(InvalidData(problems))
        return data


@admin.register(Webhook)
class WebhookAdmin(admin.ModelAdmin):
    """Organisation-wide subscriptions (events from every workspace): owners only."""

    form = WebhookForm
    list_display = ["url", "event_list", "enabled", "last_delivery"]
    readonly_fields = ["secret", "deliveries"]
    actions = ["ping"]

    def has_module_permission(self, request: HttpRequest) -> bool:
        return access.is_owner(request.user)

    def has_view_permission(self, request: HttpRequest, obj: Any | None = None) -> bool:
        return access.is_owner(request.user)

    has_add_permission = has_change_permission = has_delete_permission = has_view_permission  # type: ignore[assignment]

    @admin.display(description="events")
    def event_list(self, webhook: Webhook) -> str:
        return ", ".join(webhook.events)

    @admin.display(description="last delivery")
    def last_delivery(self, webhook: Webhook) -> str:
        latest = selectors.recent_deliveries(webhook, limit=1)
        return f"{latest[0].event}: {latest[0].status}" if latest else "none yet"

    @admin.display(description="recent deliveries")
    def deliveries(self, webhook: Webhook) -> str:
        rows = selectors.recent_deliveries(webhook) if webhook.pk else []
        if not rows:
            return "None yet."
        return format_html(
            "<table><tr><th>when</th><th>event</th><th>status</th><th>attempts</th><th>answer</th>"
            "<th>error</th></tr>{}</table>",
            format_html_join(
                "",
                "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                (
                    (naturaltime(d.inserted_at), d.event, d.status, d.attempts, d.response_status or "—", d.error)
                    for d in rows
                ),
            ),
        )

    def save_model(self, request: HttpRequest, obj: Webhook, form: Any, change: bool) -> None:
        data = form.cleaned_data
        if change:
            webhook_services.webhook_update(
                webhook=obj,
                url=data["url"],
                events=data["events"],
                enabled=data["enabled"],
                description=data["description"],
            )
        else:
            created = webhook_services.webhook_create(
                url=data["url"], events=data["events"], description=data["description"], enabled=data["enabled"]
            )
            obj.pk = created.pk

    def delete_model(self, request: HttpRequest, obj: Webhook) -> None:
        webhook_services.webhook_delete(webhook=obj)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Webhook]) -> None:
        for webhook in queryset:
            webhook_services.webhook_delete(webhook=webhook)

    @admin.action(description="Send a ping to the selected webhooks")
    def ping(self, request: HttpRequest, queryset: QuerySet[Webhook]) -> None:
        for webhook in queryset:
            delivery = webhook_services.webhook_ping(webhook=webhook)
            if delivery.status == DeliveryStatus.DELIVERED:
                self.message_user(request, f"{webhook.url} took the ping.", messages.SUCCESS)
            else:
                self.message_user(request, f"{webhook.url} did not take the ping: {delivery.error}", messages.ERROR)
