"""Webhook subscriptions: create, change, delete. (Delivery comes with its own module.)"""

from __future__ import annotations

import base64
import secrets
from collections.abc import Sequence
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import transaction

from feedback.errors import InvalidData, Problem
from feedback.models import WEBHOOK_EVENTS, Webhook
from feedback.storable import text_problem

_url_validator = URLValidator(schemes=["http", "https"])


def _new_secret() -> str:
    # Standard Webhooks: "whsec_" + base64 of the signing key.
    return "whsec_" + base64.b64encode(secrets.token_bytes(24)).decode()


def _clean(*, url: Any = None, events: Any = None, description: Any = None) -> list[Problem]:
    problems: list[Problem] = []
    if url is not None:
        try:
            if not isinstance(url, str) or len(url) > 2000:
                raise ValidationError("bad")
            _url_validator(url)
        except ValidationError:
            problems.append(Problem(("url",), "must be an http(s) URL of at most 2000 characters"))
    if events is not None and (
        not isinstance(events, list)
        or not events
        or not all(isinstance(event, str) and event in WEBHOOK_EVENTS for event in events)
        or len(set(events)) != len(events)
    ):
        problems.append(
            Problem(("events",), f"must be a non-empty list of distinct events among {list(WEBHOOK_EVENTS)}")
        )
    if description is not None and (
        not isinstance(description, str) or len(description) > 1000 or text_problem(description)
    ):
        problems.append(Problem(("description",), "must be text of at most 1000 characters"))
    return problems


@transaction.atomic
def webhook_create(*, url: str, events: Sequence[str], description: str | None = None) -> Webhook:
    problems = _clean(url=url, events=events, description=description)
    if problems:
        raise InvalidData(problems)
    return Webhook.objects.create(url=url, events=list(events), description=description or "", secret=_new_secret())


@transaction.atomic
def webhook_update(
    *,
    webhook: Webhook,
    url: str | None = None,
    events: Sequence[str] | None = None,
    enabled: bool | None = None,
    description: str | None = None,
) -> Webhook:
    problems = _clean(url=url, events=events, description=description)
    if enabled is not None and not isinstance(enabled, bool):
        problems.append(Problem(("enabled",), "must be true or false"))
    if problems:
        raise InvalidData(problems)
    if url is not None:
        webhook.url = url
    if events is not None:
        webhook.events = list(events)
    if enabled is not None:
        webhook.enabled = enabled
    if description is not None:
        webhook.description = description
    webhook.save()
    return webhook


@transaction.atomic
def webhook_delete(*, webhook: Webhook) -> None:
    webhook.delete()
