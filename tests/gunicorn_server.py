"""Feedloop served by a real gunicorn, as in production, on the test database.

Django's live server (wsgiref) invents a `text/plain` Content-Type for requests that
send none, so a client's exact headers only reach Feedloop through a real server.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

ROOT = Path(__file__).resolve().parents[1]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def gunicorn_url(transactional_db, settings, tmp_path) -> Iterator[str]:
    """The base URL of a gunicorn serving Feedloop (two threads) on the test database."""
    database = settings.DATABASES["default"]
    port = _free_port()
    env = {
        **os.environ,
        "DATABASE_URL": f"postgres://{database['USER']}@{database['HOST']}:{database['PORT']}/{database['NAME']}",
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "FEEDLOOP_STORAGE_DIR": str(tmp_path),
        # It speaks plain HTTP on loopback: cookies marked Secure would never come back.
        "DJANGO_CSRF_COOKIE_SECURE": "0",
        "DJANGO_SESSION_COOKIE_SECURE": "0",
        # Webhooks it sends go to receivers on 127.0.0.1.
        "FEEDLOOP_OUTBOUND_ALLOW_PRIVATE": "1",
    }
    log = tmp_path / "gunicorn.log"
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "config.wsgi",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            "1",
            "--threads",
            "4",
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=env,
        stdout=log.open("w"),
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        while True:
            try:
                requests.get(f"{url}/api/v1/version", timeout=10)
                break
            except requests.RequestException:  # not listening yet, or still loading the app
                if server.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"gunicorn did not start:\n{log.read_text()}") from None
                time.sleep(0.1)
        yield url
    finally:
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
