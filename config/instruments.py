"""What each process counts as it happens, for Prometheus (config.prometheus serves them).

Kept apart from the endpoint, which reads the database at scrape time, so that the
services counting here import nothing above them.
"""

from __future__ import annotations

from prometheus_client import Counter, Histogram

HTTP_REQUEST_SECONDS = Histogram(
    "feedloop_http_request_duration_seconds",
    "Time to serve a request, by route pattern, method and status class.",
    ["route", "method", "status"],
)
RESPONSES_SUBMITTED = Counter(
    "feedloop_responses_submitted",
    "Responses that became submitted (labeling throughput), counted by the process that stored them.",
)


def observe_request(*, method: str, route: str, status: int, seconds: float) -> None:
    HTTP_REQUEST_SECONDS.labels(route=route, method=method, status=f"{status // 100}xx").observe(seconds)
