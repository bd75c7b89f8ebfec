"""Tenants are walls: workspace B's objects do not exist for workspace A's people.

Over HTTP (DRF's test client, API-key auth): every route that takes an id, with every
method it allows, answers 404 to ids of another workspace and changes nothing; the
role matrix of owners, admins, annotators, outsiders and restricted keys; and how a
caller authenticates (API key, Bearer, session with CSRF).
"""

from __future__ import annotations

import io
import json
import re
import secrets
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from django.apps import apps
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.db.models import Model
from django.test import override_settings
from rest_framework.test import APIClient

from accounts.api_keys import ApiKeyError, api_key_create, api_key_revoke
from accounts.models import ApiKey, User
from feedback.api import urls as api_urls
from feedback.models import (
    Dataset,
    ExportJob,
    Field,
    ImportJob,
    MetadataProperty,
    MetricsJob,
    Question,
    Record,
    Response,
    Suggestion,
    VectorSettings,
    Webhook,
)
from feedback.services.exports import export_create, export_run
from feedback.services.imports import import_create, import_run
from feedback.services.metrics import metrics_refresh
from feedback.services.records import records_bulk_upsert
from feedback.services.responses import response_submit
from feedback.services.webhooks import webhook_create
from tests.builders import add_records, comparison_dataset, full_answer, record_item
from tests.conftest import FAST_HASHER, People, build_people
from tests.factories import MembershipFactory, WorkspaceFactory
from tests.webhook_receiver import serving_receiver
from workspaces.models import Membership, Role, Workspace

API = "/api/v1/"
STORED_APPS = ("accounts", "workspaces", "feedback")


# Helpers -----------------------------------------------------------------------------


def key_client(key: str) -> APIClient:
    client = APIClient(raise_request_exception=False)
    client.credentials(HTTP_X_ARGILLA_API_KEY=key)
    return client


def send(client: APIClient, method: str, url: str, body: Any = None) -> Any:
    if body is None:
        return client.generic(method, url)
    if isinstance(body, dict) and isinstance(body.get("file"), bytes):  # an upload, sent afresh each time
        upload = SimpleUploadedFile("records.jsonl", body["file"])
        return client.post(url, {**body, "file": upload}, format="multipart")
    return client.generic(method, url, json.dumps(body), content_type="application/json")


def detail_of(response: Any) -> Any:
    assert response["Content-Type"].startswith("application/json"), response.content[:300]
    payload = response.json()
    assert isinstance(payload, dict), payload
    assert "detail" in payload, payload
    return payload["detail"]


def _rows(model: type[Model]) -> list[dict[str, Any]]:
    rows = model.objects.order_by("pk")
    if model is ApiKey:
        # Authenticating records when a key was last used; everything else must stay.
        return list(rows.values("id", "user_id", "name", "workspace_id", "read_only", "revoked_at", "digest"))
    return list(rows.values())


def stored() -> dict[str, list[dict[str, Any]]]:
    """Every row of Feedloop's own tables: a refused request must leave all of them alone."""
    return {model._meta.label: _rows(model) for name in STORED_APPS for model in apps.get_app_config(name).get_models()}


def fill(route: str, ids: dict[str, Any]) -> str:
    """`datasets/<str:dataset_id>/fields` with ids → a concrete path (KeyError if one is missing)."""
    return re.sub(r"<(?:\w+:)?(\w+)>", lambda match: str(ids[match.group(1)]), route)


def id_routes() -> list[tuple[str, str]]:
    """(route, method) for every id-taking route of /api/v1 and every method it allows."""
    found = []
    for pattern in api_urls.urlpatterns:
        if not pattern.pattern.converters:
            continue
        view_class = pattern.callback.cls
        for method in sorted(view_class.http_method_names):
            if method != "options":  # OPTIONS describes the view, the same for any id
                found.append((str(pattern.pattern), method.upper()))
    return found


ID_ROUTES = id_routes()


# Workspace B, built through the services ---------------------------------------------


@dataclass
class TenantB:
    workspace: Workspace
    labeler: User
    published: Dataset
    draft: Dataset
    records: list[Record]
    response: Response
    suggestion: Suggestion
    api_key: ApiKey
    webhook: Webhook
    export: ExportJob
    import_job: ImportJob
    metrics_job: MetricsJob

    def ids(self, *, draft: bool = False) -> dict[str, Any]:
        """Ids of B's objects by URL parameter name; schema objects of the draft with `draft`."""
        dataset = self.draft if draft else self.published
        return {
            "key_id": self.api_key.pk,
            "workspace_id": self.workspace.pk,
            "user_id": self.labeler.pk,
            "dataset_id": dataset.pk,
            "field_id": Field.objects.get(dataset=dataset, name="chat").pk,
            "question_id": Question.objects.get(dataset=dataset, name="comment").pk,
            "prop_id": MetadataProperty.objects.get(dataset=dataset, name="model").pk,
            "settings_id": VectorSettings.objects.get(dataset=dataset, name="embedding").pk,
            "record_id": self.records[1].pk,
            "suggestion_id": self.suggestion.pk,
            "response_id": self.response.pk,
            "webhook_id": self.webhook.pk,
            "export_id": self.export.pk,
            "import_id": self.import_job.pk,
            "metrics_job_id": self.metrics_job.pk,
        }


@pytest.fixture
def tenant_b(people: People, settings, tmp_path, receiver) -> TenantB:
    settings.MEDIA_ROOT = tmp_path
    return build_tenant_b(people, receiver.url)


def build_tenant_b(people: People, webhook_url: str) -> TenantB:
    published = comparison_dataset(people.workspace_b, name="b-published")
    records = add_records(published, 3)
    response = response_submit(record=records[0], user=people.labeler_b, values=full_answer())
    records_bulk_upsert(
        dataset=published,
        items=[{"id": str(records[1].pk), "suggestions": [{"question_name": "quality", "value": 3, "agent": "m"}]}],
    )
    draft = comparison_dataset(people.workspace_b, name="b-draft", publish=False)
    api_key, _ = api_key_create(user=people.labeler_b, name="b's key")
    return TenantB(
        workspace=people.workspace_b,
        labeler=people.labeler_b,
        published=published,
        draft=draft,
        records=records,
        response=response,
        suggestion=Suggestion.objects.get(record=records[1]),
        api_key=api_key,
        # A real endpoint: the owner's control ping must be taken.
        webhook=webhook_create(url=webhook_url, events=["dataset.created"]),
        export=export_run(job_id=export_create(dataset=published, user=people.owner, layout="raw").pk),
        import_job=import_run(
            job_id=import_create(
                dataset=published,
                user=people.owner,
                file=io.BytesIO(json.dumps(record_item(99)["fields"]).encode() + b"\n"),
                filename="b.jsonl",
                run_in_background=False,
            ).pk
        ),
        metrics_job=metrics_refresh(dataset=published, user=people.owner, queue_run=False),
    )


# What each wall case sends: valid-looking, so that a missing wall would succeed -------


@dataclass(frozen=True)
class WallCase:
    body: Callable[[TenantB, People], Any] | None = None
    query: Callable[[TenantB], str] | None = None
    draft: bool = False  # use the draft dataset (schema changes are only allowed there)
    # Organisation-wide objects (webhooks) belong to no workspace: only unrestricted owners
    # manage them, so every wall caller is a member lacking the role (403), whatever the id.
    organisation_wide: bool = False


def _answer(b: TenantB, p: People) -> dict[str, Any]:
    return {"values": full_answer(), "status": "submitted"}


def _records(b: TenantB, p: People) -> dict[str, Any]:
    return {"items": [record_item(90)]}


WALL_CASES: dict[tuple[str, str], WallCase] = {
    ("me/api-keys/<str:key_id>", "DELETE"): WallCase(),
    ("workspaces/<str:workspace_id>", "GET"): WallCase(),
    ("workspaces/<str:workspace_id>", "DELETE"): WallCase(),
    ("workspaces/<str:workspace_id>/users", "GET"): WallCase(),
    ("workspaces/<str:workspace_id>/users", "POST"): WallCase(body=lambda b, p: {"user_id": str(p.labeler_a2.pk)}),
    ("workspaces/<str:workspace_id>/users/<str:user_id>", "DELETE"): WallCase(),
    ("users/<str:user_id>", "GET"): WallCase(),
    ("users/<str:user_id>", "PATCH"): WallCase(body=lambda b, p: {"first_name": "hacked", "role": "annotator"}),
    ("users/<str:user_id>", "DELETE"): WallCase(),
    ("users/<str:user_id>/workspaces", "GET"): WallCase(),
    ("me/datasets/<str:dataset_id>/metadata-properties", "GET"): WallCase(),
    ("me/datasets/<str:dataset_id>/records/next", "GET"): WallCase(),
    ("datasets/<str:dataset_id>", "GET"): WallCase(),
    ("datasets/<str:dataset_id>", "PATCH"): WallCase(body=lambda b, p: {"name": "hacked"}),
    ("datasets/<str:dataset_id>", "DELETE"): WallCase(),
    ("datasets/<str:dataset_id>/publish", "PUT"): WallCase(draft=True),
    ("datasets/<str:dataset_id>/progress", "GET"): WallCase(),
    ("datasets/<str:dataset_id>/users/progress", "GET"): WallCase(),
    ("datasets/<str:dataset_id>/fields", "GET"): WallCase(),
    ("datasets/<str:dataset_id>/fields", "POST"): WallCase(
        draft=True, body=lambda b, p: {"name": "hacked", "settings": {"type": "text"}}
    ),
    ("datasets/<str:dataset_id>/questions", "GET"): WallCase(),
    ("datasets/<str:dataset_id>/questions", "POST"): WallCase(
        draft=True, body=lambda b, p: {"name": "hacked", "settings": {"type": "text"}}
    ),
    ("datasets/<str:dataset_id>/metadata-properties", "POST"): WallCase(
        body=lambda b, p: {"name": "hacked", "settings": {"type": "terms", "values": ["x"]}}
    ),
    ("datasets/<str:dataset_id>/vectors-settings", "GET"): WallCase(),
    ("datasets/<str:dataset_id>/vectors-settings", "POST"): WallCase(
        body=lambda b, p: {"name": "hacked", "dimensions": 3}
    ),
    ("fields/<str:field_id>", "PATCH"): WallCase(draft=True, body=lambda b, p: {"title": "hacked"}),
    ("fields/<str:field_id>", "DELETE"): WallCase(draft=True),
    ("questions/<str:question_id>", "PATCH"): WallCase(draft=True, body=lambda b, p: {"title": "hacked"}),
    ("questions/<str:question_id>", "DELETE"): WallCase(draft=True),
    ("metadata-properties/<str:prop_id>", "PATCH"): WallCase(body=lambda b, p: {"title": "hacked"}),
    ("metadata-properties/<str:prop_id>", "DELETE"): WallCase(),
    ("vectors-settings/<str:settings_id>", "PATCH"): WallCase(body=lambda b, p: {"title": "hacked"}),
    ("vectors-settings/<str:settings_id>", "DELETE"): WallCase(),
    ("datasets/<str:dataset_id>/records", "GET"): WallCase(
        query=lambda b: "?include=responses&include=suggestions&include=vectors"
    ),
    ("datasets/<str:dataset_id>/records", "DELETE"): WallCase(query=lambda b: f"?ids={b.records[2].pk}"),
    ("datasets/<str:dataset_id>/records/bulk", "PUT"): WallCase(body=_records),
    ("datasets/<str:dataset_id>/records/bulk", "POST"): WallCase(body=_records),
    ("datasets/<str:dataset_id>/records/search", "POST"): WallCase(
        body=lambda b, p: {"query": {"text": {"q": "Lovelace"}}}
    ),
    ("records/<str:record_id>", "GET"): WallCase(query=lambda b: "?include=responses&include=suggestions"),
    ("records/<str:record_id>", "PATCH"): WallCase(body=lambda b, p: {"metadata": {"model": "b", "length": 1}}),
    ("records/<str:record_id>", "DELETE"): WallCase(),
    ("records/<str:record_id>/responses", "POST"): WallCase(body=_answer),
    ("records/<str:record_id>/suggestions", "GET"): WallCase(),
    ("records/<str:record_id>/suggestions", "PUT"): WallCase(
        body=lambda b, p: {
            "question_id": str(Question.objects.get(dataset=b.published, name="quality").pk),
            "value": 1,
            "agent": "hacked",
        }
    ),
    ("records/<str:record_id>/suggestions", "DELETE"): WallCase(query=lambda b: f"?ids={b.suggestion.pk}"),
    ("records/<str:record_id>/gold", "PUT"): WallCase(body=lambda b, p: {"values": {"quality": {"value": 2}}}),
    ("records/<str:record_id>/gold", "DELETE"): WallCase(),
    ("suggestions/<str:suggestion_id>", "DELETE"): WallCase(),
    ("responses/<str:response_id>", "PUT"): WallCase(
        body=lambda b, p: {"values": full_answer(quality={"value": 1}), "status": "submitted"}
    ),
    ("responses/<str:response_id>", "DELETE"): WallCase(),
    ("webhooks/<str:webhook_id>", "PATCH"): WallCase(
        organisation_wide=True, body=lambda b, p: {"url": "https://attacker.example.test/", "enabled": True}
    ),
    ("webhooks/<str:webhook_id>", "DELETE"): WallCase(organisation_wide=True),
    ("webhooks/<str:webhook_id>/ping", "POST"): WallCase(organisation_wide=True),
    ("datasets/<str:dataset_id>/metrics", "GET"): WallCase(),
    ("datasets/<str:dataset_id>/leaderboard", "GET"): WallCase(),
    ("datasets/<str:dataset_id>/leaderboard.csv", "GET"): WallCase(),
    ("datasets/<str:dataset_id>/exports", "POST"): WallCase(body=lambda b, p: {"layout": "raw"}),
    ("exports/<str:export_id>", "GET"): WallCase(),
    ("exports/<str:export_id>/file", "GET"): WallCase(),
    ("datasets/<str:dataset_id>/imports", "POST"): WallCase(
        body=lambda b, p: {"file": json.dumps(record_item(7)["fields"]).encode() + b"\n"}
    ),
    ("imports/<str:import_id>", "GET"): WallCase(),
    ("metrics-jobs/<str:metrics_job_id>", "GET"): WallCase(),
}

WALL_CALLERS = ("admin_a", "labeler_a1", "owner_key_limited_to_a")


def _wall_key(caller: str, people: People) -> str:
    if caller == "owner_key_limited_to_a":
        return api_key_create(user=people.owner, name="limited", workspace=people.workspace_a)[1]
    return api_key_create(user=getattr(people, caller), name="wall")[1]


# a) Every id-taking route, every method --------------------------------------------


def test_the_wall_cases_cover_every_id_taking_route_and_method():
    routes = set(ID_ROUTES)
    assert routes, "no id-taking routes found in feedback/api/urls.py"
    missing = sorted(routes - set(WALL_CASES))
    stale = sorted(set(WALL_CASES) - routes)
    assert not missing, f"routes without a wall case (add them to WALL_CASES): {missing}"
    assert not stale, f"wall cases for routes or methods that no longer exist: {stale}"


@pytest.fixture(scope="class")
def walled(django_db_setup, django_db_blocker, tmp_path_factory) -> Iterator[tuple[People, TenantB]]:
    """The people and workspace B, built once for the few hundred route cases below.

    Built inside a transaction that is rolled back after the class; each case runs in a
    savepoint within it (the `db` fixture), so whatever a case changes is undone before
    the next one, exactly as with per-test data.
    """
    with (
        django_db_blocker.unblock(),
        override_settings(MEDIA_ROOT=tmp_path_factory.mktemp("walls"), PASSWORD_HASHERS=[FAST_HASHER]),
        serving_receiver() as receiver,
        transaction.atomic(),
    ):
        people = build_people()
        yield people, build_tenant_b(people, receiver.url)
        transaction.set_rollback(True)


class TestEveryIdTakingRoute:
    @pytest.mark.parametrize("caller", WALL_CALLERS)
    @pytest.mark.parametrize(("route", "method"), ID_ROUTES, ids=[f"{m} {r}" for r, m in ID_ROUTES])
    def test_ids_of_another_workspace_are_not_found(
        self, route: str, method: str, caller: str, walled: tuple[People, TenantB], db
    ):
        people, tenant_b = walled
        case = WALL_CASES.get((route, method))
        assert case is not None, f"no wall case for {method} {route}: add one to WALL_CASES"
        client = key_client(_wall_key(caller, people))
        query = case.query(tenant_b) if case.query else ""
        body = case.body(tenant_b, people) if case.body else None
        url = API + fill(route, tenant_b.ids(draft=case.draft)) + query
        before = stored()

        response = send(client, method, url, body)

        expected = 403 if case.organisation_wide else 404
        assert response.status_code == expected, (
            f"{caller}: {method} {url} -> {response.status_code}, expected {expected}: {response.content[:300]!r}"
        )
        detail = detail_of(response)
        assert stored() == before, f"{caller}: {method} {url} changed stored rows"
        # Never reveal existence: B's ids answer exactly as ids that exist nowhere.
        nowhere = {name: uuid.uuid4() for name in re.findall(r"<(?:\w+:)?(\w+)>", route)}
        unknown = send(client, method, API + fill(route, nowhere), body)
        assert (unknown.status_code, detail_of(unknown)) == (expected, detail)


def test_ids_of_another_workspace_inside_bodies_and_mixed_paths_are_refused(people: People, tenant_b: TenantB):
    """A's admin points A's routes at B's objects: nothing of B is touched or revealed."""
    client = key_client(api_key_create(user=people.admin_a, name="mix")[1])
    dataset_a = comparison_dataset(people.workspace_a, name="a-published")
    record_a = add_records(dataset_a, 1)[0]
    b_quality = Question.objects.get(dataset=tenant_b.published, name="quality")
    before_b = {
        "records": list(Record.objects.filter(dataset__workspace=tenant_b.workspace).order_by("pk").values()),
        "responses": list(Response.objects.filter(record__dataset=tenant_b.published).order_by("pk").values()),
        "memberships": list(Membership.objects.filter(user=tenant_b.labeler).order_by("pk").values()),
    }
    keys_before = ApiKey.objects.filter(user=people.admin_a).count()
    datasets_before = Dataset.objects.count()

    # B's user in A's workspace path: only owners manage members, so A's admin lacks the
    # role (403, decided before any user is looked up: nothing about B's user leaks).
    gone = send(client, "DELETE", f"{API}workspaces/{people.workspace_a.pk}/users/{tenant_b.labeler.pk}")
    assert gone.status_code == 403, gone.content
    # A dataset or a key in B's workspace.
    made = send(client, "POST", f"{API}datasets", {"name": "sneaky", "workspace_id": str(tenant_b.workspace.pk)})
    assert made.status_code == 404, made.content
    key = send(client, "POST", f"{API}me/api-keys", {"name": "sneaky", "workspace_id": str(tenant_b.workspace.pk)})
    assert key.status_code == 404, key.content
    # Responses to B's record through the bulk endpoint: a per-item "not found".
    bulk = send(
        client,
        "POST",
        f"{API}me/responses/bulk",
        {"items": [{"record_id": str(tenant_b.records[1].pk), "values": full_answer(), "status": "submitted"}]},
    )
    assert bulk.status_code == 200, bulk.content
    assert bulk.json()["items"][0]["item"] is None
    assert "not found" in bulk.json()["items"][0]["error"]["detail"].lower()
    # A suggestion on A's record naming B's question.
    suggestion = send(
        client, "PUT", f"{API}records/{record_a.pk}/suggestions", {"question_id": str(b_quality.pk), "value": 2}
    )
    assert suggestion.status_code == 422, suggestion.content
    # A response in A's dataset written for B's labeler.
    item = record_item(
        7, responses=[{"user_id": str(tenant_b.labeler.pk), "values": full_answer(), "status": "submitted"}]
    )
    upsert = send(client, "PUT", f"{API}datasets/{dataset_a.pk}/records/bulk", {"items": [item]})
    assert upsert.status_code == 422, upsert.content
    # B's record id sent as the id of a record of A's dataset: never B's record.
    moved = send(
        client,
        "PUT",
        f"{API}datasets/{dataset_a.pk}/records/bulk",
        {"items": [{**record_item(8), "id": str(tenant_b.records[2].pk)}]},
    )
    assert moved.status_code == 200, moved.content
    assert moved.json()["items"][0]["id"] != str(tenant_b.records[2].pk)
    assert moved.json()["items"][0]["dataset_id"] == str(dataset_a.pk)

    assert Dataset.objects.count() == datasets_before
    assert ApiKey.objects.filter(user=people.admin_a).count() == keys_before
    assert not Suggestion.objects.filter(question=b_quality, record=record_a).exists()
    assert {
        "records": list(Record.objects.filter(dataset__workspace=tenant_b.workspace).order_by("pk").values()),
        "responses": list(Response.objects.filter(record__dataset=tenant_b.published).order_by("pk").values()),
        "memberships": list(Membership.objects.filter(user=tenant_b.labeler).order_by("pk").values()),
    } == before_b


def test_an_admin_cannot_pull_a_user_they_cannot_see_into_their_workspace(people: People, tenant_b: TenantB):
    """Only owners add people to workspaces: A's admin lacks the role (403), whoever they name."""
    client = key_client(api_key_create(user=people.admin_a, name="pull")[1])

    response = send(
        client, "POST", f"{API}workspaces/{people.workspace_a.pk}/users", {"user_id": str(tenant_b.labeler.pk)}
    )

    assert response.status_code == 403, response.content
    detail_of(response)
    assert not Membership.objects.filter(user=tenant_b.labeler, workspace=people.workspace_a).exists()


# b) The role matrix ------------------------------------------------------------------


CALLERS = ("owner", "admin_a", "labeler_a1", "outsider", "admin_a_read_only", "owner_limited_to_a")


@dataclass
class World:
    people: People
    published_a: Dataset
    draft_a: Dataset
    records_a: list[Record]
    empty_workspace: Workspace
    published_b: Dataset
    records_b: list[Record]
    keys: dict[str, str] = field(default_factory=dict)


@pytest.fixture
def world(people: People) -> World:
    published_a = comparison_dataset(people.workspace_a, name="a-published")
    records_a = add_records(published_a, 3)
    response_submit(record=records_a[0], user=people.labeler_a1, values=full_answer())
    response_submit(record=records_a[0], user=people.labeler_a2, values=full_answer(quality={"value": 2}))
    draft_a = comparison_dataset(people.workspace_a, name="a-draft", publish=False)
    empty = WorkspaceFactory(name="workspace-a-empty")
    MembershipFactory(workspace=empty, user=people.admin_a, role=Role.ADMIN)
    MembershipFactory(workspace=empty, user=people.labeler_a1, role=Role.ANNOTATOR)
    published_b = comparison_dataset(people.workspace_b, name="b-published")
    records_b = add_records(published_b, 2)
    keys = {
        "owner": api_key_create(user=people.owner, name="owner")[1],
        "admin_a": api_key_create(user=people.admin_a, name="admin")[1],
        "labeler_a1": api_key_create(user=people.labeler_a1, name="labeler")[1],
        "outsider": api_key_create(user=people.outsider, name="outsider")[1],
        "admin_a_read_only": api_key_create(user=people.admin_a, name="admin ro", read_only=True)[1],
        "owner_limited_to_a": api_key_create(user=people.owner, name="owner a", workspace=people.workspace_a)[1],
    }
    return World(people, published_a, draft_a, records_a, empty, published_b, records_b, keys)


@dataclass(frozen=True)
class Row:
    name: str
    method: str
    path: Callable[[World], str]
    expected: tuple[int, int, int, int, int, int]  # in the order of CALLERS
    body: Callable[[World], Any] | None = None


ROWS = [
    Row("list datasets", "GET", lambda w: "me/datasets", (200, 200, 200, 200, 200, 200)),
    Row("get published dataset of A", "GET", lambda w: f"datasets/{w.published_a.pk}", (200, 200, 200, 404, 200, 200)),
    Row("get draft dataset of A", "GET", lambda w: f"datasets/{w.draft_a.pk}", (200, 200, 404, 404, 200, 200)),
    Row("get dataset of B", "GET", lambda w: f"datasets/{w.published_b.pk}", (200, 404, 404, 404, 404, 404)),
    Row(
        "patch dataset of A",
        "PATCH",
        lambda w: f"datasets/{w.published_a.pk}",
        (200, 200, 403, 404, 403, 200),
        body=lambda w: {"guidelines": "Be kind."},
    ),
    Row(
        "patch dataset of B",
        "PATCH",
        lambda w: f"datasets/{w.published_b.pk}",
        (200, 404, 404, 404, 403, 404),
        body=lambda w: {"guidelines": "Be kind."},
    ),
    Row("publish draft of A", "PUT", lambda w: f"datasets/{w.draft_a.pk}/publish", (200, 200, 404, 404, 403, 200)),
    Row(
        "add field to draft of A",
        "POST",
        lambda w: f"datasets/{w.draft_a.pk}/fields",
        (201, 201, 404, 404, 403, 201),
        body=lambda w: {"name": "notes", "settings": {"type": "text"}},
    ),
    Row(
        "add question to draft of A",
        "POST",
        lambda w: f"datasets/{w.draft_a.pk}/questions",
        (201, 201, 404, 404, 403, 201),
        body=lambda w: {"name": "notes", "settings": {"type": "text"}},
    ),
    Row(
        "upsert records into A",
        "PUT",
        lambda w: f"datasets/{w.published_a.pk}/records/bulk",
        (200, 200, 403, 404, 403, 200),
        body=lambda w: {"items": [record_item(50)]},
    ),
    Row(
        "upsert records into B",
        "PUT",
        lambda w: f"datasets/{w.published_b.pk}/records/bulk",
        (200, 404, 404, 404, 403, 404),
        body=lambda w: {"items": [record_item(50)]},
    ),
    Row(
        "list records of A with responses",
        "GET",
        lambda w: f"datasets/{w.published_a.pk}/records?include=responses",
        (200, 200, 200, 404, 200, 200),
    ),
    Row(
        "list records of B",
        "GET",
        lambda w: f"datasets/{w.published_b.pk}/records?include=responses",
        (200, 404, 404, 404, 404, 404),
    ),
    Row(
        "answer a record of A",
        "POST",
        lambda w: f"records/{w.records_a[1].pk}/responses",
        (201, 201, 201, 404, 403, 201),
        body=lambda w: {"values": full_answer(), "status": "submitted"},
    ),
    Row(
        "answer a record of B",
        "POST",
        lambda w: f"records/{w.records_b[1].pk}/responses",
        (201, 404, 404, 404, 403, 404),
        body=lambda w: {"values": full_answer(), "status": "submitted"},
    ),
    Row("list users", "GET", lambda w: "users", (200, 200, 403, 403, 200, 200)),
    Row(
        "create a user",
        "POST",
        lambda w: "users",
        # A key limited to one workspace may not act for the whole organisation (as POST /workspaces).
        (201, 403, 403, 403, 403, 403),
        body=lambda w: {"username": "new-person", "password": "a-long-password-123"},
    ),
    Row(
        "create a workspace",
        "POST",
        lambda w: "workspaces",
        (201, 403, 403, 403, 403, 403),
        body=lambda w: {"name": "new-workspace"},
    ),
    Row(
        "delete an empty workspace of A's people",
        "DELETE",
        lambda w: f"workspaces/{w.empty_workspace.pk}",
        (200, 403, 403, 404, 403, 404),
    ),
    Row(
        "list users of workspace A",
        "GET",
        lambda w: f"workspaces/{w.people.workspace_a.pk}/users",
        (200, 200, 403, 404, 200, 200),
    ),
    Row(
        "list users of workspace B",
        "GET",
        lambda w: f"workspaces/{w.people.workspace_b.pk}/users",
        (200, 404, 404, 404, 404, 404),
    ),
    Row(
        "create an unrestricted api key",
        "POST",
        lambda w: "me/api-keys",
        # A limited key makes keys only for its own workspace; a read-only key makes none.
        (201, 201, 201, 201, 403, 403),
        body=lambda w: {"name": "another"},
    ),
]


@pytest.mark.parametrize("caller_index", range(len(CALLERS)), ids=CALLERS)
@pytest.mark.parametrize("row", ROWS, ids=[row.name for row in ROWS])
def test_role_matrix(row: Row, caller_index: int, world: World):
    caller = CALLERS[caller_index]
    expected = row.expected[caller_index]
    client = key_client(world.keys[caller])
    url = API + row.path(world)
    before = stored()

    response = send(client, row.method, url, row.body(world) if row.body else None)

    assert response.status_code == expected, (
        f"{caller}: {row.method} {url} -> {response.status_code}, expected {expected}: {response.content[:300]!r}"
    )
    if expected >= 400:
        detail_of(response)
        assert stored() == before, f"{caller}: a refused {row.method} {url} changed stored rows"
    else:
        assert response["Content-Type"].startswith("application/json")


@pytest.mark.parametrize(
    ("caller", "names"),
    [
        ("owner", {"a-published", "a-draft", "b-published"}),
        ("admin_a", {"a-published", "a-draft"}),
        ("labeler_a1", {"a-published"}),
        ("outsider", set()),
        ("admin_a_read_only", {"a-published", "a-draft"}),
        ("owner_limited_to_a", {"a-published", "a-draft"}),
    ],
)
def test_dataset_list_holds_only_what_the_caller_may_see(caller: str, names: set[str], world: World):
    response = key_client(world.keys[caller]).get(f"{API}me/datasets")

    assert response.status_code == 200
    assert {item["name"] for item in response.json()["items"]} == names


@pytest.mark.parametrize(
    ("caller", "visible"),
    [
        ("owner", {"owner", "admin-a", "labeler-a1", "labeler-a2", "labeler-b", "outsider"}),
        ("admin_a", {"admin-a", "labeler-a1", "labeler-a2"}),
        ("owner_limited_to_a", {"owner", "admin-a", "labeler-a1", "labeler-a2"}),
    ],
)
def test_user_list_holds_only_the_people_of_the_callers_workspaces(caller: str, visible: set[str], world: World):
    response = key_client(world.keys[caller]).get(f"{API}users")

    assert response.status_code == 200
    assert {item["username"] for item in response.json()["items"]} == visible


def test_owner_key_limited_to_a_workspace_sees_nothing_outside_it(world: World):
    client = key_client(world.keys["owner_limited_to_a"])
    workspace_b = world.people.workspace_b

    assert client.get(f"{API}workspaces/{workspace_b.pk}").status_code == 404
    assert client.get(f"{API}users/{world.people.labeler_b.pk}").status_code == 404
    assert client.get(f"{API}me/datasets?workspace_id={workspace_b.pk}").json() == {"items": []}
    assert [item["id"] for item in client.get(f"{API}workspaces").json()["items"]] == [str(world.people.workspace_a.pk)]
    assert [item["id"] for item in client.get(f"{API}me/workspaces").json()["items"]] == [
        str(world.people.workspace_a.pk)
    ]


def test_outsider_sees_empty_lists(world: World):
    client = key_client(world.keys["outsider"])

    assert client.get(f"{API}me/datasets").json() == {"items": []}
    assert client.get(f"{API}me/workspaces").json() == {"items": []}
    assert client.get(f"{API}workspaces").json() == {"items": []}


def _responders(client: APIClient, url: str) -> dict[str, set[str]]:
    response = client.get(url)
    assert response.status_code == 200, response.content
    payload = response.json()
    records = payload.get("items", [payload])
    return {record["id"]: {answer["user_id"] for answer in record["responses"]} for record in records}


@pytest.mark.parametrize(
    ("caller", "sees"),
    [
        ("labeler_a1", {"labeler_a1"}),
        ("admin_a", {"labeler_a1", "labeler_a2"}),
        ("owner", {"labeler_a1", "labeler_a2"}),
        ("admin_a_read_only", {"labeler_a1", "labeler_a2"}),
    ],
)
def test_annotators_see_only_their_own_responses_and_managers_see_all(caller: str, sees: set[str], world: World):
    client = key_client(world.keys[caller])
    record = world.records_a[0]
    expected = {str(getattr(world.people, name).pk) for name in sees}

    listed = _responders(client, f"{API}datasets/{world.published_a.pk}/records?include=responses")
    single = _responders(client, f"{API}records/{record.pk}?include=responses")

    assert listed[str(record.pk)] == expected
    assert single[str(record.pk)] == expected


def test_labeler_a2_sees_only_their_own_response_too(world: World):
    client = key_client(api_key_create(user=world.people.labeler_a2, name="a2")[1])

    listed = _responders(client, f"{API}datasets/{world.published_a.pk}/records?include=responses")

    assert listed[str(world.records_a[0].pk)] == {str(world.people.labeler_a2.pk)}


def test_a_key_cannot_be_limited_to_a_workspace_its_user_does_not_belong_to(people: People):
    with pytest.raises(ApiKeyError):
        api_key_create(user=people.admin_a, name="b only", workspace=people.workspace_b)
    assert not ApiKey.objects.filter(user=people.admin_a).exists()

    client = key_client(api_key_create(user=people.admin_a, name="mine")[1])
    response = send(client, "POST", f"{API}me/api-keys", {"name": "b only", "workspace_id": str(people.workspace_b.pk)})

    assert response.status_code == 404, response.content
    detail_of(response)
    assert list(ApiKey.objects.filter(user=people.admin_a).values_list("name", flat=True)) == ["mine"]


def test_a_key_limited_to_a_members_workspace_works_inside_it(people: People):
    dataset = comparison_dataset(people.workspace_a, name="a-published")
    _, key = api_key_create(user=people.admin_a, name="a only", workspace=people.workspace_a)

    response = key_client(key).get(f"{API}datasets/{dataset.pk}")

    assert response.status_code == 200
    assert response.json()["id"] == str(dataset.pk)


def write_routes() -> list[tuple[str, str]]:
    """(route, method) for every route and every method that is not a read."""
    found = []
    for pattern in api_urls.urlpatterns:
        for method in sorted(pattern.callback.cls.http_method_names):
            if method not in ("get", "head", "options"):
                found.append((str(pattern.pattern), method.upper()))
    return found


WRITE_ROUTES = write_routes()

# Bodies for the writes that take no id (those with an id reuse WALL_CASES).
PLAIN_WRITES: dict[tuple[str, str], Callable[[TenantB, People], Any]] = {
    ("me/api-keys", "POST"): lambda b, p: {"name": "escalated"},
    ("workspaces", "POST"): lambda b, p: {"name": "read-only-workspace"},
    ("users", "POST"): lambda b, p: {"username": "read-only-user", "password": "a-long-password-123"},
    ("datasets", "POST"): lambda b, p: {"name": "read-only-dataset", "workspace_id": str(b.workspace.pk)},
    ("me/responses/bulk", "POST"): lambda b, p: {
        "items": [{"record_id": str(b.records[1].pk), "values": full_answer(), "status": "submitted"}]
    },
    ("webhooks", "POST"): lambda b, p: {"url": "https://hooks.example.test/new", "events": ["dataset.created"]},
}


@pytest.mark.parametrize(("route", "method"), WRITE_ROUTES, ids=[f"{m} {r}" for r, m in WRITE_ROUTES])
def test_a_read_only_key_cannot_write_on_any_route(route: str, method: str, people: People, tenant_b: TenantB):
    """The owner's read-only key: every write is 403 and stores nothing (the same requests
    succeed with the owner's ordinary key, see the control test above)."""
    _, key = api_key_create(user=people.owner, name="read only", read_only=True)
    if (route, method) in WALL_CASES:
        case = WALL_CASES[(route, method)]
        body = case.body(tenant_b, people) if case.body else None
        url = API + fill(route, tenant_b.ids(draft=case.draft)) + (case.query(tenant_b) if case.query else "")
    else:
        make_body = PLAIN_WRITES.get((route, method))
        assert make_body is not None, f"no body for {method} {route}: add one to PLAIN_WRITES"
        body, url = make_body(tenant_b, people), API + route
    before = stored()

    response = send(key_client(key), method, url, body)

    assert response.status_code == 403, f"{method} {url} -> {response.status_code} {response.content[:300]!r}"
    detail_of(response)
    assert stored() == before


@pytest.mark.parametrize(("route", "method"), sorted(PLAIN_WRITES), ids=[f"{m} {r}" for r, m in sorted(PLAIN_WRITES)])
def test_control_the_plain_writes_succeed_with_an_ordinary_key(
    route: str, method: str, people: People, tenant_b: TenantB
):
    _, key = api_key_create(user=people.owner, name="ordinary")

    response = send(key_client(key), method, API + route, PLAIN_WRITES[(route, method)](tenant_b, people))

    assert 200 <= response.status_code < 300, response.content[:300]


# c) Authentication -------------------------------------------------------------------


def test_no_key_is_401(people: People):
    client = APIClient(raise_request_exception=False)

    for method, url, body in (("GET", f"{API}me", None), ("POST", f"{API}workspaces", {"name": "nope"})):
        response = send(client, method, url, body)
        assert response.status_code == 401, (method, url, response.content)
        detail_of(response)
    assert not Workspace.objects.filter(name="nope").exists()


@pytest.mark.parametrize(
    "key",
    ["fl_deadbeef_" + "x" * 32, "not-a-key", "fl__", "fl_" + "0" * 8 + "_"],
    ids=["well-formed but unknown", "garbage", "empty parts", "empty secret"],
)
def test_a_wrong_key_is_401(key: str, people: People):
    response = key_client(key).get(f"{API}me")

    assert response.status_code == 401
    detail_of(response)


def test_a_key_with_the_right_prefix_but_wrong_secret_is_401(people: People):
    _, key = api_key_create(user=people.owner, name="real")
    prefix = key.split("_")[1]

    response = key_client(f"fl_{prefix}_{secrets.token_urlsafe(24)}").get(f"{API}me")

    assert response.status_code == 401


def test_a_revoked_key_is_401(people: People):
    api_key, key = api_key_create(user=people.owner, name="soon gone")
    client = key_client(key)
    assert client.get(f"{API}me").status_code == 200

    api_key_revoke(api_key=api_key)
    response = client.post(f"{API}workspaces", {"name": "after-revoke"}, format="json")

    assert client.get(f"{API}me").status_code == 401
    assert response.status_code == 401
    assert not Workspace.objects.filter(name="after-revoke").exists()


def test_a_key_of_a_deactivated_user_is_401(people: People):
    _, key = api_key_create(user=people.admin_a, name="leaver")
    User.objects.filter(pk=people.admin_a.pk).update(is_active=False)

    assert key_client(key).get(f"{API}me").status_code == 401


def test_bearer_authorization_takes_an_api_key(people: People):
    _, key = api_key_create(user=people.admin_a, name="bearer")
    client = APIClient(raise_request_exception=False)

    client.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")
    me = client.get(f"{API}me")
    client.credentials(HTTP_AUTHORIZATION="Bearer fl_deadbeef_wrong")
    wrong = client.get(f"{API}me")

    assert me.status_code == 200
    assert me.json()["username"] == "admin-a"
    assert wrong.status_code == 401


def test_session_login_reads_without_csrf(people: People):
    client = APIClient(enforce_csrf_checks=True, raise_request_exception=False)
    client.force_login(people.labeler_a1)

    response = client.get(f"{API}me")

    assert response.status_code == 200
    assert response.json()["username"] == "labeler-a1"


def test_session_writes_need_the_csrf_token(people: People):
    client = APIClient(enforce_csrf_checks=True, raise_request_exception=False)
    client.force_login(people.owner)

    refused = client.post(f"{API}workspaces", {"name": "via-session"}, format="json")

    assert refused.status_code == 403
    assert "csrf" in str(detail_of(refused)).lower()
    assert not Workspace.objects.filter(name="via-session").exists()

    token = secrets.token_hex(16)  # 32 characters: a valid CSRF secret, sent as cookie and header
    client.cookies["csrftoken"] = token
    accepted = client.post(f"{API}workspaces", {"name": "via-session"}, format="json", HTTP_X_CSRFTOKEN=token)

    assert accepted.status_code == 201, accepted.content
    assert Workspace.objects.filter(name="via-session").exists()


def test_an_api_key_needs_no_csrf_token(people: People):
    _, key = api_key_create(user=people.owner, name="no csrf")
    client = APIClient(enforce_csrf_checks=True, raise_request_exception=False)
    client.credentials(HTTP_X_ARGILLA_API_KEY=key)

    response = client.post(f"{API}workspaces", {"name": "via-key"}, format="json")

    assert response.status_code == 201, response.content


# What the owner (unrestricted) gets for the wall cases, where it is not a success:
# a key is its user's alone, and B's workspace and labeler still hold data.
OWNER_CONTROL_EXCEPTIONS = {
    ("me/api-keys/<str:key_id>", "DELETE"): 404,
    ("workspaces/<str:workspace_id>", "DELETE"): 409,
    ("users/<str:user_id>", "DELETE"): 409,
}


@pytest.mark.parametrize(("route", "method"), ID_ROUTES, ids=[f"{m} {r}" for r, m in ID_ROUTES])
def test_control_the_wall_cases_reach_their_target_for_the_owner(
    route: str, method: str, people: People, tenant_b: TenantB
):
    """The wall cases are real requests: sent by the owner they do what they ask, so the
    404s above come from the wall, not from a malformed request."""
    case = WALL_CASES.get((route, method))
    assert case is not None, f"no wall case for {method} {route}: add one to WALL_CASES"
    client = key_client(api_key_create(user=people.owner, name="control")[1])
    query = case.query(tenant_b) if case.query else ""
    body = case.body(tenant_b, people) if case.body else None
    url = API + fill(route, tenant_b.ids(draft=case.draft)) + query

    response = send(client, method, url, body)

    expected = OWNER_CONTROL_EXCEPTIONS.get((route, method))
    if expected is None:
        assert 200 <= response.status_code < 300, f"{method} {url} -> {response.status_code} {response.content[:300]!r}"
    else:
        assert response.status_code == expected, response.content[:300]
