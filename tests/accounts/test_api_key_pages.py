"""'My account' API keys: created and shown once, stored hashed, revocable; others' keys are 404."""

from __future__ import annotations

from django.test import Client

from accounts.api_keys import api_key_authenticate, api_key_create
from accounts.models import ApiKey


def logged_in(user) -> Client:
    client = Client(enforce_csrf_checks=False)
    client.force_login(user)
    return client


def test_create_shows_the_key_once_and_stores_only_a_digest(people):
    client = logged_in(people.labeler_a1)
    response = client.post("/account/api-keys/", {"name": "pipeline", "workspace": str(people.workspace_a.pk)})
    assert response.status_code == 302
    page = client.get("/account/api-keys/")
    key = page.text.split('id="new-api-key">')[1].split("<")[0]
    assert key.startswith("fl_")
    stored = ApiKey.objects.get(user=people.labeler_a1)
    assert key not in (stored.digest, stored.prefix) and stored.workspace == people.workspace_a
    assert api_key_authenticate(key).pk == stored.pk
    assert key not in client.get("/account/api-keys/").text  # shown once


def test_a_key_cannot_be_limited_to_a_foreign_workspace(people):
    response = logged_in(people.labeler_a1).post(
        "/account/api-keys/", {"name": "x", "workspace": str(people.workspace_b.pk)}
    )
    assert response.status_code == 400
    assert not ApiKey.objects.exists()


def test_revoke_own_key_but_not_someone_elses(people):
    mine, key = api_key_create(user=people.labeler_a1, name="mine")
    theirs, _ = api_key_create(user=people.labeler_b, name="theirs")
    client = logged_in(people.labeler_a1)
    assert client.post(f"/account/api-keys/{theirs.pk}/revoke").status_code == 404
    assert client.post(f"/account/api-keys/{mine.pk}/revoke").status_code == 302
    assert api_key_authenticate(key) is None
    theirs.refresh_from_db()
    assert theirs.revoked_at is None


def test_pages_need_login_and_csrf(people):
    assert Client().get("/account/api-keys/").status_code == 302
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(people.labeler_a1)
    assert strict.post("/account/api-keys/", {"name": "x"}).status_code == 403


def test_management_command_prints_a_working_key(people):
    from io import StringIO

    import pytest
    from django.core.management import CommandError, call_command

    out = StringIO()
    call_command("create_api_key", "admin-a", "--name", "ci", "--workspace", "workspace-a", "--read-only", stdout=out)
    api_key = api_key_authenticate(out.getvalue().strip())
    assert api_key.user == people.admin_a and api_key.read_only and api_key.workspace == people.workspace_a
    with pytest.raises(CommandError, match="no such workspace"):
        call_command("create_api_key", "labeler-b", "--workspace", "workspace-a", stdout=StringIO())
