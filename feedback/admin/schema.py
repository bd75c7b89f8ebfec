"""A dataset's schema in its admin page: fields, questions, metadata properties, vector settings."""

from __future__ import annotations

import itertools
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.utils.html import format_html, format_html_join

from feedback import questions as question_rules
from feedback import schema
from feedback.admin._common import form_error
from feedback.errors import InvalidData, Problem
from feedback.models import Dataset, Field, MetadataProperty, Question, VectorSettings
from feedback.services import datasets as dataset_services
from workspaces import access


class SchemaItemForm(forms.ModelForm):
    """Names are fixed once saved: answers and records are keyed by them.

    `fixed_once_saved` and `fixed_once_published` name the inputs shown but no longer
    editable once the item exists, or once its dataset is published."""

    fixed_once_saved: tuple[str, ...] = ("name",)
    fixed_once_published: tuple[str, ...] = ()

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance._state.adding:
            return
        fixed = self.fixed_once_saved
        if self.fixed_once_published and self.instance.dataset.is_published:
            fixed += self.fixed_once_published
        for name in fixed:
            self.fields[name].disabled = True


class TypedItemForm(SchemaItemForm):
    """Fields, questions and metadata properties: a type and its settings (JSON)."""

    settings = forms.JSONField(required=False, widget=forms.Textarea(attrs={"rows": 3, "cols": 48}))


class OptionRowsWidget(forms.Widget):
    """A question's options as rows of (value, text) inputs, with empty rows to add more
    (a row left empty is dropped)."""

    blank_rows = 3

    def id_for_label(self, id_: str) -> str:
        return f"{id_}_value_0" if id_ else id_

    def render(self, name: str, value: Any, attrs: dict[str, Any] | None = None, renderer: Any = None) -> str:
        base_id = (attrs or {}).get("id") or f"id_{name}"
        rows = [*(value if isinstance(value, list) else []), *([{}] * self.blank_rows)]
        body = format_html_join(
            "",
            '<tr><td><input type="text" name="{0}_value_{1}" value="{2}" id="{3}_value_{1}" '
            'aria-label="Option {4}: value"></td>'
            '<td><input type="text" name="{0}_text_{1}" value="{5}" id="{3}_text_{1}" '
            'aria-label="Option {4}: text"></td></tr>',
            (
                (name, index, row.get("value", ""), base_id, index + 1, row.get("text") or "")
                for index, row in enumerate(rows)
            ),
        )
        return format_html(
            '<table class="option-rows"><thead><tr><th scope="col">Value (stored)</th>'
            '<th scope="col">Text (shown to labelers)</th></tr></thead><tbody>{}</tbody></table>',
            body,
        )

    def value_from_datadict(self, data: Any, files: Any, name: str) -> list[dict[str, str]]:
        rows, index = [], 0
        while f"{name}_value_{index}" in data or f"{name}_text_{index}" in data:
            value = (data.get(f"{name}_value_{index}") or "").strip()
            text = (data.get(f"{name}_text_{index}") or "").strip()
            if value or text:
                rows.append({"value": value, "text": text})
            index += 1
        return rows

    def value_omitted_from_data(self, data: Any, files: Any, name: str) -> bool:
        return f"{name}_value_0" not in data


class OptionRowsField(forms.Field):
    widget = OptionRowsWidget

    def has_changed(self, initial: Any, data: Any) -> bool:
        def rows(options: Any) -> list[tuple[str, str]]:
            if not isinstance(options, list):
                return []
            return [
                (str(option.get("value", "")), str(option.get("text") or option.get("value", "")))
                for option in options
                if isinstance(option, dict)
            ]

        return rows(initial) != rows(data)


# The form inputs behind each kind of typed settings input (`questions.settings_inputs`).
TYPED_INPUTS = {
    question_rules.OPTION_ROWS: ("options",),
    question_rules.SCALE: ("scale_min", "scale_max"),
    question_rules.USE_MARKDOWN: ("use_markdown",),
}
# A scale is expanded into its options before the registry checks it; a wild range is
# cut here only so that it is not built whole (the registry still refuses it).
SCALE_ITEMS_BUILT = 100


class TypedSettingsForm(TypedItemForm):
    """Fields and questions: their settings edited through inputs that match the type
    (options as rows, a rating's scale, a markdown checkbox), the JSON kept under
    "Advanced" as the fallback. The inputs only build the settings; the rules stay in the
    registry (`clean_settings`) and `feedback.schema`, which `clean` calls as before.

    The inputs count when the page showed them (the hidden `typed_settings` marker) and
    they were changed; the JSON counts when it was changed; both at once is refused."""

    settings = forms.JSONField(
        required=False,
        label="Settings (JSON)",
        widget=forms.Textarea(attrs={"rows": 3, "cols": 48}),
        help_text="Advanced: every setting as JSON. Leave the inputs above as they are when you edit this.",
    )
    typed_settings = forms.BooleanField(required=False, initial=True, widget=forms.HiddenInput)
    use_markdown = forms.BooleanField(required=False, label="Render markdown")

    # The types this form's items can have (for the page's script, `admin-settings.js`).
    item_types: tuple[str, ...] = ()

    def settings_inputs(self, item_type: str) -> tuple[str, ...]:
        raise NotImplementedError  # the field and question forms below each override it

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.typed_used = False
        by_type = {item_type: list(self.settings_inputs(item_type)) for item_type in self.item_types}
        self.fields["typed_settings"].widget.attrs["data-settings-inputs"] = json.dumps(by_type)
        if self.instance._state.adding:
            return
        stored = self.instance.settings or {}
        inputs = self.settings_inputs(self.instance.type)
        options = stored.get("options") or []
        if question_rules.OPTION_ROWS in inputs:
            self.initial["options"] = options
        if question_rules.SCALE in inputs:
            values = [option["value"] for option in options]
            self.initial["scale_min"], self.initial["scale_max"] = (
                (min(values), max(values)) if values else (None, None)
            )
        if question_rules.USE_MARKDOWN in inputs:
            self.initial["use_markdown"] = bool(stored.get("use_markdown"))
        # A saved item shows only the inputs of its type.
        for token, names in TYPED_INPUTS.items():
            if token not in inputs:
                for name in names:
                    if name in self.fields:
                        self.fields[name].widget = forms.HiddenInput()

    def typed_settings_from(self, data: dict[str, Any]) -> None:
        """Put the settings the typed inputs make into `data["settings"]`, when they count."""
        if not data.get("typed_settings") or not data.get("type"):
            return
        inputs = self.settings_inputs(data["type"])
        if not any(name in self.changed_data for token in inputs for name in TYPED_INPUTS[token]):
            return
        if "settings" in self.changed_data and not self.instance._state.adding:
            raise ValidationError(
                "Change the settings either through the inputs or as JSON under Advanced, not both at once."
            )
        self.typed_used = True
        settings = dict(data.get("settings") or {})
        if question_rules.OPTION_ROWS in inputs:
            previous = {o.get("value"): o for o in settings.get("options") or [] if isinstance(o, dict)}
            options = []
            for row in data.get("options") or []:
                option = {"value": row["value"]}
                if row["text"]:
                    option["text"] = row["text"]
                if previous.get(row["value"], {}).get("description"):
                    option["description"] = previous[row["value"]]["description"]
                options.append(option)
            settings["options"] = options
        if question_rules.SCALE in inputs:
            ends = sorted(value for value in (data.get("scale_min"), data.get("scale_max")) if value is not None)
            values = range(ends[0], ends[-1] + 1) if ends else ()
            settings["options"] = [{"value": value} for value in itertools.islice(values, SCALE_ITEMS_BUILT)]
        if question_rules.USE_MARKDOWN in inputs:
            settings["use_markdown"] = bool(data.get("use_markdown"))
        data["settings"] = settings

    def settings_error(self, error: InvalidData) -> ValidationError:
        """The registry's problems as form errors; from the typed inputs, each once (a
        scale of 42 ratings is one "must be from 0 to 10", not thirty-two)."""
        if not self.typed_used:
            return form_error(error)
        problems = {
            Problem(tuple(part for part in problem.loc if not isinstance(part, int)), problem.msg): None
            for problem in error.problems
        }
        return form_error(InvalidData(problems))


class FieldForm(TypedSettingsForm):
    fixed_once_published = ("type", "required")
    item_types = schema.FIELD_TYPES

    class Meta:
        model = Field
        fields = ["name", "title", "type", "required", "settings", "position"]

    def settings_inputs(self, item_type: str) -> tuple[str, ...]:
        return (question_rules.USE_MARKDOWN,)  # text and chat fields alike

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if "type" in data:
            try:
                self.typed_settings_from(data)
                data["settings"] = schema.clean_field_settings(data["type"], data.get("settings") or {})
            except InvalidData as error:
                raise self.settings_error(error) from None
        return data


class QuestionForm(TypedSettingsForm):
    fixed_once_published = ("type", "required")
    item_types = tuple(question_rules.KINDS)

    options = OptionRowsField(
        required=False,
        help_text="Label, multi-label, ranking and span questions: one option per row; the text is what "
        "labelers see (empty: the value). Save to get more empty rows.",
    )
    scale_min = forms.IntegerField(required=False, label="Lowest rating")
    scale_max = forms.IntegerField(
        required=False,
        label="Highest rating",
        help_text="Rating questions: every whole number from the lowest to the highest is an option.",
    )

    class Meta:
        model = Question
        fields = ["name", "title", "description", "type", "required", "settings", "position"]
        widgets = {"description": forms.Textarea(attrs={"rows": 2, "cols": 30})}

    def settings_inputs(self, item_type: str) -> tuple[str, ...]:
        return question_rules.KINDS[item_type].settings_inputs if item_type in question_rules.KINDS else ()

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if "type" not in data or self.cleaned_data.get("DELETE"):
            return data
        try:
            self.typed_settings_from(data)
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
            raise self.settings_error(error) from None
        return data


class MetadataPropertyForm(TypedItemForm):
    fixed_once_saved = ("name", "type", "settings")

    class Meta:
        model = MetadataProperty
        fields = ["name", "title", "type", "settings", "visible_for_annotators"]

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if "type" in data and self.instance._state.adding:
            try:
                data["settings"] = schema.clean_metadata_settings(data["type"], data.get("settings") or {})
            except InvalidData as error:
                raise form_error(error) from None
        return data


class VectorSettingsForm(SchemaItemForm):
    fixed_once_saved = ("name", "dimensions")

    class Meta:
        model = VectorSettings
        fields = ["name", "title", "dimensions"]


class SchemaInline(admin.StackedInline):
    """Fields and questions: added and deleted only while the dataset is a draft.

    Stacked, not tables: a table of wide settings inputs made the dataset page wider
    than the window, from a phone up to 1280 px."""

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


ADVANCED = ("Advanced", {"classes": ["collapse"], "fields": ["settings"]})


class FieldInline(SchemaInline):
    model = Field
    form = FieldForm
    extra = 1
    fieldsets = [
        (None, {"fields": [("name", "title"), ("type", "required", "position"), "use_markdown", "typed_settings"]}),
        ADVANCED,
    ]


class QuestionInline(SchemaInline):
    model = Question
    form = QuestionForm
    extra = 1
    fieldsets = [
        (
            None,
            {
                "fields": [
                    ("name", "title"),
                    ("type", "required", "position"),
                    "description",
                    "options",
                    ("scale_min", "scale_max"),
                    "use_markdown",
                    "typed_settings",
                ]
            },
        ),
        ADVANCED,
    ]


class MetadataPropertyInline(SchemaInline):
    model = MetadataProperty
    form = MetadataPropertyForm
    grows_after_publish = True


class VectorSettingsInline(SchemaInline):
    model = VectorSettings
    form = VectorSettingsForm
    grows_after_publish = True


@dataclass(frozen=True)
class SchemaWrites:
    """The services that write one kind of schema item, and what the admin passes them.

    `create` takes `dataset=` and the `create_fields`; `update` and `delete` take the
    item under the keyword `item`, and `update` the `update_fields` too. Fields and
    questions keep the `position` the admin typed (display order only)."""

    create: Callable[..., Any]
    update: Callable[..., Any]
    delete: Callable[..., Any]
    item: str
    create_fields: tuple[str, ...]
    update_fields: tuple[str, ...]
    positioned: bool = False

    def save(self, obj: Any, dataset: Dataset) -> None:
        if obj._state.adding:
            self.create(dataset=dataset, **{name: getattr(obj, name) for name in self.create_fields})
        else:
            self.update(**{self.item: obj}, **{name: getattr(obj, name) for name in self.update_fields})


SCHEMA_WRITES: dict[type[Any], SchemaWrites] = {
    Field: SchemaWrites(
        create=dataset_services.field_create,
        update=dataset_services.field_update,
        delete=dataset_services.field_delete,
        item="field",
        create_fields=("name", "title", "type", "required", "settings"),
        update_fields=("title", "type", "required", "settings"),
        positioned=True,
    ),
    Question: SchemaWrites(
        create=dataset_services.question_create,
        update=dataset_services.question_update,
        delete=dataset_services.question_delete,
        item="question",
        create_fields=("name", "title", "description", "type", "required", "settings"),
        update_fields=("title", "description", "type", "required", "settings"),
        positioned=True,
    ),
    MetadataProperty: SchemaWrites(
        create=dataset_services.metadata_property_create,
        update=dataset_services.metadata_property_update,
        delete=dataset_services.metadata_property_delete,
        item="prop",
        create_fields=("name", "title", "type", "settings", "visible_for_annotators"),
        update_fields=("title", "visible_for_annotators"),
    ),
    VectorSettings: SchemaWrites(
        create=dataset_services.vector_settings_create,
        update=dataset_services.vector_settings_update,
        delete=dataset_services.vector_settings_delete,
        item="vector_settings",
        create_fields=("name", "title", "dimensions"),
        update_fields=("title",),
    ),
}


def save_schema_formset(formset: Any, dataset: Dataset) -> None:
    """Save an inline formset of the dataset's schema through the services."""
    objects = formset.save(commit=False)
    for obj in formset.deleted_objects:
        writes = SCHEMA_WRITES[type(obj)]
        writes.delete(**{writes.item: obj})
    for obj in objects:
        SCHEMA_WRITES[type(obj)].save(obj, dataset)
    # Positions are display order only; keep what the admin typed for fields and questions.
    # (A created item is saved by its service, so `obj` itself is still "adding".)
    for obj in objects:
        if SCHEMA_WRITES[type(obj)].positioned and not obj._state.adding:
            type(obj).objects.filter(pk=obj.pk).update(position=obj.position)
