"""Webhook subscriptions: owners only; validated; listed, changed and deleted."""

from __future__ import annotations

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
