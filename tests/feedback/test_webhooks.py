"""Webhook events and their delivery to a real HTTP endpoint: which events a change
makes, what they carry, how they are signed, retried and given up.

Tasks run eagerly here (no broker): each delivery is attempted when the transaction
commits, and its retries follow at once. The real worker, with its waits between
retries, is in tests/workers/test_webhook_worker.py.
"""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.db import transaction
from django.utils import timezone
from standardwebhooks import Webhook as StandardWebhook

from feedback.errors import InvalidData
from feedback.models import DeliveryStatus, Record, Response, Webhook, WebhookDelivery
from feedback.services import datasets as dataset_services
from feedback.services.records import record_write_by_labeler, records_bulk_upsert, records_delete
from feedback.services.responses import response_delete, response_submit
from feedback.services.webhooks import deliveries_forget_old, webhook_create, webhook_ping, webhook_update
from tests.builders import add_records, comparison_dataset, full_answer, record_item
from tests.webhook_receiver import Receiver


@pytest.fixture(autouse=True)
def quick_timeout(settings) -> None:
    settings.FEEDLOOP_WEBHOOK_TIMEOUT_SECONDS = 1


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    """Run what a block queues on commit (the deliveries), as a real commit would."""
    return lambda: django_capture_on_commit_callbacks(execute=True)


def verified(webhook, received) -> dict:
    """The event, after checking its signature with the Standard Webhooks library."""
    return StandardWebhook(webhook.secret).verify(received.body, received.headers)


def events_of(webhook, receiver: Receiver) -> list[tuple[str, dict]]:
    return [(event["type"], event["data"]) for event in (verified(webhook, r) for r in receiver.requests)]


def test_record_events_are_signed_and_carry_the_record_with_its_dataset(people, receiver, committed):
    dataset = comparison_dataset(people.workspace_a)
    webhook = webhook_create(url=receiver.url, events=["record.created", "record.updated"])
    with committed():
        created = add_records(dataset, 2)
    with committed():
        records_bulk_upsert(dataset=dataset, items=[record_item(0, metadata={"model": "b", "length": 7})])
    with committed():
        records_bulk_upsert(dataset=dataset, items=[record_item(1)])  # unchanged: no event
    events = events_of(webhook, receiver)
    assert [(kind, data["external_id"]) for kind, data in events] == [
        ("record.created", "rec-0"),
        ("record.created", "rec-1"),
        ("record.updated", "rec-0"),
    ]
    data = events[0][1]
    assert data["id"] == str(created[0].pk) and data["fields"]["response-1"] == "first answer 0"
    assert data["dataset"]["id"] == str(dataset.pk)
    assert data["dataset"]["workspace"] == {
        "id": str(people.workspace_a.pk),
        "name": "workspace-a",
        "inserted_at": people.workspace_a.inserted_at.isoformat(),
        "updated_at": people.workspace_a.updated_at.isoformat(),
    }
    assert [q["name"] for q in data["dataset"]["questions"]][:2] == ["ranking", "quality"]
    assert events[2][1]["metadata"] == {"model": "b", "length": 7}
    first = receiver.requests[0]
    envelope = json.loads(first.body)
    assert list(envelope) == ["type", "version", "timestamp", "data"] and envelope["version"] == 1
    assert envelope["timestamp"].endswith("Z")
    assert first.headers["content-type"] == "application/json"
    assert first.headers["webhook-id"] in {f"msg_{delivery.pk.hex}" for delivery in WebhookDelivery.objects.all()}
    assert WebhookDelivery.objects.filter(status=DeliveryStatus.DELIVERED, attempts=1).count() == 3


def test_a_wrong_secret_does_not_verify(people, receiver, committed):
    dataset = comparison_dataset(people.workspace_a)
    webhook_create(url=receiver.url, events=["record.created"])
    with committed():
        add_records(dataset, 1)
    other = webhook_create(url="https://example.com/other", events=["dataset.created"])
    with pytest.raises(Exception, match="No matching signature"):
        verified(other, receiver.requests[0])


def test_responses_complete_a_record_once(people, receiver, committed):
    dataset = comparison_dataset(people.workspace_a, min_submitted=1)
    record = add_records(dataset, 1)[0]
    webhook = webhook_create(
        url=receiver.url, events=["record.updated", "record.completed", "response.created", "response.deleted"]
    )
    with committed():
        first = response_submit(record=record, user=people.labeler_a1, values=full_answer())
    with committed():
        response_submit(record=record, user=people.labeler_a2, values=full_answer())
    with committed():
        response_submit(record=record, user=people.labeler_a2, values=full_answer())  # the same again: nothing
    events = events_of(webhook, receiver)
    assert [kind for kind, _ in events] == [
        "record.updated",
        "record.completed",
        "response.created",
        "response.created",
    ]
    response = events[2][1]
    assert response["id"] == str(first.pk) and response["status"] == "submitted"
    assert response["values"]["quality"] == {"value": 4}
    assert response["user"]["username"] == "labeler-a1" and "user_id" not in response
    assert response["record"]["id"] == str(record.pk) and response["record"]["status"] == "completed"
    assert response["record"]["dataset"]["id"] == str(dataset.pk)
    with committed():
        response_delete(response=Response.objects.get(user=people.labeler_a2))
    with committed():
        response_delete(response=first)
    kinds = [kind for kind, _ in events_of(webhook, receiver)[4:]]
    # Deleting one of two keeps the record completed; deleting the last reopens it.
    assert kinds == ["response.deleted", "record.updated", "response.deleted"]
    deleted = events_of(webhook, receiver)[-1][1]
    assert deleted["id"] == str(first.pk) and deleted["values"]["quality"] == {"value": 4}


def test_bulk_written_responses_send_their_events(people, receiver, committed):
    dataset = comparison_dataset(people.workspace_a, min_submitted=1)
    webhook = webhook_create(url=receiver.url, events=["record.completed", "response.created", "response.updated"])
    answer = {"user_id": str(people.labeler_a1.pk), "values": full_answer(), "status": "submitted"}
    with committed():
        records_bulk_upsert(dataset=dataset, items=[record_item(0, responses=[answer]), record_item(1)])
    changed = {**answer, "values": full_answer(quality={"value": 1})}
    with committed():
        records_bulk_upsert(dataset=dataset, items=[record_item(0, responses=[changed])])
    events = events_of(webhook, receiver)
    assert [(kind, data.get("external_id")) for kind, data in events] == [
        ("record.completed", "rec-0"),
        ("response.created", None),
        ("response.updated", None),
    ]
    created, updated = events[1][1], events[2][1]
    assert created["record"]["external_id"] == "rec-0" and created["record"]["status"] == "completed"
    assert created["user"]["username"] == "labeler-a1" and created["values"]["quality"] == {"value": 4}
    assert updated["id"] == created["id"] and updated["values"]["quality"] == {"value": 1}


def test_deleted_records_and_datasets_are_sent_as_they_were(people, receiver, committed):
    dataset = comparison_dataset(people.workspace_a)
    records = add_records(dataset, 2)
    webhook = webhook_create(url=receiver.url, events=["record.deleted", "dataset.deleted"])
    with committed():
        records_delete(dataset=dataset, record_ids=[records[0].pk])
    with committed():
        dataset_services.dataset_delete(dataset=dataset)
    events = events_of(webhook, receiver)
    # The dataset's remaining record goes with it, without an event of its own.
    assert [kind for kind, _ in events] == ["record.deleted", "dataset.deleted"]
    assert events[0][1]["id"] == str(records[0].pk) and events[0][1]["fields"]["prompt"].startswith("Prompt number 0")
    assert events[1][1]["id"] == str(dataset.pk) and len(events[1][1]["fields"]) == 5
    assert not Record.objects.exists()


def test_dataset_events(people, receiver, committed):
    webhook = webhook_create(
        url=receiver.url, events=["dataset.created", "dataset.updated", "dataset.published", "record.created"]
    )
    with committed():
        dataset = comparison_dataset(people.workspace_a, name="events", allow_labeler_records=True)
    with committed():
        dataset_services.dataset_update(dataset=dataset, guidelines="Be kind.")
    with committed():
        record_write_by_labeler(
            dataset=dataset,
            user=people.labeler_a1,
            fields={"prompt": "Write a haiku", "response-1": "a", "response-2": "b", "response-3": "c"},
            values=full_answer(),
            status="submitted",
        )
    kinds = [(kind, data.get("guidelines")) for kind, data in events_of(webhook, receiver)]
    assert kinds == [
        ("dataset.created", None),
        ("dataset.published", None),
        ("dataset.updated", "Be kind."),
        ("record.created", None),
    ]


def test_nobody_listening_stores_nothing_and_disabled_webhooks_get_nothing(people, receiver, committed):
    dataset = comparison_dataset(people.workspace_a)
    webhook = webhook_create(url=receiver.url, events=["record.created"])
    webhook_update(webhook=webhook, enabled=False)
    webhook_create(url=receiver.url, events=["dataset.deleted"])
    with committed():
        add_records(dataset, 3)
    assert not WebhookDelivery.objects.exists() and not receiver.requests


def test_a_rolled_back_change_sends_nothing(people, receiver, committed):
    dataset = comparison_dataset(people.workspace_a)
    webhook_create(url=receiver.url, events=["record.created"])
    with committed(), pytest.raises(RuntimeError), transaction.atomic():
        add_records(dataset, 1)
        raise RuntimeError("something after the records failed")
    assert not WebhookDelivery.objects.exists() and not receiver.requests


def test_a_failed_attempt_is_retried_with_the_same_message_id(people, receiver, committed):
    dataset = comparison_dataset(people.workspace_a)
    webhook = webhook_create(url=receiver.url, events=["record.created"])
    receiver.answers = [500, 503]
    with committed():
        add_records(dataset, 1)
    assert len(receiver.requests) == 3
    assert len({r.headers["webhook-id"] for r in receiver.requests}) == 1
    assert len({r.body for r in receiver.requests}) == 1
    for received in receiver.requests:
        verified(webhook, received)  # every attempt is signed afresh
    delivery = WebhookDelivery.objects.get()
    assert (delivery.status, delivery.attempts, delivery.response_status, delivery.error) == ("delivered", 3, 200, "")


@pytest.mark.parametrize(
    ("answers", "delay", "error"),
    [
        ([500] * 4, 0.0, "the endpoint answered 500"),
        ([302] * 4, 0.0, "the endpoint answered 302"),
        ([200] * 4, 1.5, "no answer from the endpoint: timed out"),
    ],
    ids=["server-error", "redirect-not-followed", "timeout"],
)
def test_a_delivery_is_given_up_after_the_last_retry(people, receiver, committed, answers, delay, error):
    dataset = comparison_dataset(people.workspace_a)
    webhook_create(url=receiver.url, events=["record.created"])
    receiver.answers, receiver.delay = answers, delay
    with committed():
        add_records(dataset, 1)
    delivery = WebhookDelivery.objects.get()
    assert (delivery.status, delivery.attempts, delivery.error) == ("failed", 4, error)
    assert all(r.path == "/hook" for r in receiver.requests) and len(receiver.requests) == 4


def test_an_unreachable_endpoint_is_reported(people, committed):
    dataset = comparison_dataset(people.workspace_a)
    webhook_create(url="http://127.0.0.1:9/hook", events=["record.created"])
    with committed():
        add_records(dataset, 1)
    delivery = WebhookDelivery.objects.get()
    assert delivery.status == "failed" and delivery.attempts == 4 and delivery.response_status is None
    assert delivery.error.startswith("no answer from the endpoint")


def test_a_delivery_for_a_webhook_disabled_meanwhile_is_dropped(people, receiver, committed):
    dataset = comparison_dataset(people.workspace_a)
    webhook = webhook_create(url=receiver.url, events=["record.created"])
    with committed() as callbacks:
        add_records(dataset, 1)
        webhook_update(webhook=webhook, enabled=False)
    assert callbacks and not receiver.requests
    delivery = WebhookDelivery.objects.get()
    assert (delivery.status, delivery.attempts) == ("failed", 0) and "disabled" in delivery.error


def test_ping(people, receiver):
    webhook = webhook_create(url=receiver.url, events=["record.created"])
    delivery = webhook_ping(webhook=webhook)
    event = verified(webhook, receiver.requests[0])
    assert event["type"] == "ping" and event["data"]["agent"] == "feedloop"
    assert (delivery.event, delivery.status, delivery.response_status) == ("ping", "delivered", 200)
    receiver.answers = [404]
    assert webhook_ping(webhook=webhook).error == "the endpoint answered 404"


def test_finished_deliveries_are_kept_for_the_configured_days(people, settings):
    """The retention sweep (run by Celery beat) reaches every webhook's history, also
    that of a webhook no event reaches any more."""
    settings.FEEDLOOP_WEBHOOK_KEEP_DAYS = 7
    webhook = webhook_create(url="https://example.com/in", events=["record.created"])
    quiet = webhook_create(url="https://example.com/quiet", events=["record.created"], enabled=False)
    long_ago = timezone.now() - timedelta(days=8)

    def delivery(target: Webhook, status: str = "pending") -> WebhookDelivery:
        return WebhookDelivery.objects.create(webhook=target, event="record.created", body="{}", status=status)

    old = [delivery(webhook, "delivered"), delivery(quiet, "failed")]
    old_pending = delivery(webhook)
    recent = delivery(webhook, "failed")
    WebhookDelivery.objects.filter(pk__in=[*(d.pk for d in old), old_pending.pk]).update(inserted_at=long_ago)

    assert deliveries_forget_old() == 2

    assert set(WebhookDelivery.objects.values_list("pk", flat=True)) == {old_pending.pk, recent.pk}


def test_a_webhook_created_with_a_bad_enabled_flag_is_refused_and_not_stored(people):
    with pytest.raises(InvalidData, match="enabled"):
        webhook_create(url="https://example.com/in", events=["record.created"], enabled="yes")
    assert not Webhook.objects.exists()
    assert webhook_create(url="https://example.com/in", events=["record.created"], enabled=False).enabled is False


def test_a_webhook_that_now_resolves_to_a_private_address_is_not_called(people, receiver, committed, settings):
    """Checked again before each request: the row was stored when the address was
    allowed (or the name resolved elsewhere); with the guard on, nothing is sent and
    the delivery says why."""
    settings.FEEDLOOP_OUTBOUND_ALLOW_PRIVATE = False
    dataset = comparison_dataset(people.workspace_a)
    Webhook.objects.create(url=receiver.url, events=["record.created"], secret="whsec_" + "A" * 32)
    with committed():
        add_records(dataset, 1)
    assert not receiver.requests
    delivery = WebhookDelivery.objects.get()
    assert delivery.status == "failed" and delivery.response_status is None
    assert "private address (127.0.0.1)" in delivery.error and "not sent" in delivery.error


def test_the_local_receiver_is_called_when_private_addresses_are_allowed(people, receiver, committed, settings):
    settings.FEEDLOOP_OUTBOUND_ALLOW_PRIVATE = True
    dataset = comparison_dataset(people.workspace_a)
    webhook_create(url=receiver.url, events=["record.created"])
    with committed():
        add_records(dataset, 1)
    assert len(receiver.requests) == 1
    assert WebhookDelivery.objects.get().status == "delivered"
