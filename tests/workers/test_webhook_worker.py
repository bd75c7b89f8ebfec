"""Webhook deliveries made by a real worker on Redis: a failed attempt waits for its
retry on the broker (FEEDLOOP_WEBHOOK_RETRY_DELAYS is 1,2,1 in the worker)."""

from __future__ import annotations

import time

from standardwebhooks import Webhook as StandardWebhook

from feedback.models import DeliveryStatus, WebhookDelivery
from feedback.services.webhooks import webhook_create
from tests.builders import add_records, comparison_dataset
from tests.workers.conftest import wait_for


def settled(delivery_count: int) -> bool:
    deliveries = WebhookDelivery.objects.all()
    return len(deliveries) == delivery_count and all(d.status != DeliveryStatus.PENDING for d in deliveries)


def test_a_delivery_is_retried_after_its_delay_until_the_endpoint_takes_it(people, celery_worker, receiver):
    dataset = comparison_dataset(people.workspace_a)
    webhook = webhook_create(url=receiver.url, events=["record.created"])
    receiver.answers = [500, 502]
    started = time.monotonic()
    add_records(dataset, 2)
    wait_for(lambda: settled(2))
    arrived = time.monotonic() - started
    # Two failures (whichever deliveries they hit), then each delivery's 200.
    assert len(receiver.requests) == 4
    deliveries = WebhookDelivery.objects.all()
    assert sorted(d.status for d in deliveries) == ["delivered", "delivered"]
    assert sum(d.attempts for d in deliveries) == 4
    assert arrived >= 1  # a retry waited its delay on the broker
    by_message = {}
    for received in receiver.requests:
        event = StandardWebhook(webhook.secret).verify(received.body, received.headers)
        by_message.setdefault(received.headers["webhook-id"], set()).add(event["data"]["external_id"])
    assert sorted(by_message.values(), key=sorted) == [{"rec-0"}, {"rec-1"}]


def test_a_delivery_is_given_up_after_the_last_retry(people, celery_worker, receiver):
    dataset = comparison_dataset(people.workspace_a)
    webhook_create(url=receiver.url, events=["record.created"])
    receiver.answers = [503] * 4
    add_records(dataset, 1)
    wait_for(lambda: settled(1))
    delivery = WebhookDelivery.objects.get()
    assert (delivery.status, delivery.attempts, delivery.response_status) == ("failed", 4, 503)
    assert delivery.error == "the endpoint answered 503" and len(receiver.requests) == 4
