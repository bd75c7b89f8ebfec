"""Webhooks: subscriptions (create, change, delete), events, delivery and ping.

When something happens, the service that did it calls `webhook_notify` inside its
transaction: one `WebhookDelivery` row per listening webhook and object, holding the
event's body as it will be sent (`feedback.webhooks`), is stored with the change itself
and queued once it commits. An event nobody listens to costs one query and builds
nothing; none at all where the write's own read selected `ANY_WEBHOOK_ENABLED` and
none is.
The task `deliver_webhook` makes the attempts (`webhook_deliver`): a 2xx answer
delivers; anything else (another status, a redirect, a timeout, a refused connection)
is retried after each of FEEDLOOP_WEBHOOK_RETRY_DELAYS, then the delivery is failed.
Delivery is at least once: `webhook-id` is the same on every attempt, so receivers can
drop repeats.
"""

from __future__ import annotations

import base64
import logging
import secrets
import time
import urllib.error
import urllib.request
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from kombu.exceptions import OperationalError as BrokerUnavailable

from feedback import outbound
from feedback import webhooks as events
from feedback.errors import InvalidData, Problem
from feedback.models import WEBHOOK_EVENTS, DeliveryStatus, Webhook, WebhookDelivery
from feedback.services._common import queue
from feedback.storable import text_problem
from workspaces import audit

logger = logging.getLogger(__name__)

DELIVER_WEBHOOK_TASK = "feedback.tasks.deliver_webhook"
Listeners = dict[str, list[Webhook]]

_url_validator = URLValidator(schemes=["http", "https"])
# Webhooks are organisation-wide: their audit entries belong to no workspace (owners see them).
WEBHOOK_AUDITED = ("url", "events", "enabled", "description", "secret")


def _new_secret() -> str:
    # Standard Webhooks: "whsec_" + base64 of the signing key.
    return "whsec_" + base64.b64encode(secrets.token_bytes(24)).decode()


def webhook_problems(*, url: Any = None, events: Any = None, description: Any = None) -> list[Problem]:
    problems: list[Problem] = []
    if url is not None:
        try:
            if not isinstance(url, str) or len(url) > 2000:
                raise ValidationError("bad")
            _url_validator(url)
        except ValidationError:
            problems.append(Problem(("url",), "must be an http(s) URL of at most 2000 characters"))
        else:
            refusal = outbound.url_refusal(url)
            if refusal:
                problems.append(Problem(("url",), refusal))
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
def webhook_create(*, url: str, events: Sequence[str], description: str | None = None, enabled: bool = True) -> Webhook:
    problems = webhook_problems(url=url, events=events, description=description)
    if not isinstance(enabled, bool):
        problems.append(Problem(("enabled",), "must be true or false"))
    if problems:
        raise InvalidData(problems)
    webhook = Webhook.objects.create(
        url=url, events=list(events), description=description or "", enabled=enabled, secret=_new_secret()
    )
    audit.created(webhook, verb="webhook created", fields=WEBHOOK_AUDITED, workspace_id=None, secret=["secret"])
    return webhook


@transaction.atomic
def webhook_update(
    *,
    webhook: Webhook,
    url: str | None = None,
    events: Sequence[str] | None = None,
    enabled: bool | None = None,
    description: str | None = None,
) -> Webhook:
    problems = webhook_problems(url=url, events=events, description=description)
    if enabled is not None and not isinstance(enabled, bool):
        problems.append(Problem(("enabled",), "must be true or false"))
    if problems:
        raise InvalidData(problems)
    # Read again: the admin hands over its form's object with the new values already set.
    webhook = Webhook.objects.select_for_update().get(pk=webhook.pk)
    before = audit.snapshot(webhook, WEBHOOK_AUDITED)
    if url is not None:
        webhook.url = url
    if events is not None:
        webhook.events = list(events)
    if enabled is not None:
        webhook.enabled = enabled
    if description is not None:
        webhook.description = description
    webhook.save()
    audit.updated(webhook, before, verb="webhook changed", workspace_id=None, secret=["secret"])
    return webhook


@transaction.atomic
def webhook_delete(*, webhook: Webhook) -> None:
    audit.deleted(webhook, verb="webhook deleted", fields=["url", "events"], workspace_id=None)
    webhook.delete()


def webhook_listeners() -> Listeners:
    """The enabled webhooks by the events they listen to (one query)."""
    listeners: Listeners = defaultdict(list)
    for webhook in Webhook.objects.filter(enabled=True):
        for event in webhook.events:
            listeners[event].append(webhook)
    return listeners


# SQL expression: whether any webhook is enabled. A write selects it along with a row it
# reads anyway, and skips `webhook_listeners` (and its query) when none is.
ANY_WEBHOOK_ENABLED = f"EXISTS (SELECT 1 FROM {Webhook._meta.db_table} w WHERE w.enabled)"  # noqa: S608


def webhook_notify(
    event: str, data: Callable[[], Iterable[dict[str, Any]]], listeners: Listeners | None = None
) -> None:
    """Record `event` for every webhook listening to it, one delivery per object that
    `data` gives, and queue the deliveries once the transaction commits. `data` is only
    called when someone listens. Pass `listeners` when one change makes several events."""
    if listeners is None:
        listeners = webhook_listeners()
    webhooks = listeners.get(event)
    if not webhooks:
        return
    now = timezone.now()
    bodies = [events.envelope(event, now, item) for item in data()]
    deliveries = WebhookDelivery.objects.bulk_create(
        [WebhookDelivery(webhook=webhook, event=event, body=body) for webhook in webhooks for body in bodies]
    )
    ids = [delivery.pk for delivery in deliveries]
    transaction.on_commit(lambda: deliveries_send(delivery_ids=ids))


def deliveries_send(*, delivery_ids: Sequence[Any]) -> int:
    """Hand deliveries to the broker, marking each one sent; returns how many went.

    The change that made them is already stored, so a broker that cannot be reached
    does not fail the request: the rest stay pending, unsent, and `deliveries_sweep`
    sends them later. (Without a broker, the quick try, they are delivered here.)"""
    sent = 0
    for delivery_id in delivery_ids:
        try:
            queue(DELIVER_WEBHOOK_TASK, str(delivery_id))
        except BrokerUnavailable as error:
            logger.warning(
                "%d webhook deliveries wait for the sweep: the broker is unreachable (%s)",
                len(delivery_ids) - sent,
                error,
            )
            break
        WebhookDelivery.objects.filter(pk=delivery_id, sent_at=None).update(sent_at=timezone.now())
        sent += 1
    return sent


def deliveries_sweep(*, now: Any = None) -> int:
    """Send the pending deliveries the broker never took (it was down when their change
    was stored), once FEEDLOOP_JOB_QUEUE_GRACE seconds have passed. Run by the job sweep."""
    now = now or timezone.now()
    unsent = WebhookDelivery.objects.filter(
        status=DeliveryStatus.PENDING,
        sent_at=None,
        inserted_at__lte=now - timedelta(seconds=settings.FEEDLOOP_JOB_QUEUE_GRACE),
    ).order_by("inserted_at")
    return deliveries_send(delivery_ids=list(unsent.values_list("pk", flat=True)))


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    """A redirect is the endpoint's answer (a failure), not somewhere to post again.
    Keep it so: the SSRF guard checks the webhook's own URL only, and a followed
    redirect could lead anywhere (169.254.169.254 included) unchecked."""

    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


_opener = urllib.request.build_opener(_NoRedirects)


def _post(webhook: Webhook, message_id: str, body: str) -> tuple[int | None, str]:
    """Send one signed request; returns the answer's status (None when there was no
    answer) and what went wrong, if anything."""
    # The SSRF guard again: what the host resolves to may have changed since it was saved.
    refusal = outbound.url_refusal(webhook.url)
    if refusal:
        return None, f"not sent: the URL {refusal}"[:2000]
    timestamp = int(time.time())
    # The URL was checked to be http(s) when the webhook was saved.
    request = urllib.request.Request(  # noqa: S310
        webhook.url,
        data=body.encode(),
        method="POST",
        headers=events.headers(webhook.secret, message_id, timestamp, body),
    )
    try:
        with _opener.open(request, timeout=settings.FEEDLOOP_WEBHOOK_TIMEOUT_SECONDS) as answer:
            return answer.status, ""
    except urllib.error.HTTPError as error:
        return error.code, f"the endpoint answered {error.code}"
    except (urllib.error.URLError, OSError, ValueError) as error:
        reason = getattr(error, "reason", error)
        return None, f"no answer from the endpoint: {reason}"[:2000]


def _attempt(delivery: WebhookDelivery, *, last: bool) -> bool:
    """Make one attempt and record it; True when the endpoint took the event."""
    status, error = _post(delivery.webhook, delivery.message_id, delivery.body)
    delivered = status is not None and 200 <= status < 300
    now = timezone.now()
    if delivered:
        outcome = DeliveryStatus.DELIVERED
    else:
        outcome = DeliveryStatus.FAILED if last else DeliveryStatus.PENDING
    WebhookDelivery.objects.filter(pk=delivery.pk).update(
        attempts=F("attempts") + 1,
        response_status=status,
        error=error,
        status=outcome,
        delivered_at=now if delivered else None,
        updated_at=now,
    )
    return delivered


def webhook_deliver(*, delivery_id: Any, last_attempt: bool) -> bool:
    """One attempt at a queued delivery. Returns True when nothing is left to do
    (delivered, given up, or no longer wanted), False when it should be retried."""
    delivery = WebhookDelivery.objects.select_related("webhook").filter(pk=delivery_id).first()
    if delivery is None or delivery.status != DeliveryStatus.PENDING:
        return True
    if not delivery.webhook.enabled:
        WebhookDelivery.objects.filter(pk=delivery.pk).update(
            status=DeliveryStatus.FAILED, error="the webhook was disabled before delivery", updated_at=timezone.now()
        )
        return True
    return _attempt(delivery, last=last_attempt) or last_attempt


def deliveries_forget_old(*, now: Any = None) -> int:
    """Delete the finished deliveries older than FEEDLOOP_WEBHOOK_KEEP_DAYS, so every
    webhook's history stays bounded (a pending one is kept: it is still being tried);
    returns how many. Run by Celery beat. One webhook at a time, each an indexed look."""
    cutoff = (now or timezone.now()) - timedelta(days=settings.FEEDLOOP_WEBHOOK_KEEP_DAYS)
    deleted = 0
    for webhook_id in Webhook.objects.values_list("pk", flat=True):
        old = WebhookDelivery.objects.filter(webhook_id=webhook_id, inserted_at__lt=cutoff)
        deleted += old.exclude(status=DeliveryStatus.PENDING).delete()[0]
    return deleted


def webhook_ping(*, webhook: Webhook) -> WebhookDelivery:
    """Send a `ping` event now (even to a disabled webhook) and return how it went."""
    body = events.envelope("ping", timezone.now(), {"agent": "feedloop", "version": settings.FEEDLOOP_VERSION})
    delivery = WebhookDelivery.objects.create(webhook=webhook, event="ping", body=body)
    _attempt(delivery, last=True)
    delivery.refresh_from_db()
    return delivery
