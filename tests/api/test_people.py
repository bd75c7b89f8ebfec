"""People through the API: owners keep control of their own account."""

from __future__ import annotations


def test_owners_cannot_delete_or_demote_themselves(people, api_client_for):
    client = api_client_for(people.owner)
    assert client.delete(f"/api/v1/users/{people.owner.id}").status_code == 409
    assert client.patch(f"/api/v1/users/{people.owner.id}", {"role": "annotator"}, format="json").status_code == 409
    assert client.patch(f"/api/v1/users/{people.owner.id}", {"first_name": "Olga"}, format="json").status_code == 200
    people.owner.refresh_from_db()
    assert people.owner.is_superuser and people.owner.first_name == "Olga"
