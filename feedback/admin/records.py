"""Records in the admin."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.html import format_html, format_html_join

from feedback import questions as question_rules
from feedback.admin import display
from feedback.admin._common import form_error
from feedback.errors import InvalidData
from feedback.models import Dataset, Question, Record, Response, Suggestion
from feedback.services.gold import clean_gold_for, record_gold_clear, record_gold_set
from feedback.services.records import records_delete
from feedback.services.reviews import review_open
from workspaces import access
from workspaces.admin import ViewOnly, WorkspaceScopedAdmin

# How much of a record's text the lists show, and of a response's record in its name.
TEXT_WIDTH, NAME_WIDTH, ANSWER_WIDTH = 80, 40, 80


class ReadOnlyInline(admin.StackedInline):
    """Stacked: a table of answers was wider than a phone; the response list is the table."""

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
    fields = ["question", "suggested", "score", "agent", "type", "updated_at"]
    readonly_fields = fields

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        return super().get_queryset(request).select_related("question")

    @admin.display(description="value")
    def suggested(self, suggestion: Suggestion) -> str:
        return question_rules.kind_of(suggestion.question.type).display(suggestion.question, suggestion.value)


class ResponseInline(ReadOnlyInline):
    model = Response
    fields = ["user", "status", "answers", "time_spent", "submitted_at", "updated_at"]
    readonly_fields = fields

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        return super().get_queryset(request).select_related("user", "record")

    @admin.display(description="answers")
    def answers(self, response: Response) -> str:
        # Inline instances live for one request: the record's questions are read once.
        if not hasattr(self, "_questions"):
            self._questions = list(Question.objects.filter(dataset_id=response.record.dataset_id))
        return display.answers(response.values, self._questions)

    @admin.display(description="time spent")
    def time_spent(self, response: Response) -> str:
        return display.duration(response.time_spent_seconds)


class DatasetListFilter(admin.SimpleListFilter):
    """Datasets to filter by: only those of the workspaces the user administers."""

    title = "dataset"
    parameter_name = "dataset"
    lookup = "dataset_id"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        datasets = access.managed_datasets(request.user, Dataset.objects.select_related("workspace"))
        return [(str(dataset.pk), f"{dataset.workspace} / {dataset.name}") for dataset in datasets]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        value = self.value()
        if not value:
            return queryset
        allowed = {key for key, _ in self.lookup_choices}
        return queryset.filter(**{self.lookup: value}) if value in allowed else queryset.none()


class GoldListFilter(admin.SimpleListFilter):
    title = "gold"
    parameter_name = "gold"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [("yes", "Gold"), ("no", "Not gold")]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        if self.value() in ("yes", "no"):
            return queryset.filter(gold__isnull=self.value() == "no")
        return queryset


class EmptyWhenNullJSONField(forms.JSONField):
    """A JSON input that shows nothing, not "null", when there is no value."""

    def prepare_value(self, value: Any) -> Any:
        return "" if value is None else super().prepare_value(value)


class RecordGoldForm(forms.ModelForm):
    """Only a record's expected answers are edited here, checked as the API checks them."""

    gold = EmptyWhenNullJSONField(
        required=False,
        label="Gold: expected answers",
        help_text='Make this a gold record: {"question name": {"value": ...}}, as a response. Empty: not gold.',
    )

    class Meta:
        model = Record
        fields = ["gold"]

    def clean_gold(self) -> Any:
        value = self.cleaned_data.get("gold")
        if value in (None, "", {}):
            return None
        try:
            return clean_gold_for(self.instance.dataset, value, record_fields=self.instance.fields)
        except InvalidData as error:
            raise form_error(error) from None


@admin.register(Record)
class RecordAdmin(WorkspaceScopedAdmin):
    """Records are read here (they are written through the API and imports); only their
    gold expected answers are edited."""

    form = RecordGoldForm
    workspace_path = "dataset__workspace"
    list_display = ["__str__", "text", "dataset", "status", "submitted_count", "is_gold", "inserted_at"]
    list_filter = ["status", GoldListFilter, DatasetListFilter]
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
        "gold",
    ]
    readonly_fields = [name for name in fields if name != "gold"]
    inlines = [SuggestionInline, ResponseInline]
    actions = ["send_to_review"]

    class Media:
        css = {"all": ["feedloop/admin.css"]}

    @admin.action(description="Send the selected records to review")
    def send_to_review(self, request: HttpRequest, queryset: QuerySet[Record]) -> None:
        sent = refused = 0
        for record in queryset.select_related("dataset"):
            if access.can_send_to_review(request.user, record.dataset):
                review_open(record=record, sent_by=request.user)
                sent += 1
            else:
                refused += 1
        self.message_user(request, f"{sent} record(s) are in the review queue.", messages.SUCCESS)
        if refused:
            self.message_user(request, f"{refused} record(s) of datasets you do not manage were left.", messages.ERROR)

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        # The text column reads each dataset's field order: one query for the page.
        return super().get_queryset(request).prefetch_related("dataset__fields")

    @admin.display(description="text")
    def text(self, record: Record) -> str:
        fields = [field.name for field in record.dataset.fields.all()]
        return display.excerpt(display.record_text(record.fields, fields), TEXT_WIDTH)

    @admin.display(description="gold", boolean=True)
    def is_gold(self, record: Record) -> bool:
        return record.gold is not None

    @admin.display(description="fields")
    def shown_fields(self, record: Record) -> str:
        """The record's fields in the dataset's order, by their titles (then any others)."""
        declared = list(record.dataset.fields.all())
        names = [field.name for field in declared]
        shown = [
            (field.title or field.name, record.fields[field.name]) for field in declared if field.name in record.fields
        ]
        shown += [(name, value) for name, value in record.fields.items() if name not in names]
        return format_html(
            '<dl class="record-fields">{}</dl>',
            format_html_join("", "<dt>{}</dt><dd>{}</dd>", ((title, display.field_text(v)) for title, v in shown)),
        )

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def save_model(self, request: HttpRequest, obj: Record, form: Any, change: bool) -> None:
        if form.cleaned_data.get("gold") is None:
            record_gold_clear(record=obj)
        else:
            record_gold_set(record=obj, values=form.cleaned_data["gold"])

    def delete_model(self, request: HttpRequest, obj: Record) -> None:
        records_delete(dataset=obj.dataset, record_ids=[obj.pk])

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Record]) -> None:
        by_dataset: dict[Any, list[Any]] = {}
        for record in queryset.select_related("dataset"):
            by_dataset.setdefault(record.dataset, []).append(record.pk)
        for dataset, ids in by_dataset.items():
            records_delete(dataset=dataset, record_ids=ids)


class ResponseDatasetFilter(DatasetListFilter):
    lookup = "record__dataset_id"


@admin.register(Response)
class ResponseAdmin(ViewOnly, WorkspaceScopedAdmin):
    """Every labeler's answers, read here in words (they are written on the labeler pages
    and through the API, never in the admin)."""

    workspace_path = "record__dataset__workspace"
    list_display = ["title", "dataset", "status", "answers", "time_spent", "submitted_at"]
    list_filter = ["status", ResponseDatasetFilter]
    search_fields = ["user__username", "record__external_id"]
    show_full_result_count = False

    class Media:
        css = {"all": ["feedloop/admin.css"]}

    fields = ["user", "record", "dataset", "status", "all_answers", "time_spent", "submitted_at", "updated_at"]
    readonly_fields = fields

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        return (
            super()
            .get_queryset(request)
            .select_related("user", "record__dataset")
            .prefetch_related("record__dataset__fields", "record__dataset__questions")
        )

    @admin.display(description="response", ordering="inserted_at")
    def title(self, response: Response) -> str:
        """The labeler and the record's text: "ana on 'Explain recursion…'"."""
        fields = [field.name for field in response.record.dataset.fields.all()]
        text = display.excerpt(display.record_text(response.record.fields, fields), NAME_WIDTH)
        return f"{response.user} on '{text}'"

    @admin.display(description="dataset", ordering="record__dataset__name")
    def dataset(self, response: Response) -> str:
        return response.record.dataset.name

    @admin.display(description="answers")
    def answers(self, response: Response) -> str:
        return display.answers(response.values, response.record.dataset.questions.all(), width=ANSWER_WIDTH)

    @admin.display(description="answers")
    def all_answers(self, response: Response) -> str:
        return display.answers(response.values, response.record.dataset.questions.all())

    @admin.display(description="time spent", ordering="time_spent_seconds")
    def time_spent(self, response: Response) -> str:
        return display.duration(response.time_spent_seconds)
