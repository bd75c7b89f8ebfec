"""Webhook subscriptions: owners only; validated; listed, changed and deleted."""

from __future__ import annotations

import json

import pytest

from feedback.models import Webhook


def test_owner_manages_webhooks(people, api_client_for):
    client = api_client_for(people.owner)
    created = client.post(
        "/api/v1/webhooks", {"url": "https://hooks.example.com/in", "events": ["record.completed"]}, format="json"
    )
    assert created.status_code == 201, created.json()
    body = created.json()
    assert body["secret"].startswith("whsec_") and body["enabled"] is True and body["events"] == ["record.completed"]
    listed = client.get("/api/v1/webhooks").json()["items"]
    assert [item["id"] for item in listed] == [body["id"]]
    changed = client.patch(f"/api/v1/webhooks/{body['id']}", {"enabled": False}, format="json")
    assert changed.status_code == 200 and changed.json()["enabled"] is False
    assert client.delete(f"/api/v1/webhooks/{body['id']}").status_code == 200
    assert not Webhook.objects.exists()


def test_bad_webhooks_are_422_and_store_nothing(people, api_client_for):
    client = api_client_for(people.owner)
    for body in (
        {"url": "ftp://example.com", "events": ["record.created"]},
        {"url": "https://example.com", "events": []},
        {"url": "https://example.com", "events": ["record.exploded"]},
        {"url": "https://example.com", "events": ["record.created", "record.created"]},
        {"url": "not a url", "events": ["record.created"]},
    ):
        response = client.post("/api/v1/webhooks", body, format="json")
        assert response.status_code == 422, body
    assert not Webhook.objects.exists()


def test_only_owners_see_webhooks(people, api_client_for):
    webhook = Webhook.objects.create(url="https://example.com", events=["record.created"], secret="whsec_x")
    for user in (people.admin_a, people.labeler_a1, people.outsider):
        client = api_client_for(user)
        assert client.get("/api/v1/webhooks").status_code == 403
        assert client.patch(f"/api/v1/webhooks/{webhook.id}", {"enabled": False}, format="json").status_code == 403
        assert client.delete(f"/api/v1/webhooks/{webhook.id}").status_code == 403
    limited = api_client_for(people.owner, workspace=people.workspace_a)
    assert limited.get("/api/v1/webhooks").status_code == 403
    webhook.refresh_from_db()
    assert webhook.enabled is True


def test_ping_is_for_owners_only_and_unknown_webhooks_are_404(people, api_client_for, receiver):
    webhook = Webhook.objects.create(url=receiver.url, events=["record.created"], secret="whsec_c2VjcmV0")
    for user in (people.admin_a, people.labeler_a1, people.outsider):
        assert api_client_for(user).post(f"/api/v1/webhooks/{webhook.id}/ping").status_code == 403
    assert (
        api_client_for(people.owner, workspace=people.workspace_a)
        .post(f"/api/v1/webhooks/{webhook.id}/ping")
        .status_code
        == 403
    )
    assert not receiver.requests
    owner = api_client_for(people.owner)
    assert owner.post("/api/v1/webhooks/00000000-0000-0000-0000-000000000000/ping").status_code == 404
    assert owner.post("/api/v1/webhooks/not-an-id/ping").status_code in (404, 422)
    assert owner.post(f"/api/v1/webhooks/{webhook.id}/ping").status_code == 204
    receiver.answers = [500]
    failed = owner.post(f"/api/v1/webhooks/{webhook.id}/ping")
    assert (
        failed.status_code == 502 and failed.json()["detail"] == "The ping was not delivered: the endpoint answered 500"
    )


# The SSRF guard (feedback.outbound): with FEEDLOOP_OUTBOUND_ALLOW_PRIVATE off, as in a
# deployment, a webhook may only point at public addresses.


@pytest.mark.parametrize(
    ("url", "address"),
    [
        ("http://169.254.169.254/latest/meta-data/", "169.254.169.254"),
        ("http://127.0.0.1:8000/hook", "127.0.0.1"),
        ("http://10.1.2.3/hook", "10.1.2.3"),
        ("http://192.168.0.10/hook", "192.168.0.10"),
        ("http://100.64.0.1/hook", "100.64.0.1"),
        ("http://[::1]/hook", "::1"),
        ("http://[::ffff:127.0.0.1]/hook", "::ffff:7f00:1"),
        ("http://[fd00:ec2::254]/hook", "fd00:ec2::254"),
        ("http://[2002:7f00:1::]/hook", "2002:7f00:1::"),
        ("http://224.0.0.1/hook", "224.0.0.1"),
        ("http://0.0.0.0/hook", "0.0.0.0"),  # noqa: S104
        ("http://localhost:8000/hook", ("127.0.0.1", "::1")),
    ],
    ids=[
        "metadata",
        "loopback",
        "private-10",
        "private-192",
        "shared",
        "ipv6-loopback",
        "mapped",
        "aws-v6",
        "6to4",
        "multicast",
        "unspecified",
        "localhost",
    ],
)
def test_webhooks_to_private_addresses_are_refused(people, api_client_for, settings, url, address):
    settings.FEEDLOOP_OUTBOUND_ALLOW_PRIVATE = False
    client = api_client_for(people.owner)
    response = client.post("/api/v1/webhooks", {"url": url, "events": ["record.created"]}, format="json")
    assert response.status_code == 422, response.json()
    messages = json.dumps(response.json())
    addresses = address if isinstance(address, tuple) else (address,)
    assert "private address" in messages and "public addresses" in messages
    assert any(f"({one})" in messages for one in addresses), messages
    assert not Webhook.objects.exists()


def test_a_webhook_to_a_metadata_name_is_refused(people, api_client_for, settings):
    settings.FEEDLOOP_OUTBOUND_ALLOW_PRIVATE = False
    client = api_client_for(people.owner)
    url = "http://metadata.google.internal/computeMetadata/v1/"
    response = client.post("/api/v1/webhooks", {"url": url, "events": ["record.created"]}, format="json")
    assert response.status_code == 422 and "metadata" in json.dumps(response.json())
    assert not Webhook.objects.exists()


def test_a_webhook_whose_host_does_not_resolve_is_refused(people, api_client_for, settings):
    """Fail closed: an address that cannot be checked is not accepted."""
    settings.FEEDLOOP_OUTBOUND_ALLOW_PRIVATE = False
    client = api_client_for(people.owner)
    url = "https://hooks.invalid/in"  # .invalid never resolves (RFC 6761)
    response = client.post("/api/v1/webhooks", {"url": url, "events": ["record.created"]}, format="json")
    assert response.status_code == 422 and "could not be resolved" in json.dumps(response.json())
    assert not Webhook.objects.exists()


def test_changing_a_webhook_to_a_private_address_is_refused(people, api_client_for, settings):
    settings.FEEDLOOP_OUTBOUND_ALLOW_PRIVATE = False
    webhook = Webhook.objects.create(url="https://93.184.215.14/in", events=["record.created"], secret="whsec_x")
    client = api_client_for(people.owner)
    url = "http://169.254.169.254/latest/meta-data/"
    response = client.patch(f"/api/v1/webhooks/{webhook.pk}", {"url": url}, format="json")
    assert response.status_code == 422
    webhook.refresh_from_db()
    assert webhook.url == "https://93.184.215.14/in"


def test_a_webhook_to_a_public_address_is_accepted(people, api_client_for, settings):
    """A public IP literal passes; saving only looks at the address (this machine
    cannot reach it, and the answer comes without waiting for it)."""
    settings.FEEDLOOP_OUTBOUND_ALLOW_PRIVATE = False
    client = api_client_for(people.owner)
    url = "https://93.184.215.14/in"
    response = client.post("/api/v1/webhooks", {"url": url, "events": ["record.created"]}, format="json")
    assert response.status_code == 201, response.json()
    assert Webhook.objects.get().url == url


def test_private_addresses_are_allowed_when_the_setting_says_so(people, api_client_for, settings):
    settings.FEEDLOOP_OUTBOUND_ALLOW_PRIVATE = True
    client = api_client_for(people.owner)
    response = client.post(
        "/api/v1/webhooks", {"url": "http://127.0.0.1:8000/hook", "events": ["record.created"]}, format="json"
    )
    assert response.status_code == 201, response.json()
