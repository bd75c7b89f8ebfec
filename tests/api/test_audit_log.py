"""The audit log through the API: each write leaves one entry with its caller, `api`
and the diff; refused and rolled-back writes leave none; secrets never appear."""

from __future__ import annotations

import json

import pytest
from django.db import transaction

from accounts.models import ApiKey, User
from feedback.services.datasets import dataset_update
from feedback.services.exports import export_create
from tests.builders import comparison_dataset
from workspaces.models import AuditEntry


def test_an_api_dataset_creation_is_one_entry_by_its_caller(people, api_client_for, audit_log):
    client = api_client_for(people.admin_a)
    audit_log.new()
    response = client.post(
        "/api/v1/datasets", {"name": "fresh", "workspace_id": str(people.workspace_a.pk)}, format="json"
    )
    assert response.status_code == 201, response.json()
    entry = audit_log.one()
    assert (entry.actor, entry.actor_label, entry.via) == (people.admin_a, "admin-a", "api")
    assert (entry.action, entry.verb, entry.object_type) == ("created", "dataset created", "dataset")
    assert (entry.object_id, entry.object_label) == (response.json()["id"], "fresh")
    assert entry.workspace == people.workspace_a
    assert entry.changes["name"] == [None, "fresh"]


def test_api_membership_writes_say_member_added_role_changed_member_removed(people, api_client_for, audit_log):
    client = api_client_for(people.owner)
    url = f"/api/v1/workspaces/{people.workspace_b.pk}/users"
    body = {"user_id": str(people.labeler_a1.pk), "role": "annotator"}
    audit_log.new()
    assert client.post(url, body, format="json").status_code in (200, 201)
    added = audit_log.one()
    assert (added.verb, added.action, added.via, added.actor) == ("member added", "created", "api", people.owner)
    assert added.changes == {"role": [None, "annotator"]}
    assert added.object_label == "labeler-a1 in workspace-b" and added.workspace == people.workspace_b

    assert client.post(url, {**body, "role": "admin"}, format="json").status_code in (200, 201)
    changed = audit_log.one()
    assert (changed.verb, changed.changes) == ("role changed", {"role": ["annotator", "admin"]})

    assert client.delete(f"{url}/{people.labeler_a1.pk}").status_code in (200, 204)
    removed = audit_log.one()
    assert (removed.verb, removed.action, removed.changes) == ("member removed", "deleted", {"role": ["admin", None]})


def test_an_api_question_settings_change_records_the_old_and_new_settings(people, api_client_for, audit_log):
    dataset = comparison_dataset(people.workspace_a, name="asked")
    topic = dataset.questions.get(name="topic")
    old = topic.settings
    new_options = [*old["options"], {"value": "maths", "text": "Maths"}]
    client = api_client_for(people.admin_a)
    audit_log.new()
    response = client.patch(f"/api/v1/questions/{topic.pk}", {"settings": {"options": new_options}}, format="json")
    assert response.status_code == 200, response.json()
    entry = audit_log.one()
    assert (entry.verb, entry.action, entry.object_type, entry.via) == (
        "question changed",
        "updated",
        "question",
        "api",
    )
    assert entry.object_label == "topic in asked" and entry.workspace == people.workspace_a
    topic.refresh_from_db()
    assert [option["value"] for option in topic.settings["options"]] == ["code", "other", "maths"]
    assert entry.changes == {"settings": [old, topic.settings]}


def test_a_refused_api_write_leaves_no_entry(people, api_client_for, audit_log):
    dataset = comparison_dataset(people.workspace_a, name="asked")
    client = api_client_for(people.admin_a)
    topic = dataset.questions.get(name="topic")
    audit_log.new()
    refused = client.patch(f"/api/v1/questions/{topic.pk}", {"settings": {"options": "nope"}}, format="json")
    assert refused.status_code == 422
    duplicate = client.post(
        "/api/v1/datasets", {"name": "asked", "workspace_id": str(people.workspace_a.pk)}, format="json"
    )
    assert duplicate.status_code == 409
    export = client.post(f"/api/v1/datasets/{dataset.pk}/exports", {"layout": "kto", "format": "csv"}, format="json")
    assert export.status_code == 422
    assert audit_log.new() == []


def test_a_rolled_back_change_leaves_no_entry(people, audit_log):
    dataset = comparison_dataset(people.workspace_a, name="undone")
    audit_log.new()
    with pytest.raises(RuntimeError), transaction.atomic():
        dataset_update(dataset=dataset, guidelines="Something else")
        entry = audit_log.one()  # written, inside the transaction
        raise RuntimeError("the caller's transaction fails later")
    assert entry.verb == "dataset changed"
    assert not AuditEntry.objects.filter(pk=entry.pk).exists()


def test_an_update_that_changes_nothing_is_not_recorded(people, audit_log):
    dataset = comparison_dataset(people.workspace_a, name="same")
    audit_log.new()
    dataset_update(dataset=dataset, name="same", min_submitted=dataset.min_submitted)
    assert audit_log.new() == []


def test_api_webhook_writes_never_record_the_secret(people, api_client_for, audit_log):
    client = api_client_for(people.owner)
    audit_log.new()
    created = client.post(
        "/api/v1/webhooks", {"url": "https://hooks.example.com/in", "events": ["record.completed"]}, format="json"
    )
    assert created.status_code == 201
    secret = created.json()["secret"]
    webhook_id = created.json()["id"]
    assert client.delete(f"/api/v1/webhooks/{webhook_id}").status_code == 200
    added, removed = audit_log.new()
    assert (added.verb, added.via, added.workspace_id, added.object_id) == ("webhook created", "api", None, webhook_id)
    assert added.changes["url"] == [None, "https://hooks.example.com/in"]
    assert added.changes["secret"] == "changed"
    assert (removed.verb, removed.action) == ("webhook deleted", "deleted")
    stored = json.dumps([entry.changes for entry in AuditEntry.objects.all()])
    assert secret not in stored and secret.removeprefix("whsec_") not in stored


def test_api_keys_are_recorded_without_the_key_or_its_digest(people, api_client_for, audit_log):
    client = api_client_for(people.admin_a)
    audit_log.new()
    created = client.post("/api/v1/me/api-keys", {"name": "laptop"}, format="json")
    assert created.status_code == 201, created.json()
    key = created.json()["key"]
    entry = audit_log.one()
    assert (entry.actor, entry.via, entry.object_type) == (people.admin_a, "api", "API key")
    assert entry.changes["digest"] == "changed" and entry.changes["name"] == [None, "laptop"]
    digest = ApiKey.objects.get(pk=entry.object_id).digest
    stored = json.dumps([e.changes for e in AuditEntry.objects.all()]) + "".join(
        e.object_label for e in AuditEntry.objects.all()
    )
    assert key not in stored and key.rsplit("_", 1)[1] not in stored and digest not in stored


def test_an_api_export_start_is_recorded(people, api_client_for, audit_log):
    dataset = comparison_dataset(people.workspace_a, name="outgoing")
    client = api_client_for(people.admin_a)
    audit_log.new()
    response = client.post(f"/api/v1/datasets/{dataset.pk}/exports", {"layout": "raw"}, format="json")
    assert response.status_code == 202, response.json()
    entry = audit_log.one()
    assert (entry.verb, entry.object_type, entry.via, entry.actor) == (
        "export started",
        "export job",
        "api",
        people.admin_a,
    )
    assert entry.object_id == response.json()["id"] and entry.changes["layout"] == [None, "raw"]


def test_writes_outside_a_request_are_the_systems(people, audit_log):
    dataset = comparison_dataset(people.workspace_a, name="nightly")
    audit_log.new()
    export_create(dataset=dataset, user=None, layout="raw", queue_run=False)
    entry = audit_log.one()
    assert (entry.via, entry.actor_id, entry.actor_label) == ("system", None, "")


def test_people_created_and_promoted_through_the_api_never_show_a_password(people, api_client_for, audit_log):
    client = api_client_for(people.owner)
    audit_log.new()
    password = "a long enough passphrase 42"
    created = client.post(
        "/api/v1/users", {"username": "newcomer", "password": password, "role": "annotator"}, format="json"
    )
    assert created.status_code == 201, created.json()
    entry = audit_log.one()
    assert (entry.verb, entry.object_type, entry.via, entry.actor, entry.workspace_id) == (
        "person created",
        "user",
        "api",
        people.owner,
        None,
    )
    assert entry.changes["username"] == [None, "newcomer"] and entry.changes["password"] == "changed"
    promoted = client.patch(f"/api/v1/users/{created.json()['id']}", {"role": "owner"}, format="json")
    assert promoted.status_code == 200, promoted.json()
    entry = audit_log.one()
    assert entry.verb == "person changed"
    assert entry.changes == {"is_staff": [False, True], "is_superuser": [False, True]}
    password_hash = User.objects.get(username="newcomer").password
    stored = json.dumps([e.changes for e in AuditEntry.objects.all()])
    assert password not in stored and password_hash not in stored
