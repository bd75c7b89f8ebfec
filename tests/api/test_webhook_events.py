"""Webhooks over real HTTP: the Argilla SDK subscribes, pings, and reads the events we
send exactly as its own webhook listener does (Standard Webhooks verification, then
`WebhookEvent.parsed`, which fetches the dataset and record back through the API)."""

from __future__ import annotations

import argilla as rg
import pytest
from argilla.webhooks._event import DatasetEvent, RecordEvent, UserResponseEvent, WebhookEvent
from standardwebhooks import Webhook as StandardWebhook

from accounts.api_keys import api_key_create
from feedback.models import WebhookDelivery
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def client(live_server) -> rg.Argilla:
    owner = UserFactory(username="hook-owner", is_superuser=True, is_staff=True)
    return rg.Argilla(api_url=live_server.url, api_key=api_key_create(user=owner, name="sdk")[1])


def parsed_events(webhook: rg.Webhook, client: rg.Argilla, receiver) -> list:
    events = []
    for received in receiver.requests:
        body = StandardWebhook(webhook.secret).verify(received.body, received.headers)
        events.append(WebhookEvent.model_validate(body).parsed(client))
    return events


def test_the_sdk_reads_our_events(client, receiver):
    webhook = client.webhooks.add(
        rg.Webhook(
            url=receiver.url,
            events=["dataset.created", "dataset.published", "record.created", "record.completed", "response.created"],
        )
    )
    workspace = client.workspaces.add(rg.Workspace(name="hooks"))
    labeler = client.users.add(rg.User(username="hook-labeler", password="a-long-password-1", role="annotator"))
    workspace.add_user(labeler)
    settings = rg.Settings(
        fields=[rg.TextField(name="prompt")],
        questions=[rg.RatingQuestion(name="quality", values=[1, 2, 3])],
        distribution=rg.TaskDistribution(min_submitted=1),
    )
    dataset = rg.Dataset(name="hooked", workspace=workspace, settings=settings, client=client).create()
    dataset.records.log([{"prompt": "Say hello", "id": "r-1"}])
    record = next(iter(dataset.records))
    record.responses.add(rg.Response("quality", 3, user_id=labeler.id, status="submitted"))
    dataset.records.log([record])

    receiver.wait_for(5)
    events = parsed_events(webhook, client, receiver)
    assert [event.type for event in events] == [
        "dataset.created",
        "dataset.published",
        "record.created",
        "record.completed",
        "response.created",
    ]
    assert all(isinstance(event, DatasetEvent) for event in events[:2])
    assert events[0].dataset.id == dataset.id and events[1].dataset.name == "hooked"
    created = events[2]
    assert isinstance(created, RecordEvent) and created.record.id == "r-1"
    assert created.record.fields["prompt"] == "Say hello"
    assert isinstance(events[3], RecordEvent) and events[3].record.status == "completed"
    answered = events[4]
    assert isinstance(answered, UserResponseEvent)
    assert answered.response.user_id == labeler.id and answered.response.status == "submitted"
    assert [(answer.question_name, answer.value) for answer in answered.response] == [("quality", 3)]


def test_the_sdk_pings(client, receiver):
    webhook = client.webhooks.add(rg.Webhook(url=receiver.url, events=["record.created"]))
    webhook._api.ping(webhook.id)
    event = StandardWebhook(webhook.secret).verify(receiver.requests[0].body, receiver.requests[0].headers)
    assert event["type"] == "ping"
    receiver.answers = [500]
    with pytest.raises(Exception, match="The ping was not delivered: the endpoint answered 500"):
        webhook._api.ping(webhook.id)
    assert list(WebhookDelivery.objects.values_list("event", "status")) == [("ping", "failed"), ("ping", "delivered")]
