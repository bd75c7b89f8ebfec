"""The audit log: admin and API writes each leave one entry (who, through what, the diff),
in the transaction of the change; refused writes leave none; secrets never appear; owners
see every entry and workspace admins their workspaces', read-only."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.urls import reverse

from accounts.api_keys import api_key_create
from accounts.services import user_delete
from feedback.models import Dataset, ExportJob, Webhook
from tests.builders import comparison_dataset
from tests.factories import UserFactory
from tests.feedback.test_admin import change_post, client_for, dataset_post, inline
from workspaces.models import AuditEntry, Membership, Role, Workspace


def admin_settings_dataset(workspace: Workspace, name: str, **options: Any) -> Dataset:
    """A dataset whose settings are what `dataset_post` sends, so that posting its change
    form changes only what a test means to change."""
    return comparison_dataset(
        workspace,
        name=name,
        guidelines="Be kind.",
        min_submitted=1,
        lease_seconds=900,
        allow_extra_metadata=True,
        shuffle_ranking_options=True,
        **options,
    )


# The admin -------------------------------------------------------------------------


def test_an_admin_dataset_creation_is_one_entry(people, audit_log):
    response = client_for(people.admin_a).post(
        reverse("admin:feedback_dataset_add"), dataset_post(people.workspace_a, "by-form")
    )
    assert response.status_code == 302, response.text[:2000]
    entry = audit_log.one()
    assert (entry.verb, entry.via, entry.actor, entry.workspace) == (
        "dataset created",
        "admin",
        people.admin_a,
        people.workspace_a,
    )
    assert entry.changes["guidelines"] == [None, "Be kind."]


def test_an_admin_question_settings_change_is_one_entry(people, audit_log):
    dataset = admin_settings_dataset(people.workspace_a, "formed")
    topic = dataset.questions.get(name="topic")
    options = [{"value": "code", "text": "Code"}, {"value": "other", "text": "Other"}, {"value": "new"}]
    data = change_post(dataset, topic={"settings": {"options": options}})
    audit_log.new()
    response = client_for(people.admin_a).post(reverse("admin:feedback_dataset_change", args=[dataset.pk]), data)
    assert response.status_code == 302, response.text[:3000]
    entry = audit_log.one()
    assert (entry.verb, entry.via, entry.actor, entry.object_id) == (
        "question changed",
        "admin",
        people.admin_a,
        str(topic.pk),
    )
    old = topic.settings
    topic.refresh_from_db()
    assert [option["value"] for option in topic.settings["options"]] == ["code", "other", "new"]
    assert entry.changes == {"settings": [old, topic.settings]}


def test_a_refused_admin_write_leaves_no_entry(people, audit_log):
    dataset = admin_settings_dataset(people.workspace_a, "formed")
    data = change_post(dataset, quality={"settings": {"options": [{"value": 1}, {"value": 42}]}})
    audit_log.new()
    response = client_for(people.admin_a).post(reverse("admin:feedback_dataset_change", args=[dataset.pk]), data)
    assert response.status_code == 200 and "integer from 0 to 10" in response.text
    assert audit_log.new() == []


def test_admin_grants_are_recorded_once_as_they_change(people, audit_log):
    dataset = admin_settings_dataset(people.workspace_a, "restricted", annotators_restricted=True)
    data = {**change_post(dataset), "annotators_restricted": "on", "reviewers": []}
    url = reverse("admin:feedback_dataset_change", args=[dataset.pk])
    client = client_for(people.admin_a)
    audit_log.new()
    granted = client.post(url, {**data, "granted_annotators": [str(people.labeler_a2.pk)]})
    assert granted.status_code == 302, granted.text[:2000]
    entry = audit_log.one()
    assert (entry.verb, entry.object_type, entry.object_label, entry.via, entry.actor) == (
        "annotator granted",
        "dataset",
        "restricted",
        "admin",
        people.admin_a,
    )
    assert entry.changes == {"annotator": [None, "labeler-a2"]}
    again = client.post(url, {**data, "granted_annotators": [str(people.labeler_a2.pk)]})
    assert again.status_code == 302 and audit_log.new() == []
    revoked = client.post(url, {**data, "granted_annotators": []})
    assert revoked.status_code == 302
    assert (audit_log.one().changes) == {"annotator": ["labeler-a2", None]}


def membership_rows(workspace: Workspace) -> list[dict[str, Any]]:
    return [
        {"id": str(m.pk), "workspace": str(workspace.pk), "user": str(m.user_id), "role": m.role}
        for m in Membership.objects.filter(workspace=workspace).order_by("inserted_at")
    ]


def test_admin_workspace_and_membership_writes_go_through_the_services(people, audit_log):
    client = client_for(people.owner)
    created = client.post(reverse("admin:workspaces_workspace_add"), {"name": "fresh", **inline("memberships", [])})
    assert created.status_code == 302, created.text[:2000]
    workspace = Workspace.objects.get(name="fresh")
    entry = audit_log.one()
    assert (entry.verb, entry.via, entry.actor) == ("workspace created", "admin", people.owner)
    assert entry.workspace == workspace

    rows = [{"user": str(people.labeler_a1.pk), "role": "annotator"}]
    url = reverse("admin:workspaces_workspace_change", args=[workspace.pk])
    added = client.post(url, {"name": "fresh", **inline("memberships", rows)})
    assert added.status_code == 302, added.text[:2000]
    entry = audit_log.one()
    assert (entry.verb, entry.via, entry.changes) == ("member added", "admin", {"role": [None, "annotator"]})

    rows = membership_rows(workspace)
    rows[0]["role"] = "admin"
    changed = client.post(url, {"name": "renamed", **inline("memberships", rows, initial=1)})
    assert changed.status_code == 302, changed.text[:2000]
    renamed, role = audit_log.new()
    assert (renamed.verb, renamed.changes) == ("workspace renamed", {"name": ["fresh", "renamed"]})
    assert (role.verb, role.changes) == ("role changed", {"role": ["annotator", "admin"]})
    assert Membership.objects.get(workspace=workspace).role == Role.ADMIN

    rows = membership_rows(workspace)
    rows[0]["DELETE"] = "on"
    removed = client.post(url, {"name": "renamed", **inline("memberships", rows, initial=1)})
    assert removed.status_code == 302, removed.text[:2000]
    assert audit_log.one().verb == "member removed"
    assert not Membership.objects.filter(workspace=workspace).exists()


def test_an_admin_webhook_creation_records_no_secret(people, audit_log):
    response = client_for(people.owner).post(
        reverse("admin:feedback_webhook_add"),
        {"url": "https://hooks.example.com/in", "events": ["record.created"], "enabled": "on", "description": ""},
    )
    assert response.status_code == 302, response.text[:2000]
    webhook = Webhook.objects.get()
    entry = audit_log.one()
    assert (entry.verb, entry.via, entry.actor, entry.changes["secret"]) == (
        "webhook created",
        "admin",
        people.owner,
        "changed",
    )
    assert webhook.secret not in json.dumps(entry.changes)


def test_an_admin_export_and_key_revocation_are_recorded(people, audit_log):
    dataset = comparison_dataset(people.workspace_a, name="outgoing")
    api_key, _ = api_key_create(user=people.labeler_a1, name="old")
    audit_log.new()
    client = client_for(people.owner)
    exported = client.post(
        reverse("admin:feedback_dataset_changelist"), {"action": "export_raw", "_selected_action": [str(dataset.pk)]}
    )
    assert exported.status_code == 302
    revoked = client.post(
        reverse("admin:accounts_apikey_changelist"), {"action": "revoke", "_selected_action": [str(api_key.pk)]}
    )
    assert revoked.status_code == 302
    export, revocation = audit_log.new()
    assert (export.verb, export.via, export.object_id) == ("export started", "admin", str(ExportJob.objects.get().pk))
    assert (revocation.verb, revocation.via, revocation.actor) == ("key revoked", "admin", people.owner)
    assert list(revocation.changes) == ["revoked_at"] and revocation.changes["revoked_at"][0] is None


# Who sees the log ----------------------------------------------------------------------


@pytest.fixture
def entries(people):
    """An entry in each workspace and an organisation-wide one."""
    comparison_dataset(people.workspace_a, name="in-a", publish=False)
    comparison_dataset(people.workspace_b, name="in-b", publish=False)
    Webhook.objects.all().delete()
    client_for(people.owner).post(
        reverse("admin:feedback_webhook_add"),
        {"url": "https://hooks.example.com/org", "events": ["record.created"], "enabled": "on", "description": ""},
    )
    return AuditEntry.objects.all()


def test_owners_see_every_entry_with_filters_and_search(people, entries):
    client = client_for(people.owner)
    listing = client.get(reverse("admin:workspaces_auditentry_changelist"))
    assert listing.status_code == 200
    assert "in-a" in listing.text and "in-b" in listing.text and "hooks.example.com/org" in listing.text
    listing_url = reverse("admin:workspaces_auditentry_changelist")
    filtered = client.get(f"{listing_url}?workspace__id__exact={people.workspace_b.pk}")
    assert "in-b" in filtered.text and "in-a" not in filtered.text
    searched = client.get(reverse("admin:workspaces_auditentry_changelist") + "?q=hooks.example.com")
    assert "hooks.example.com/org" in searched.text and "in-b" not in searched.text
    webhook_entry = AuditEntry.objects.get(verb="webhook created")
    page = client.get(reverse("admin:workspaces_auditentry_change", args=[webhook_entry.pk]))
    assert page.status_code == 200 and "https://hooks.example.com/org" in page.text


def test_workspace_admins_see_only_their_workspaces_entries(people, entries):
    client = client_for(people.admin_a)
    listing = client.get(reverse("admin:workspaces_auditentry_changelist"))
    assert listing.status_code == 200
    assert "in-a" in listing.text and "in-b" not in listing.text and "hooks.example.com" not in listing.text
    assert "workspace-b" not in listing.text and "owner" not in listing.text  # nor in the filters' choices
    theirs = AuditEntry.objects.filter(workspace=people.workspace_b).first()
    organisation = AuditEntry.objects.get(verb="webhook created")
    for entry in (theirs, organisation):
        response = client.get(reverse("admin:workspaces_auditentry_change", args=[entry.pk]))
        assert response.status_code == 302 and response.url == reverse("admin:index")


def test_labelers_see_no_log(people, entries):
    for user in (people.labeler_a1, people.outsider):
        response = client_for(user).get(reverse("admin:workspaces_auditentry_changelist"))
        assert response.status_code in (302, 403)
        assert "in-a" not in getattr(response, "text", "")


def test_nobody_adds_changes_or_deletes_entries(people, entries):
    entry = AuditEntry.objects.filter(workspace=people.workspace_a).first()
    count = AuditEntry.objects.count()
    for user in (people.owner, people.admin_a):
        client = client_for(user)
        assert client.get(reverse("admin:workspaces_auditentry_add")).status_code == 403
        delete = client.post(reverse("admin:workspaces_auditentry_delete", args=[entry.pk]), {"post": "yes"})
        assert delete.status_code == 403
        change = client.post(
            reverse("admin:workspaces_auditentry_change", args=[entry.pk]), {"verb": "nothing happened"}
        )
        assert change.status_code == 403
        listing = client.get(reverse("admin:workspaces_auditentry_changelist"))
        assert "delete_selected" not in listing.text
        bulk = client.post(
            reverse("admin:workspaces_auditentry_changelist"),
            {"action": "delete_selected", "_selected_action": [str(entry.pk)], "post": "yes"},
        )
        assert bulk.status_code in (200, 302)
    entry.refresh_from_db()
    assert entry.verb != "nothing happened" and AuditEntry.objects.count() == count


def test_an_entry_outlives_its_workspace_and_its_actor(people, audit_log):
    second_owner = UserFactory(username="second-owner", is_superuser=True, is_staff=True)
    client = client_for(second_owner)
    client.post(reverse("admin:workspaces_workspace_add"), {"name": "brief", **inline("memberships", [])})
    workspace = Workspace.objects.get(name="brief")
    response = client.post(reverse("admin:workspaces_workspace_delete", args=[workspace.pk]), {"post": "yes"})
    assert response.status_code == 302
    created, removed = audit_log.new()
    assert removed.verb == "workspace deleted" and removed.workspace_id == workspace.pk
    actor_id = second_owner.pk
    user_delete(user=second_owner, actor=people.owner)
    created.refresh_from_db()
    assert created.actor_id == actor_id and created.actor_label == "second-owner"
    listing = client_for(people.owner).get(reverse("admin:workspaces_auditentry_changelist") + "?q=brief")
    assert listing.status_code == 200
    assert "deleted (" in listing.text and "second-owner" in listing.text


def test_a_key_revoked_on_the_account_page_is_the_holders_through_a_page(people, audit_log):
    api_key, _ = api_key_create(user=people.labeler_a1, name="old", workspace=people.workspace_a)
    audit_log.new()
    response = client_for(people.labeler_a1).post(reverse("account_api_key_revoke", args=[api_key.pk]))
    assert response.status_code == 302
    entry = audit_log.one()
    assert (entry.verb, entry.via, entry.actor, entry.workspace) == (
        "key revoked",
        "page",
        people.labeler_a1,
        people.workspace_a,
    )


def test_an_admin_promotion_to_owner_is_recorded(people, audit_log):
    user = people.labeler_b
    data = {
        "username": user.username,
        "first_name": user.first_name,
        "last_name": user.last_name,
        "email": user.email,
        "is_active": "on",
        "is_staff": "on",
        "is_superuser": "on",
        "last_login_0": "",
        "last_login_1": "",
        "date_joined_0": user.date_joined.strftime("%Y-%m-%d"),
        "date_joined_1": user.date_joined.strftime("%H:%M:%S"),
        **inline("memberships", membership_rows(people.workspace_b), initial=1),
    }
    audit_log.new()
    response = client_for(people.owner).post(reverse("admin:accounts_user_change", args=[user.pk]), data)
    assert response.status_code == 302, response.text[:3000]
    entry = audit_log.one()
    assert (entry.verb, entry.via, entry.actor, entry.object_label) == (
        "person changed",
        "admin",
        people.owner,
        "labeler-b",
    )
    assert entry.changes == {"is_staff": [False, True], "is_superuser": [False, True]}


def test_an_admin_user_creation_is_one_entry_without_the_password(people, audit_log):
    password = "another long passphrase 7"
    data = {
        "username": "hired",
        "usable_password": "true",
        "password1": password,
        "password2": password,
        **inline("memberships", []),
    }
    response = client_for(people.owner).post(reverse("admin:accounts_user_add"), data)
    assert response.status_code == 302, response.text[:3000]
    entry = audit_log.one()
    assert (entry.verb, entry.via, entry.object_label) == ("person created", "admin", "hired")
    assert entry.changes["password"] == "changed"
    assert password not in json.dumps(entry.changes)
