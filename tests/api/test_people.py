"""People through the API: owners keep control of their own account."""

from __future__ import annotations


def test_owners_cannot_delete_or_demote_themselves(people, api_client_for):
    client = api_client_for(people.owner)
    assert client.delete(f"/api/v1/users/{people.owner.id}").status_code == 409
    assert client.patch(f"/api/v1/users/{people.owner.id}", {"role": "annotator"}, format="json").status_code == 409
    assert client.patch(f"/api/v1/users/{people.owner.id}", {"first_name": "Olga"}, format="json").status_code == 200
    people.owner.refresh_from_db()
    assert people.owner.is_superuser and people.owner.first_name == "Olga"


def test_a_taken_user_or_workspace_name_is_a_conflict_that_names_it(people, api_client_for):
    client = api_client_for(people.owner)
    answer = client.post("/api/v1/users", {"username": "labeler-a1", "password": "a long passphrase 41"}, format="json")
    assert (answer.status_code, answer.json()) == (409, {"detail": "a user named 'labeler-a1' already exists"})
    answer = client.patch(f"/api/v1/users/{people.labeler_a2.id}", {"username": "labeler-a1"}, format="json")
    assert (answer.status_code, answer.json()) == (409, {"detail": "a user named 'labeler-a1' already exists"})
    answer = client.post("/api/v1/workspaces", {"name": "workspace-a"}, format="json")
    assert (answer.status_code, answer.json()) == (409, {"detail": "a workspace named 'workspace-a' already exists"})
