"""Helpers shared by the services: model-field validation, unique-name conflicts, queueing tasks."""

from __future__ import annotations

from contextlib import AbstractContextManager
from typing import Any

from django.core.exceptions import ValidationError
from django.db import models

from config import db
from config.celery import app as celery_app
from feedback.errors import Conflict, InvalidData, Problem
from feedback.storable import text_problem


def validate_model_fields(instance: models.Model, *, exclude: list[str] | None = None) -> None:
    """Run the model's field validators (lengths, patterns, ranges) as InvalidData."""
    problems: list[Problem] = []
    for field in instance._meta.concrete_fields:
        value = getattr(instance, field.attname)
        if isinstance(value, str) and (problem := text_problem(value)):
            problems.append(Problem((field.name,), problem))
    if problems:
        raise InvalidData(problems)
    try:
        instance.full_clean(exclude=exclude, validate_unique=False, validate_constraints=False)
    except ValidationError as error:
        raise InvalidData(
            Problem((name,), " ".join(messages)) for name, messages in error.message_dict.items()
        ) from None


def unique_name(description: str) -> AbstractContextManager[None]:
    """Turn a unique-constraint violation in the block into a Conflict (409 in the API)
    that names what clashed: `config.db.unique_name` with the services' error type."""
    return db.unique_name(description, error=Conflict)


def queue(task_name: str, *args: Any) -> None:
    """Queue a task by name (tasks import the services, not the other way round);
    `delay` runs it in-process when no broker is configured."""
    celery_app.tasks[task_name].delay(*args)
