"""One lookup per aggregate for the API, scoped to what the caller may see.

Every query starts from the caller's visible workspaces (narrowed further by a
workspace-limited API key) and reads the caller's role there along (`_one_visible`).
Objects outside are "not found" (404); objects the caller sees but may not change answer
403 (a member lacking the role).
"""

from __future__ import annotations

from typing import Any, TypeVar
from uuid import UUID

from django.db import connections
from django.db.models import Model, QuerySet
from django.http import Http404
from rest_framework.exceptions import PermissionDenied
from rest_framework.request import Request

from accounts.models import ApiKey
from config.db import Columns
from feedback.errors import InvalidData
from feedback.models import (
    Dataset,
    ExportJob,
    Field,
    ImportJob,
    MetadataProperty,
    Question,
    Record,
    Response,
    Suggestion,
    VectorSettings,
)
from workspaces import access
from workspaces.models import Workspace

JobT = TypeVar("JobT", ImportJob, ExportJob)


def parse_uuid(value: Any, name: str = "id") -> UUID:
    try:
        return value if isinstance(value, UUID) else UUID(str(value))
    except (TypeError, ValueError):
        raise InvalidData.at((name,), f"{value!r} is not a valid UUID") from None


def key_workspace_id(request: Request) -> UUID | None:
    key = request.auth
    return key.workspace_id if isinstance(key, ApiKey) else None


def workspaces_for(request: Request) -> QuerySet[Workspace]:
    workspaces = access.visible_workspaces(request.user)
    limit = key_workspace_id(request)
    return workspaces.filter(pk=limit) if limit else workspaces


def datasets_for(request: Request) -> QuerySet[Dataset]:
    datasets = access.visible_datasets(request.user, Dataset.objects.all())
    limit = key_workspace_id(request)
    return datasets.filter(workspace_id=limit) if limit else datasets


def get_workspace(request: Request, workspace_id: Any) -> Workspace:
    workspace = workspaces_for(request).filter(pk=parse_uuid(workspace_id, "workspace_id")).first()
    if workspace is None:
        raise Http404
    return workspace


def get_managed_workspace(request: Request, workspace_id: Any) -> Workspace:
    workspace = get_workspace(request, workspace_id)
    if not access.can_manage_workspace(request.user, workspace):
        raise PermissionDenied("Only the workspace's admins may do this.")
    return workspace


# Only the models' own table and column names go into the text; values are parameters.
_VISIBLE = (
    "SELECT {select}, caller.role FROM {table} t0 {joins} {{join}} WHERE t0.id = %s AND {{condition}} {{key}} LIMIT 1"
)


class _Visible:
    """The statement behind `_one_visible` for one model and path to its dataset, written
    once: `model`'s row by id with each object on the path joined (`Columns`), and the
    caller's role in the dataset's workspace. It runs on every request that names an
    object, the labeling loop's included, so it is SQL rather than an ORM query built per
    request (which cost more CPU than the rest of the lookup)."""

    def __init__(self, model: type[Model], path: tuple[str, ...]) -> None:
        self.columns = [Columns(model, "t0")]
        self.path = path
        joins, current = [], model
        for n, name in enumerate(path, start=1):
            link = current._meta.get_field(name)
            current = link.related_model
            joined = f"t{n}.{current._meta.pk.column} = t{n - 1}.{link.column}"
            joins.append(f"JOIN {current._meta.db_table} t{n} ON {joined}")
            self.columns.append(Columns(current, f"t{n}"))
        self.workspace_column = f"t{len(path)}.workspace_id"
        self.sql = _VISIBLE.format(
            select=", ".join(c.select for c in self.columns), table=model._meta.db_table, joins=" ".join(joins)
        )
        self.pk = model._meta.pk

    def first(self, request: Request, object_id: UUID) -> Any:
        visible = access.visible_workspace_sql(request.user, self.workspace_column)
        if visible is None:
            return None
        join, condition, params = visible
        connection = connections[self.columns[0].model.objects.db]
        params = [*params, self.pk.get_db_prep_value(object_id, connection)]
        key = ""
        if limit := key_workspace_id(request):
            key = f"AND {self.workspace_column} = %s"
            params.append(Workspace._meta.pk.get_db_prep_value(limit, connection))
        with connection.cursor() as cursor:
            cursor.execute(self.sql.format(join=join, condition=condition, key=key), params)
            row = cursor.fetchone()
        if row is None:
            return None
        objects, start = [], 0
        for columns in self.columns:
            objects.append(columns.read(connection, row, start))
            start += len(columns)
        for child, name, parent in zip(objects[:-1], self.path, objects[1:], strict=True):
            setattr(child, name, parent)
        return objects[0], objects[-1], row[-1]


_statements: dict[tuple[type[Model], tuple[str, ...]], _Visible] = {}


def _one_visible(request: Request, model: type[Model], object_id: UUID, *path: str) -> Any:
    """The `model` object with `object_id` if the caller may see its dataset (at `path`,
    or the object itself), else None. One query: the row in the caller's workspaces
    (narrowed to the key's) with the objects on the path and the caller's role there,
    which the request's later checks reuse (`access.role_remembered`); the finer rule is
    `access.can_see_dataset`'s, on the row read (no django-guardian query unless the
    dataset is restricted)."""
    statement = _statements.get((model, path))
    if statement is None:
        statement = _statements[(model, path)] = _Visible(model, path)
    found = statement.first(request, object_id)
    if found is None:
        return None
    obj, dataset, role = found
    access.role_remembered(request.user, dataset.workspace_id, role)
    return obj if access.can_see_dataset(request.user, dataset) else None


def get_dataset(request: Request, dataset_id: Any, *, manage: bool = False) -> Dataset:
    dataset = _one_visible(request, Dataset, parse_uuid(dataset_id, "dataset_id"))
    if dataset is None:
        raise Http404
    if manage:
        require_manager(request, dataset)
    return dataset


def require_manager(request: Request, dataset: Dataset) -> None:
    if not access.can_manage_dataset(request.user, dataset):
        raise PermissionDenied("Only the workspace's admins may do this.")


def _dataset_child(request: Request, model: Any, object_id: Any, *, manage: bool) -> Any:
    obj = _one_visible(request, model, parse_uuid(object_id), "dataset")
    if obj is None:
        raise Http404
    if manage:
        require_manager(request, obj.dataset)
    return obj


def get_field(request: Request, field_id: Any, *, manage: bool = False) -> Field:
    return _dataset_child(request, Field, field_id, manage=manage)


def get_question(request: Request, question_id: Any, *, manage: bool = False) -> Question:
    return _dataset_child(request, Question, question_id, manage=manage)


def get_metadata_property(request: Request, prop_id: Any, *, manage: bool = False) -> MetadataProperty:
    return _dataset_child(request, MetadataProperty, prop_id, manage=manage)


def get_vector_settings(request: Request, settings_id: Any, *, manage: bool = False) -> VectorSettings:
    return _dataset_child(request, VectorSettings, settings_id, manage=manage)


def get_record(request: Request, record_id: Any, *, manage: bool = False) -> Record:
    return _dataset_child(request, Record, record_id, manage=manage)


def _record_child(request: Request, model: Any, object_id: Any) -> Any:
    """A response or suggestion of a record in a dataset the caller sees, else 404."""
    obj = _one_visible(request, model, parse_uuid(object_id), "record", "dataset")
    if obj is None:
        raise Http404
    return obj


def get_suggestion(request: Request, suggestion_id: Any, *, manage: bool = False) -> Suggestion:
    suggestion = _record_child(request, Suggestion, suggestion_id)
    if manage:
        require_manager(request, suggestion.record.dataset)
    return suggestion


def get_response(request: Request, response_id: Any) -> Response:
    """A response the caller may change: their own, or any in a dataset they manage."""
    response = _record_child(request, Response, response_id)
    if response.user_id != request.user.pk and not access.can_see_all_responses(request.user, response.record.dataset):
        raise Http404
    return response


def get_managed_job(request: Request, model: type[JobT], job_id: Any, name: str) -> JobT:
    """An import, export or metrics job of a dataset the caller manages; anything else is not found."""
    managed = access.managed_datasets(request.user, datasets_for(request))
    job = model.objects.filter(pk=parse_uuid(job_id, name), dataset__in=managed).first()
    if job is None:
        raise Http404
    return job
