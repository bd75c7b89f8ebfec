"""The access rules for every role: owner, workspace admin, annotator, other tenant, outsider."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser

from feedback.models import Dataset, Response
from feedback.services.datasets import dataset_create
from feedback.services.responses import response_submit
from tests.builders import add_records, comparison_dataset, full_answer
from workspaces import access


@pytest.fixture
def datasets(people):
    published = comparison_dataset(people.workspace_a, name="published")
    draft = dataset_create(workspace=people.workspace_a, name="draft")
    restricted = comparison_dataset(people.workspace_a, name="restricted", annotators_restricted=True)
    other = comparison_dataset(people.workspace_b, name="other")
    return {"published": published, "draft": draft, "restricted": restricted, "other": other}


VISIBLE = {
    "owner": {"published", "draft", "restricted", "other"},
    "admin_a": {"published", "draft", "restricted"},
    "labeler_a1": {"published"},
    "labeler_b": {"other"},
    "outsider": set(),
}
MANAGED = {
    "owner": {"published", "draft", "restricted", "other"},
    "admin_a": {"published", "draft", "restricted"},
    "labeler_a1": set(),
    "labeler_b": set(),
    "outsider": set(),
}


@pytest.mark.parametrize("who", list(VISIBLE))
def test_who_sees_and_manages_which_dataset(people, datasets, who):
    user = getattr(people, who)
    visible = {d.name for d in access.visible_datasets(user, Dataset.objects.all())}
    assert visible == VISIBLE[who]
    managed = {d.name for d in access.managed_datasets(user, Dataset.objects.all())}
    assert managed == MANAGED[who]
    for name, dataset in datasets.items():
        assert access.can_see_dataset(user, dataset) == (name in VISIBLE[who])
        assert access.can_manage_dataset(user, dataset) == (name in MANAGED[who])
        assert access.can_export_dataset(user, dataset) == (name in MANAGED[who])
        assert access.can_annotate_dataset(user, dataset) == (name in VISIBLE[who] and dataset.is_published)


def test_a_restricted_dataset_opens_to_named_annotators_only(people, datasets):
    restricted = datasets["restricted"]
    access.grant_dataset_access(dataset=restricted, user=people.labeler_a2)
    assert access.can_annotate_dataset(people.labeler_a2, restricted)
    assert not access.can_annotate_dataset(people.labeler_a1, restricted)
    assert {d.name for d in access.visible_datasets(people.labeler_a2, Dataset.objects.all())} == {
        "published",
        "restricted",
    }
    # A grant does not cross the workspace wall.
    access.grant_dataset_access(dataset=restricted, user=people.labeler_b)
    assert not access.can_see_dataset(people.labeler_b, restricted)
    assert "restricted" not in {d.name for d in access.visible_datasets(people.labeler_b, Dataset.objects.all())}
    access.revoke_dataset_access(dataset=restricted, user=people.labeler_a2)
    assert not access.can_annotate_dataset(people.labeler_a2, restricted)


def test_workspaces_visible_and_managed(people):
    assert set(access.visible_workspaces(people.owner)) == {people.workspace_a, people.workspace_b}
    assert list(access.visible_workspaces(people.labeler_a1)) == [people.workspace_a]
    assert list(access.managed_workspaces(people.admin_a)) == [people.workspace_a]
    assert not access.managed_workspaces(people.labeler_a1).exists()
    assert not access.visible_workspaces(people.outsider).exists()
    assert access.can_manage_workspace(people.admin_a, people.workspace_a)
    assert not access.can_manage_workspace(people.admin_a, people.workspace_b)
    assert not access.can_see_workspace(people.labeler_b, people.workspace_a)
    assert access.can_create_workspaces(people.owner) and not access.can_create_workspaces(people.admin_a)


def test_responses_annotators_see_only_their_own(people, datasets):
    record = add_records(datasets["published"], 1)[0]
    for labeler in (people.labeler_a1, people.labeler_a2):
        response_submit(record=record, user=labeler, values=full_answer())
    dataset = datasets["published"]
    responses = Response.objects.filter(record__dataset=dataset)
    assert access.visible_responses(people.admin_a, dataset, responses).count() == 2
    assert list(access.visible_responses(people.labeler_a1, dataset, responses).values_list("user", flat=True)) == [
        people.labeler_a1.id
    ]
    assert not access.visible_responses(people.labeler_b, dataset, responses).exists()
    assert not access.visible_responses(people.outsider, dataset, responses).exists()


def test_inactive_and_anonymous_users_get_nothing(people, datasets):
    people.owner.is_active = False
    people.owner.save()
    for user in (people.owner, AnonymousUser(), None):
        assert not access.visible_datasets(user, Dataset.objects.all()).exists()
        assert not access.can_see_dataset(user, datasets["published"])
        assert not access.visible_workspaces(user).exists()


def test_who_may_review_a_dataset(people):
    dataset = comparison_dataset(people.workspace_a)
    theirs = comparison_dataset(people.workspace_b, name="theirs")
    assert access.can_review(people.owner, dataset) and access.can_review(people.admin_a, dataset)
    assert not access.can_review(people.labeler_a1, dataset)
    access.grant_review(dataset=dataset, user=people.labeler_a1)
    assert access.can_review(people.labeler_a1, dataset)
    assert not access.can_review(people.labeler_a2, dataset)
    # A grant on a dataset the annotator cannot see (restricted, not granted) opens nothing.
    restricted = comparison_dataset(people.workspace_a, name="restricted", annotators_restricted=True)
    access.grant_review(dataset=restricted, user=people.labeler_a2)
    assert not access.can_review(people.labeler_a2, restricted)
    # Other workspaces: never, even with a stray grant.
    access.grant_review(dataset=theirs, user=people.labeler_a1)
    assert not access.can_review(people.labeler_a1, theirs) and not access.can_review(people.admin_a, theirs)
    assert not access.can_send_to_review(people.labeler_a1, dataset)
    access.revoke_review(dataset=dataset, user=people.labeler_a1)
    assert not access.can_review(people.labeler_a1, dataset)
