"""Feedloop served by a real gunicorn, as in production, on the test database.

Django's live server (wsgiref) invents a `text/plain` Content-Type for requests that
send none, so a client's exact headers only reach Feedloop through a real server.
"""

from __future__ import annotations

import contextlib
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


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def gunicorn_url(transactional_db, settings, tmp_path) -> Iterator[str]:
    """The base URL of a gunicorn serving Feedloop (two threads) on the test database."""
    port = free_port()
    command = ["gunicorn", "config.wsgi", "--bind", f"127.0.0.1:{port}", "--workers", "1", "--threads", "4"]
    command += ["--log-level", "warning"]
    env = gunicorn_env(settings, tmp_path)
    with serving(command, port=port, probe="/api/v1/version", log=tmp_path / "gunicorn.log", env=env) as url:
        yield url


def gunicorn_env(settings, tmp_path: Path) -> dict[str, str]:
    """The environment of a gunicorn serving Feedloop on the test database."""
    database = settings.DATABASES["default"]
    return {
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


@contextlib.contextmanager
def serving(module_and_args: list[str], *, port: int, probe: str, log: Path, env: dict | None = None) -> Iterator[str]:
    """`python -m <module_and_args>`, a server on `port`: its base URL once `probe`
    answers, and the server stopped afterwards. Its output goes to `log`."""
    server = subprocess.Popen(
        [sys.executable, "-m", *module_and_args], cwd=ROOT, env=env, stdout=log.open("w"), stderr=subprocess.STDOUT
    )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_until_serving(server, f"{url}{probe}", log, name=module_and_args[0])
        yield url
    finally:
        stop(server)


def wait_until_serving(server: subprocess.Popen, probe_url: str, log: Path, *, name: str) -> None:
    """Return once `probe_url` answers; fail with the server's log if it exits first or
    has not answered in 90 seconds."""
    deadline = time.monotonic() + 90
    while True:
        try:
            requests.get(probe_url, timeout=10)
            return
        except requests.RequestException:  # not listening yet, or still loading the app
            if server.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"{name} did not start:\n{log.read_text()}") from None
            time.sleep(0.1)


def stop(server: subprocess.Popen) -> None:
    server.terminate()
    try:
        server.wait(timeout=20)
    except subprocess.TimeoutExpired:
        server.kill()
