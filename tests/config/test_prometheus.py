"""GET /metrics: Prometheus's text format, only for a scraper holding the token (404 for
anyone else); request latency by route, finished jobs' durations, responses submitted,
and with several gunicorn workers, every worker's requests in one scrape."""

from __future__ import annotations

import concurrent.futures

import pytest
import requests
from django.test import Client
from prometheus_client.parser import text_string_to_metric_families

from accounts.api_keys import api_key_create
from feedback.services.exports import export_create
from feedback.services.responses import response_submit
from tests.api.test_unavailable import database_unreachable
from tests.builders import add_records, comparison_dataset, full_answer
from tests.gunicorn_server import free_port, gunicorn_env, serving

TOKEN = "scrape-token-for-tests"


def samples(text: str) -> dict[tuple[str, frozenset], float]:
    """Every sample of a scrape: (name, labels) -> value."""
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def scrape(client: Client | None = None) -> dict[tuple[str, frozenset], float]:
    answer = (client or Client()).get("/metrics", HTTP_AUTHORIZATION=f"Bearer {TOKEN}")
    assert answer.status_code == 200, answer.content
    assert answer["Content-Type"].startswith("text/plain")
    return samples(answer.content.decode())


def requests_served(scraped: dict, route: str, method: str = "GET", status: str = "2xx") -> float:
    labels = frozenset({"route": route, "method": method, "status": status}.items())
    return scraped.get(("feedloop_http_request_duration_seconds_count", labels), 0.0)


@pytest.fixture
def token(settings) -> str:
    settings.FEEDLOOP_METRICS_TOKEN = TOKEN
    return TOKEN


@pytest.mark.django_db
def test_metrics_do_not_exist_without_the_token(settings):
    settings.FEEDLOOP_METRICS_TOKEN = ""
    assert Client().get("/metrics", HTTP_AUTHORIZATION="Bearer ").status_code == 404
    settings.FEEDLOOP_METRICS_TOKEN = TOKEN
    assert Client().get("/metrics").status_code == 404
    assert Client().get("/metrics", HTTP_AUTHORIZATION="Bearer wrong").status_code == 404
    assert Client().get("/metrics", HTTP_AUTHORIZATION=TOKEN).status_code == 404
    assert Client().get("/metrics", HTTP_AUTHORIZATION=f"Bearer {TOKEN}").status_code == 200


@pytest.mark.django_db
def test_a_route_just_called_is_in_the_latency_histogram(token, people):
    before = scrape()
    signed_in = Client(HTTP_X_ARGILLA_API_KEY=api_key_create(user=people.admin_a, name="metrics")[1])
    assert signed_in.get("/api/v1/version").status_code == 200
    assert Client().get(f"/api/v1/workspaces/{people.workspace_a.pk}").status_code == 401
    after = scrape()
    assert requests_served(after, "api/v1/version") == requests_served(before, "api/v1/version") + 1
    # By route pattern and status class, never the raw path.
    route = "api/v1/workspaces/<str:workspace_id>"
    assert requests_served(after, route, status="4xx") == requests_served(before, route, status="4xx") + 1
    assert not any(str(people.workspace_a.pk) in str(labels) for _, labels in after)
    buckets = [key for key in after if key[0] == "feedloop_http_request_duration_seconds_bucket"]
    assert any(("route", "api/v1/version") in labels for _, labels in buckets)


@pytest.mark.django_db
def test_tasks_run_in_process_have_no_queue_depths(token):
    assert not any(name == "feedloop_queue_depth" for name, _ in scrape())


@pytest.mark.django_db
def test_an_export_that_ran_is_in_the_job_durations(
    token, people, settings, tmp_path, django_capture_on_commit_callbacks
):
    settings.MEDIA_ROOT = tmp_path
    succeeded = frozenset({"kind": "exports", "outcome": "succeeded"}.items())
    assert ("feedloop_job_duration_seconds_count", succeeded) not in scrape()
    dataset = comparison_dataset(people.workspace_a)
    add_records(dataset, 3)
    with django_capture_on_commit_callbacks(execute=True):
        export_create(dataset=dataset, user=people.admin_a, layout="raw")
    scraped = scrape()
    assert scraped[("feedloop_job_duration_seconds_count", succeeded)] == 1
    assert scraped[("feedloop_job_duration_seconds_bucket", succeeded | {("le", "+Inf")})] == 1
    assert scraped[("feedloop_job_duration_seconds_sum", succeeded)] >= 0


@pytest.mark.django_db(transaction=True)
def test_a_scrape_while_the_database_is_down_leaves_out_only_the_job_durations(token):
    with database_unreachable():
        scraped = scrape()
    assert not any(name.startswith("feedloop_job_duration_seconds") for name, _ in scraped)
    assert ("feedloop_responses_submitted_total", frozenset()) in scraped


@pytest.mark.django_db
def test_submitted_responses_are_counted_once_stored(token, people, django_capture_on_commit_callbacks):
    dataset = comparison_dataset(people.workspace_a)
    record = add_records(dataset, 1)[0]
    key = ("feedloop_responses_submitted_total", frozenset())
    before = scrape()[key]
    with django_capture_on_commit_callbacks(execute=True):
        response_submit(record=record, user=people.labeler_a1, values=full_answer())
    with django_capture_on_commit_callbacks(execute=True):
        # Submitted again unchanged: not a new submission.
        response_submit(record=record, user=people.labeler_a1, values=full_answer())
    assert scrape()[key] == before + 1


def test_every_gunicorn_worker_is_counted_in_one_scrape(transactional_db, settings, tmp_path):
    """Two worker processes share PROMETHEUS_MULTIPROC_DIR: whichever answers the scrape
    reports the requests both served."""
    shared = tmp_path / "prometheus"
    shared.mkdir()
    env = {**gunicorn_env(settings, tmp_path), "PROMETHEUS_MULTIPROC_DIR": str(shared), "FEEDLOOP_METRICS_TOKEN": TOKEN}
    port = free_port()
    command = ["gunicorn", "config.wsgi", "--bind", f"127.0.0.1:{port}", "--workers", "2", "--log-level", "warning"]
    with serving(command, port=port, probe="/healthz", log=tmp_path / "gunicorn.log", env=env) as url:
        sent = 0
        # Requests in parallel, until both workers have served some (each worker keeps
        # its own files, named after its process id).
        with concurrent.futures.ThreadPoolExecutor(4) as pool:
            while len(list(shared.glob("histogram_*.db"))) < 2 and sent < 400:
                answers = list(pool.map(lambda _: requests.get(f"{url}/api/v1/version", timeout=30), range(8)))
                assert all(answer.status_code == 401 for answer in answers)  # anonymous
                sent += len(answers)
        assert len(list(shared.glob("histogram_*.db"))) == 2
        answer = requests.get(f"{url}/metrics", headers={"Authorization": f"Bearer {TOKEN}"}, timeout=30)
    assert answer.status_code == 200, answer.text
    assert requests_served(samples(answer.text), "api/v1/version", status="4xx") == sent
