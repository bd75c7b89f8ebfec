"""Prometheus metrics, served at `GET /metrics` to a scraper holding FEEDLOOP_METRICS_TOKEN.

Built on prometheus-client. What each process counts (config.instruments: request
latency, responses submitted) lives in its memory, or, with PROMETHEUS_MULTIPROC_DIR
set, in files there that every gunicorn worker of the machine writes and any of them
reads at scrape time: a scrape then reports the whole machine, whichever worker answers it. What a worker
process could not report (it has no HTTP endpoint, and may run on another machine) is
read when scraped instead: the queue depths from Redis, the job durations from the
database.
"""

from __future__ import annotations

import hmac
import logging
from collections.abc import Callable, Iterator
from typing import Any

import redis
from django.conf import settings
from django.db import DatabaseError
from django.http import HttpRequest, HttpResponse
from prometheus_client import REGISTRY, CollectorRegistry, generate_latest, multiprocess
from prometheus_client.exposition import CONTENT_TYPE_LATEST
from prometheus_client.metrics_core import GaugeMetricFamily, HistogramMetricFamily
from prometheus_client.registry import Collector

from config.celery import app
from config.env import env_str
from config.queues import queue_names
from feedback.selectors import finished_job_durations

logger = logging.getLogger(__name__)

PATH = "/metrics"
# A scrape must not hang on a slow broker: the queue depths are left out instead.
REDIS_TIMEOUT_SECONDS = 1.0
# kombu's Redis transport keeps a queue's higher-priority messages in lists beside it.
PRIORITY_SEPARATOR = "\x06\x16"
PRIORITY_STEPS = (3, 6, 9)
# Imports and exports take seconds to hours.
JOB_DURATION_BUCKETS = (1.0, 5.0, 15.0, 60.0, 300.0, 900.0, 3600.0, 4 * 3600.0)


def queue_depths() -> dict[str, int]:
    """Messages waiting in each Celery queue (Redis LLEN); empty when tasks run in-process."""
    if app.conf.task_always_eager:
        return {}
    names = queue_names(app.conf.task_default_queue)
    with (
        redis.Redis.from_url(
            app.conf.broker_url, socket_timeout=REDIS_TIMEOUT_SECONDS, socket_connect_timeout=REDIS_TIMEOUT_SECONDS
        ) as client,
        client.pipeline(transaction=False) as pipeline,
    ):
        for name in names:
            for key in (name, *(f"{name}{PRIORITY_SEPARATOR}{step}" for step in PRIORITY_STEPS)):
                pipeline.llen(key)
        lengths = pipeline.execute()
    per_queue = 1 + len(PRIORITY_STEPS)
    return {name: sum(lengths[i * per_queue : (i + 1) * per_queue]) for i, name in enumerate(names)}


class ScrapeTimeCollector(Collector):
    """What is read when scraped rather than counted as it happens."""

    def collect(self) -> Iterator[Any]:
        try:
            depths = queue_depths()
        except redis.RedisError as error:
            logger.warning("metrics: queue depths left out, the broker did not answer: %s", error)
        else:
            if depths:
                gauge = GaugeMetricFamily(
                    "feedloop_queue_depth", "Tasks waiting in each Celery queue.", labels=["queue"]
                )
                for queue, depth in depths.items():
                    gauge.add_metric([queue], depth)
                yield gauge
        try:
            yield job_durations()
        except DatabaseError as error:
            logger.warning("metrics: job durations left out, the database did not answer: %s", error)


def job_durations() -> HistogramMetricFamily:
    """Finished jobs' run times (finished_at - started_at), by kind and outcome, as one
    cumulative histogram over the jobs the database holds."""
    histogram = HistogramMetricFamily(
        "feedloop_job_duration_seconds",
        "Run time of finished import, export and metrics jobs, by kind and outcome (read from the database).",
        labels=["kind", "outcome"],
    )
    for durations in finished_job_durations(JOB_DURATION_BUCKETS):
        buckets = [(str(bound), count) for bound, count in durations.buckets]
        histogram.add_metric(
            [durations.kind, durations.outcome], [*buckets, ("+Inf", durations.count)], durations.total_seconds
        )
    return histogram


def exposition() -> bytes:
    """Every metric in the text format: this process's (or, in multi-process mode, every
    process's of this machine) and those read at scrape time."""
    # prometheus-client reads the same variable to write each process's values there.
    if env_str("PROMETHEUS_MULTIPROC_DIR"):
        counted = CollectorRegistry()
        multiprocess.MultiProcessCollector(counted)
    else:
        counted = REGISTRY
    scraped = CollectorRegistry(auto_describe=False)
    scraped.register(ScrapeTimeCollector())
    return generate_latest(counted) + generate_latest(scraped)


def authorised(request: HttpRequest) -> bool:
    token = settings.FEEDLOOP_METRICS_TOKEN
    if not token:
        return False
    given = request.headers.get("Authorization", "")
    return hmac.compare_digest(given.encode(), f"Bearer {token}".encode())


class MetricsMiddleware:
    """`GET /metrics` for a scraper with the token, answered before the host and HTTPS
    checks (a scraper reaches each process by its address, as the probes do); without
    the token the path is left to the URL routes, where it does not exist (404)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> Any:
        if request.path == PATH and request.method == "GET" and authorised(request):
            return HttpResponse(exposition(), content_type=CONTENT_TYPE_LATEST)
        return self.get_response(request)
