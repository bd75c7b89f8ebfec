"""Datasets in the admin."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.auth import get_user_model
from django.contrib.humanize.templatetags.humanize import naturaltime
from django.db.models import Count, Q, QuerySet
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html, format_html_join

from feedback import selectors
from feedback.admin._common import form_error
from feedback.admin.jobs import job_progress
from feedback.admin.schema import (
    FieldInline,
    MetadataPropertyInline,
    QuestionInline,
    VectorSettingsInline,
    save_schema_formset,
)
from feedback.errors import InvalidData
from feedback.models import Dataset, RecordStatus
from feedback.services import datasets as dataset_services
from feedback.services.exports import export_create
from feedback.services.gold import gold_pause_lift
from feedback.services.reviews import reviews_scan
from workspaces import access
from workspaces.admin import WorkspaceScopedAdmin
from workspaces.models import Membership, Role

# The per-annotator grants the dataset form sets: field -> (permission, grant, revoke).
GRANTS = {
    "granted_annotators": (
        access.ANNOTATE_DATASET_PERMISSION,
        access.grant_dataset_access,
        access.revoke_dataset_access,
    ),
    "reviewers": (access.REVIEW_DATASET_PERMISSION, access.grant_review, access.revoke_review),
}


class DatasetForm(forms.ModelForm):
    granted_annotators = forms.ModelMultipleChoiceField(
        queryset=get_user_model().objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="When access is restricted, only these annotators (and the workspace admins) see the dataset.",
    )
    reviewers = forms.ModelMultipleChoiceField(
        queryset=get_user_model().objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Annotators who may review disputed records and settle their final answer (admins always may).",
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
            "leaderboard_models",
            "gold_rate",
            "gold_threshold",
            "gold_min_answers",
            "gold_pause_flagged",
        ]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not self.instance._state.adding:
            annotators = Membership.objects.filter(workspace_id=self.instance.workspace_id, role=Role.ANNOTATOR)
            for name, (permission, _, _) in GRANTS.items():
                self.fields[name].queryset = get_user_model().objects.filter(pk__in=annotators.values("user_id"))
                self.fields[name].initial = [
                    user for user in self.fields[name].queryset if user.has_perm(permission, self.instance)
                ]
            # A dataset never moves to another tenant.
            self.fields["workspace"].disabled = True

    def clean_leaderboard_models(self) -> dict[str, Any]:
        value = self.cleaned_data.get("leaderboard_models") or {}
        try:
            dataset_services.check_leaderboard_models(self.instance, value)
        except InvalidData as error:
            raise form_error(error) from None
        return value


@admin.register(Dataset)
class DatasetAdmin(WorkspaceScopedAdmin):
    form = DatasetForm
    list_display = ["name", "workspace", "status", "progress", "min_submitted", "dashboard", "inserted_at"]
    list_filter = ["status"]
    search_fields = ["name"]
    readonly_fields = ["dashboard", "status", "published_at", "last_activity_at", "jobs", "gold_checks"]
    inlines = [FieldInline, QuestionInline, MetadataPropertyInline, VectorSettingsInline]
    actions = ["publish", "export_raw", "export_preference", "scan_for_review", "lift_gold_pauses"]

    class Media:
        js = ["feedloop/job-progress.js", "feedloop/admin-settings.js"]
        css = {"all": ["feedloop/admin.css"]}

    @admin.display(description="quality dashboard")
    def dashboard(self, dataset: Dataset) -> str:
        """The dataset's dashboard in the labeler-facing site (its managers see it)."""
        if dataset.pk is None:
            return "—"
        return format_html('<a href="{}">Dashboard</a>', reverse("dataset_dashboard", args=[dataset.pk]))

    @admin.display(description="imports and exports")
    def jobs(self, dataset: Dataset) -> str:
        if dataset.pk is None:
            return "—"
        jobs = selectors.recent_jobs(dataset)
        for job in jobs:
            job.dataset = dataset  # their titles name it
        rows = format_html_join(
            "",
            '<tr><td><a href="{}">{}</a></td><td>{}</td><td>{}</td></tr>',
            (
                (
                    reverse(f"admin:feedback_{job._meta.model_name}_change", args=[job.pk]),
                    str(job),
                    job_progress(job),
                    naturaltime(job.inserted_at),
                )
                for job in jobs
            ),
        )
        upload = reverse("admin:feedback_importjob_add") + f"?dataset={dataset.pk}"
        return format_html('<table>{}</table><p><a href="{}">Import a file…</a></p>', rows, upload)

    @admin.display(description="gold checks")
    def gold_checks(self, dataset: Dataset) -> str:
        """Each labeler's accuracy on the gold records (`feedback.gold`)."""
        if dataset.pk is None:
            return "—"
        report = selectors.dataset_gold_report(dataset)
        if not report.labelers:
            return f"{report.gold_records} gold records; no graded gold answers yet."
        rows = format_html_join(
            "",
            "<tr><td>{}</td><td>{} / {}</td><td>{}</td><td>{}</td></tr>",
            (
                (
                    labeler.username,
                    labeler.correct,
                    labeler.graded,
                    "—" if labeler.accuracy is None else f"{labeler.accuracy:.0%}",
                    "paused" if labeler.paused else ("flagged" if labeler.flagged else ""),
                )
                for labeler in report.labelers
            ),
        )
        return format_html(
            "<p>{} gold records</p><table><tr><th>labeler</th><th>correct / graded</th><th>accuracy</th>"
            "<th></th></tr>{}</table>",
            report.gold_records,
            rows,
        )

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        # The list's counts come with its rows: one query for the page, however many datasets.
        return (
            super()
            .get_queryset(request)
            .select_related("workspace")
            .annotate(
                records_total=Count("records"),
                records_completed=Count("records", filter=Q(records__status=RecordStatus.COMPLETED)),
            )
        )

    def get_fields(self, request: HttpRequest, obj: Dataset | None = None) -> list[str]:
        fields = list(super().get_fields(request, obj))
        # Grants name the workspace's annotators, so they are set once the dataset exists.
        return fields if obj is not None else [name for name in fields if name not in GRANTS]

    @admin.display(description="completed / records", ordering="records_completed")
    def progress(self, dataset: Any) -> str:
        done, total = dataset.records_completed, dataset.records_total
        percent = round(100 * done / total) if total else 0
        return format_html(
            '<span class="dataset-progress"><progress max="{}" value="{}" aria-label="{} of {} records completed">'
            "</progress> {} / {} ({}%)</span>",
            total or 1,
            done,
            done,
            total,
            done,
            total,
            percent,
        )

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
        for name, (_, grant, revoke) in GRANTS.items():
            if not change or name not in form.cleaned_data:
                continue
            granted = set(form.cleaned_data[name])
            for user in form.fields[name].queryset:
                (grant if user in granted else revoke)(dataset=obj, user=user)

    def save_formset(self, request: HttpRequest, form: Any, formset: Any, change: bool) -> None:
        save_schema_formset(formset, form.instance)

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

    @admin.action(description="Queue disputed records for review")
    def scan_for_review(self, request: HttpRequest, queryset: QuerySet[Dataset]) -> None:
        for dataset in queryset:
            queued = reviews_scan(dataset=dataset)
            self.message_user(request, f"{dataset.name}: {queued} disputed record(s) queued for review.")

    @admin.action(description="Lift the gold pauses of the selected datasets' labelers")
    def lift_gold_pauses(self, request: HttpRequest, queryset: QuerySet[Dataset]) -> None:
        for dataset in queryset:
            paused = [labeler.user_id for labeler in selectors.dataset_gold_report(dataset).labelers if labeler.paused]
            users = list(get_user_model().objects.filter(pk__in=paused).order_by("username"))
            for user in users:
                gold_pause_lift(dataset=dataset, user=user, lifted_by=request.user)
            names = ", ".join(user.username for user in users)
            self.message_user(
                request,
                f"{dataset.name}: lifted the pause of {names}." if users else f"{dataset.name}: nobody is paused.",
                messages.SUCCESS,
            )

    @admin.action(description="Publish the selected datasets")
    def publish(self, request: HttpRequest, queryset: QuerySet[Dataset]) -> None:
        for dataset in queryset:
            try:
                dataset_services.dataset_publish(dataset=dataset)
            except InvalidData as error:
                self.message_user(request, f"{dataset.name} was not published: {error}", messages.ERROR)
            else:
                self.message_user(request, f"{dataset.name} is published.", messages.SUCCESS)
