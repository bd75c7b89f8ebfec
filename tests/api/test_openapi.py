"""The OpenAPI schema at /api/schema and its page at /api/docs.

The schema must list every route of /api/v1 with the methods its view allows, and what
it says must be true: a walk through the API checks that every answer's status code is
documented for its operation and that its body matches the documented schema (what
schemathesis checks, on a fixed set of calls).
"""

from __future__ import annotations

import json
import re
import uuid
from typing import Any

import jsonschema
import pytest
from django.contrib.staticfiles import finders
from django.test import override_settings
from django.urls import resolve
from rest_framework.test import APIClient

from feedback.api import urls as api_urls
from feedback.models import Dataset
from feedback.services.metrics import metrics_refresh
from tests.builders import add_records, comparison_dataset, full_answer, record_item

IGNORED_METHODS = {"options", "head"}


def _template(route: str) -> str:
    """`datasets/<str:dataset_id>` as the schema writes it: `/api/v1/datasets/{dataset_id}`."""
    return "/" + re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", route)


def expected_operations() -> dict[str, set[str]]:
    """Every route of feedback.api.urls with the methods its view allows."""
    return {
        _template(f"api/v1/{pattern.pattern}"): set(pattern.callback.cls.http_method_names) - IGNORED_METHODS
        for pattern in api_urls.urlpatterns
    }


WALKED_MODULES = {"views_people", "views_datasets", "views_records"}


def walkable_operations() -> set[tuple[str, str]]:
    """The operations the walk below calls: every one of the people, dataset and record views."""
    return {
        (method, _template(f"api/v1/{pattern.pattern}"))
        for pattern in api_urls.urlpatterns
        if pattern.callback.__module__.rsplit(".", 1)[-1] in WALKED_MODULES
        for method in set(pattern.callback.cls.http_method_names) - IGNORED_METHODS
    }


@pytest.fixture(scope="module")
def schema() -> dict[str, Any]:
    response = APIClient().get("/api/schema", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert response.status_code == 200, response.content[:500]
    return json.loads(response.content)


def test_the_schema_is_public_openapi_3(schema):
    assert schema["openapi"].startswith("3.")
    assert schema["info"]["title"] == "Feedloop API"
    yaml_answer = APIClient().get("/api/schema")
    assert yaml_answer.status_code == 200 and yaml_answer.content.startswith(b"openapi: 3.")


def test_the_schema_lists_every_route_with_its_methods(schema):
    expected = expected_operations()
    assert len(expected) == len(api_urls.urlpatterns)  # no two routes with one path
    documented = {
        path: set(item) - IGNORED_METHODS - {"parameters"}
        for path, item in schema["paths"].items()
        if path.startswith("/api/v1/")
    }
    assert documented == expected


def test_every_operation_is_named_and_documents_its_errors(schema):
    operation_ids = []
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            operation_ids.append(operation["operationId"])
            codes = set(operation["responses"])
            assert any(code.startswith("2") for code in codes), (method, path)
            assert "401" in codes, (method, path)  # every API call needs credentials
            if "{" in path:
                assert {"404", "422"} <= codes, (method, path)  # unknown or malformed ids
    assert len(operation_ids) == len(set(operation_ids))


def test_the_docs_page_works_offline():
    response = APIClient().get("/api/docs")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/html")
    page = response.content.decode()
    assert "swagger-ui" in page
    assert "cdn.jsdelivr" not in page and "unpkg" not in page
    assets = re.findall(r'(?:src|href)="/static/([^"]+)"', page)
    assert {"drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js", "feedloop/api-docs.css"} <= set(assets)
    for asset in assets:
        assert finders.find(asset), asset
    # No inline code (the Content-Security-Policy allows none): the page's own script,
    # which loads the schema, is served apart.
    assert "<style" not in page and not re.search(r"<script(?![^>]*\bsrc=)", page)
    assert '<script src="/api/docs?script="></script>' in page
    script = APIClient().get("/api/docs?script=")
    assert script.status_code == 200 and script["Content-Type"].startswith("application/javascript")
    assert "/api/schema" in script.content.decode()


# The answers conform to the schema --------------------------------------------------


def _json_schema(node: Any) -> Any:
    """OpenAPI 3.0 schema objects as JSON Schema (`nullable` becomes a union with null)."""
    if isinstance(node, list):
        return [_json_schema(item) for item in node]
    if not isinstance(node, dict):
        return node
    converted = {key: _json_schema(value) for key, value in node.items()}
    if converted.pop("nullable", False):
        return {"anyOf": [converted, {"type": "null"}]}
    return converted


class Conformance:
    """Sends requests and checks each answer (and each valid body) against the schema."""

    def __init__(self, schema: dict[str, Any]) -> None:
        self.schema = schema
        self.components = _json_schema(schema["components"])
        self.seen: set[tuple[str, str, str]] = set()

    def _validate(self, instance: Any, schema: dict[str, Any], what: str) -> None:
        root = {"components": self.components, "allOf": [_json_schema(schema)]}
        errors = list(jsonschema.Draft7Validator(root, format_checker=jsonschema.FormatChecker()).iter_errors(instance))
        assert not errors, f"{what}: {[(list(e.absolute_path), e.message) for e in errors[:5]]}"

    def __call__(
        self, client: APIClient, method: str, url: str, body: Any = None, *, status: int, valid_body: bool = True
    ) -> Any:
        template = _template(resolve(url.split("?")[0]).route)
        operation = self.schema["paths"][template][method.lower()]
        what = f"{method} {template}"
        if body is not None and valid_body:
            request_schema = operation["requestBody"]["content"]["application/json"]["schema"]
            self._validate(body, request_schema, f"{what} request body")
        response = getattr(client, method.lower())(url, body, format="json")
        assert response.status_code == status, (what, response.status_code, response.content[:500])
        documented = operation["responses"]
        assert str(status) in documented, f"{what} answered {status}, not documented"
        self.seen.add((method.lower(), template, str(status)))
        content = documented[str(status)].get("content")
        if content is None:
            assert response.content == b"", what
            return None
        if "application/json" not in content:  # a file (CSV): its declared media type
            assert response["Content-Type"].split(";")[0] in content, what
            return response.content
        answer = response.json()
        self._validate(answer, content["application/json"]["schema"], f"{what} -> {status}")
        return answer


def test_the_answers_conform_to_the_schema(schema, people, api_client_for):
    check = Conformance(schema)
    owner, admin = api_client_for(people.owner), api_client_for(people.admin_a)
    labeler = api_client_for(people.labeler_a1)
    workspace_a = str(people.workspace_a.id)

    # People, workspaces, keys.
    check(owner, "GET", "/api/v1/me", status=200)
    check(labeler, "GET", "/api/v1/me/workspaces", status=200)
    check(owner, "GET", "/api/v1/workspaces", status=200)
    workspace = check(owner, "POST", "/api/v1/workspaces", {"name": "schema-walk"}, status=201)
    check(owner, "POST", "/api/v1/workspaces", {"name": "schema-walk"}, status=409)
    check(owner, "GET", f"/api/v1/workspaces/{workspace['id']}", status=200)
    check(owner, "GET", "/api/v1/users", status=200)
    check(labeler, "GET", "/api/v1/users", status=403)
    user = check(owner, "POST", "/api/v1/users", {"username": "walker", "password": "a long passphrase"}, status=201)
    check(owner, "PATCH", f"/api/v1/users/{user['id']}", {"last_name": "Walker"}, status=200)
    check(owner, "GET", f"/api/v1/users/{user['id']}", status=200)
    check(owner, "POST", f"/api/v1/workspaces/{workspace['id']}/users", {"user_id": user["id"]}, status=201)
    check(owner, "GET", f"/api/v1/workspaces/{workspace['id']}/users", status=200)
    check(owner, "GET", f"/api/v1/users/{user['id']}/workspaces", status=200)
    check(owner, "DELETE", f"/api/v1/workspaces/{workspace['id']}/users/{user['id']}", status=200)
    check(owner, "DELETE", f"/api/v1/users/{user['id']}", status=200)
    check(owner, "DELETE", f"/api/v1/workspaces/{workspace['id']}", status=200)
    key = check(labeler, "POST", "/api/v1/me/api-keys", {"name": "ci", "workspace_id": workspace_a}, status=201)
    check(labeler, "GET", "/api/v1/me/api-keys", status=200)
    check(labeler, "DELETE", f"/api/v1/me/api-keys/{key['id']}", status=200)

    # A dataset and its settings.
    dataset = check(
        admin,
        "POST",
        "/api/v1/datasets",
        {"name": "walk", "workspace_id": workspace_a, "distribution": {"strategy": "overlap", "min_submitted": 1}},
        status=201,
    )
    check(labeler, "POST", "/api/v1/datasets", {"name": "nope", "workspace_id": workspace_a}, status=403)
    base = f"/api/v1/datasets/{dataset['id']}"
    check(admin, "PATCH", base, {"guidelines": "Be kind."}, status=200)
    check(admin, "PUT", f"{base}/publish", status=422)
    field = check(
        admin,
        "POST",
        f"{base}/fields",
        {"name": "prompt", "settings": {"type": "text", "use_markdown": True}},
        status=201,
    )
    extra = check(admin, "POST", f"{base}/fields", {"name": "extra", "settings": {"type": "text"}}, status=201)
    check(admin, "PATCH", f"/api/v1/fields/{field['id']}", {"title": "The prompt"}, status=200)
    check(admin, "DELETE", f"/api/v1/fields/{extra['id']}", status=200)
    rating = {"type": "rating", "options": [{"value": v} for v in range(1, 4)]}
    question = check(admin, "POST", f"{base}/questions", {"name": "quality", "settings": rating}, status=201)
    comment = check(
        admin,
        "POST",
        f"{base}/questions",
        {"name": "comment", "required": False, "settings": {"type": "text"}},
        status=201,
    )
    check(admin, "PATCH", f"/api/v1/questions/{question['id']}", {"description": "How good?"}, status=200)
    check(admin, "DELETE", f"/api/v1/questions/{comment['id']}", status=200)
    terms = {"name": "model", "settings": {"type": "terms", "values": ["a", "b"]}}
    prop = check(admin, "POST", f"{base}/metadata-properties", terms, status=201)
    check(admin, "PATCH", f"/api/v1/metadata-properties/{prop['id']}", {"visible_for_annotators": False}, status=200)
    vectors = check(admin, "POST", f"{base}/vectors-settings", {"name": "embedding", "dimensions": 2}, status=201)
    check(admin, "PATCH", f"/api/v1/vectors-settings/{vectors['id']}", {"title": "Embedding"}, status=200)
    check(admin, "PUT", f"{base}/publish", status=200)
    check(labeler, "GET", f"{base}/fields", status=200)
    check(labeler, "GET", f"{base}/questions", status=200)
    check(labeler, "GET", f"/api/v1/me/datasets/{dataset['id']}/metadata-properties", status=200)
    check(labeler, "GET", f"{base}/vectors-settings", status=200)
    check(labeler, "GET", f"/api/v1/me/datasets?workspace_id={workspace_a}&status=ready", status=200)
    check(labeler, "GET", base, status=200)

    # Records, suggestions, responses.
    items = [
        {
            "external_id": "r1",
            "fields": {"prompt": "One"},
            "metadata": {"model": "a"},
            "vectors": {"embedding": [1, 0]},
        },
        {
            "external_id": "r2",
            "fields": {"prompt": "Two"},
            "suggestions": [{"question_id": question["id"], "value": 2, "score": 0.5, "agent": "m", "type": "model"}],
            "responses": [
                {"user_id": str(people.labeler_a2.id), "values": {"quality": {"value": 1}}, "status": "draft"}
            ],
        },
    ]
    check(admin, "POST", f"{base}/records/bulk", {"items": items}, status=201)
    items[0]["metadata"] = {"model": "b"}
    bulk = check(admin, "PUT", f"{base}/records/bulk", {"items": items}, status=200)
    check(admin, "POST", f"{base}/records/bulk", {"items": [{"fields": {"nope": 1}}]}, status=422, valid_body=False)
    with override_settings(FEEDLOOP_BULK_MAX_RECORDS=1):
        check(admin, "PUT", f"{base}/records/bulk", {"items": items}, status=413, valid_body=False)
    record_id = bulk["items"][0]["id"]
    include = "include=responses&include=suggestions&include=vectors"
    check(labeler, "GET", f"{base}/records?limit=10&{include}", status=200)
    check(labeler, "GET", f"{base}/records?limit=0", status=422)
    search = {"query": {"text": {"q": "one"}}, "sort": [{"scope": {"entity": "record", "property": "inserted_at"}}]}
    check(labeler, "POST", f"{base}/records/search?include=vectors", search, status=200)
    similar = {"query": {"vector": {"name": "embedding", "value": [1, 0]}}}
    check(labeler, "POST", f"{base}/records/search", similar, status=200)
    check(labeler, "GET", f"/api/v1/records/{record_id}?{include}", status=200)
    check(admin, "PATCH", f"/api/v1/records/{record_id}", {"metadata": None}, status=200)
    # The first record has no suggestion yet: created (201), then replaced (200).
    for expected in (201, 200):
        suggestion = check(
            admin,
            "PUT",
            f"/api/v1/records/{record_id}/suggestions",
            {"question_id": question["id"], "value": 3},
            status=expected,
        )
    check(labeler, "GET", f"/api/v1/records/{record_id}/suggestions", status=200)
    check(admin, "DELETE", f"/api/v1/suggestions/{suggestion['id']}", status=200)
    check(admin, "DELETE", f"/api/v1/records/{record_id}/suggestions?ids={uuid.uuid4()}", status=204)
    check(admin, "PUT", f"/api/v1/records/{record_id}/gold", {"values": {"quality": {"value": 2}}}, status=200)
    check(admin, "PUT", f"/api/v1/records/{record_id}/gold", {"values": {"quality": {"value": 99}}}, status=422)
    check(labeler, "PUT", f"/api/v1/records/{record_id}/gold", {"values": {"quality": {"value": 2}}}, status=403)
    check(admin, "DELETE", f"/api/v1/records/{record_id}/gold", status=204)
    nxt = check(labeler, "GET", f"/api/v1/me/datasets/{dataset['id']}/records/next", status=200)
    answer = {"values": {"quality": {"value": 3}}, "status": "submitted", "time_spent_seconds": 1.5}
    response = check(labeler, "POST", f"/api/v1/records/{nxt['id']}/responses", answer, status=201)
    check(labeler, "PUT", f"/api/v1/responses/{response['id']}", {"status": "discarded"}, status=200)
    mixed = {
        "items": [{"record_id": record_id, "status": "draft"}, {"record_id": str(uuid.uuid4()), "status": "draft"}]
    }
    check(labeler, "POST", "/api/v1/me/responses/bulk", mixed, status=200)
    check(admin, "GET", f"{base}/progress", status=200)
    check(admin, "GET", f"{base}/users/progress", status=200)
    check(admin, "GET", f"{base}/metrics", status=200)
    refresh = metrics_refresh(dataset=Dataset.objects.get(pk=dataset["id"]), queue_run=False)
    check(admin, "GET", f"/api/v1/metrics-jobs/{refresh.pk}", status=200)
    check(labeler, "GET", f"/api/v1/metrics-jobs/{refresh.pk}", status=404)  # jobs are for managers
    check(admin, "GET", f"{base}/leaderboard", status=200)
    check(admin, "GET", f"{base}/leaderboard.csv", status=200)
    check(labeler, "DELETE", f"/api/v1/responses/{response['id']}", status=200)
    check(admin, "DELETE", f"/api/v1/records/{record_id}", status=200)
    check(admin, "DELETE", f"{base}/records?ids={bulk['items'][1]['id']}", status=204)
    check(admin, "DELETE", f"{base}/records", status=422)

    # A queue with nothing left, and the service endpoints.
    done = comparison_dataset(people.workspace_a, name="done", min_submitted=1)
    add_records(done, 1)
    queue = f"/api/v1/me/datasets/{done.id}/records/next"
    first = check(labeler, "GET", queue, status=200)
    check(
        labeler,
        "POST",
        f"/api/v1/records/{first['id']}/responses",
        {"values": full_answer(), "status": "submitted"},
        status=201,
    )
    check(labeler, "GET", queue, status=204)
    check(owner, "GET", "/api/v1/version", status=200)
    check(owner, "GET", "/api/v1/status", status=200)

    # Errors.
    check(APIClient(), "GET", "/api/v1/me", status=401)
    check(api_client_for(people.labeler_b), "GET", base, status=404)
    check(owner, "GET", "/api/v1/datasets/not-a-uuid", status=422)
    check(owner, "PATCH", f"/api/v1/records/{uuid.uuid4()}", {"fields": {}}, status=404)
    read_only = api_client_for(people.admin_a, read_only=True)
    check(read_only, "DELETE", base, status=403)
    malformed = owner.generic("POST", "/api/v1/workspaces", "{", content_type="application/json")
    assert malformed.status_code == 400 and set(malformed.json()) == {"detail"}
    assert "400" in schema["paths"]["/api/v1/workspaces"]["post"]["responses"]
    check(admin, "PUT", f"{base}/records/bulk", {"items": [record_item(1)]}, status=422, valid_body=False)
    check(admin, "DELETE", f"/api/v1/metadata-properties/{prop['id']}", status=200)
    check(admin, "DELETE", f"/api/v1/vectors-settings/{vectors['id']}", status=200)
    check(admin, "DELETE", base, status=200)
    walked = {(method, path) for method, path, _ in check.seen}
    assert walked >= walkable_operations(), sorted(walkable_operations() - walked)
