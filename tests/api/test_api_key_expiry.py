"""API keys may expire: created with an expiry (API or page), they stop working then
(401, as a revoked key), and an expiry in the past is refused when asked for."""

from __future__ import annotations

from datetime import timedelta

from django.test import Client
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.api_keys import api_key_create
from accounts.models import ApiKey


def with_key(key: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_X_ARGILLA_API_KEY=key)
    return client


def test_a_key_stops_working_when_it_expires(people):
    api_key, key = api_key_create(user=people.admin_a, name="ci", expires_at=timezone.now() + timedelta(hours=1))
    assert with_key(key).get("/api/v1/me").status_code == 200

    ApiKey.objects.filter(pk=api_key.pk).update(expires_at=timezone.now() - timedelta(seconds=1))

    answer = with_key(key).get("/api/v1/me")
    assert answer.status_code == 401 and answer["Content-Type"] == "application/json"


def test_the_api_creates_expiring_keys_and_refuses_an_expiry_in_the_past(people):
    client = with_key(api_key_create(user=people.admin_a, name="admin")[1])
    soon = (timezone.now() + timedelta(days=7)).isoformat()

    made = client.post("/api/v1/me/api-keys", {"name": "a week", "expires_at": soon}, format="json")
    past = client.post(
        "/api/v1/me/api-keys",
        {"name": "too late", "expires_at": (timezone.now() - timedelta(days=1)).isoformat()},
        format="json",
    )

    assert made.status_code == 201, made.json()
    assert made.json()["expires_at"] is not None and with_key(made.json()["key"]).get("/api/v1/me").status_code == 200
    assert past.status_code == 422
    assert "expires_at" in str(past.json()["detail"]) and "future" in str(past.json()["detail"])
    assert not ApiKey.objects.filter(name="too late").exists()
    listed = {item["name"]: item["expires_at"] for item in client.get("/api/v1/me/api-keys").json()["items"]}
    assert listed["admin"] is None and listed["a week"] is not None


def test_the_page_creates_a_key_expiring_in_30_days_and_marks_expired_ones(people):
    client = Client()
    client.force_login(people.labeler_a1)
    old, _ = api_key_create(user=people.labeler_a1, name="old", expires_at=timezone.now() + timedelta(minutes=1))
    ApiKey.objects.filter(pk=old.pk).update(expires_at=timezone.now() - timedelta(days=2))

    assert client.post("/account/api-keys/", {"name": "month", "expires_in": "30"}).status_code == 302

    month = ApiKey.objects.get(user=people.labeler_a1, name="month")
    assert timedelta(days=29) < month.expires_at - timezone.now() <= timedelta(days=30)
    page = client.get("/account/api-keys/").text
    assert month.expires_at.strftime("%Y-%m-%d") in page and "expired " in page
