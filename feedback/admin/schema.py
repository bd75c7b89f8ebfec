"""A dataset's schema in its admin page: fields, questions, metadata properties, vector settings."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django import forms
from django.contrib import admin
from django.http import HttpRequest

from feedback import questions as question_rules
from feedback import schema
from feedback.admin._common import form_error
from feedback.errors import InvalidData
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


class FieldForm(TypedItemForm):
    fixed_once_published = ("type", "required")

    class Meta:
        model = Field
        fields = ["name", "title", "type", "required", "settings", "position"]

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if "type" in data:
            try:
                data["settings"] = schema.clean_field_settings(data["type"], data.get("settings") or {})
            except InvalidData as error:
                raise form_error(error) from None
        return data


class QuestionForm(TypedItemForm):
    fixed_once_published = ("type", "required")

    class Meta:
        model = Question
        fields = ["name", "title", "description", "type", "required", "settings", "position"]
        widgets = {"description": forms.Textarea(attrs={"rows": 2, "cols": 30})}

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
            raise form_error(error) from None
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
