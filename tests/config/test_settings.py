"""Settings are safe by default and fail loudly on malformed values."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PROBE = (
    "import django, json; from django.conf import settings; django.setup(); "
    "print(json.dumps({'debug': settings.DEBUG, 'hosts': settings.ALLOWED_HOSTS, "
    "'engine': settings.DATABASES['default']['ENGINE'], 'eager': settings.CELERY_TASK_ALWAYS_EAGER, "
    "'secure_cookies': settings.SESSION_COOKIE_SECURE, "
    "'outbound_private': settings.FEEDLOOP_OUTBOUND_ALLOW_PRIVATE}))"
)
BASE_ENV = {"PATH": os.environ["PATH"], "DJANGO_SETTINGS_MODULE": "config.settings"}
S3 = {"FEEDLOOP_STORAGE": "s3", "FEEDLOOP_S3_BUCKET": "files"}


def load(probe: str = PROBE, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", probe], cwd=ROOT, env={**BASE_ENV, **env}, capture_output=True, text=True, timeout=60
    )


def test_defaults_are_safe():
    result = load(DJANGO_SECRET_KEY="k" * 50)
    assert result.returncode == 0, result.stderr
    assert '"debug": false' in result.stdout
    assert '"hosts": ["localhost", "127.0.0.1", "[::1]"]' in result.stdout
    assert '"secure_cookies": true' in result.stdout
    assert '"eager": true' in result.stdout  # no broker configured
    assert '"outbound_private": false' in result.stdout  # the SSRF guard is on


def test_database_url_and_broker_select_postgres_and_real_workers():
    result = load(
        DJANGO_SECRET_KEY="k" * 50,
        DATABASE_URL="postgres://postgres@127.0.0.1:5432/feedloop",
        CELERY_BROKER_URL="redis://127.0.0.1:6379/0",
    )
    assert result.returncode == 0, result.stderr
    assert "postgresql" in result.stdout and '"eager": false' in result.stdout


def test_files_go_to_a_local_directory_unless_s3_is_chosen():
    probe = (
        "import django, json; from django.conf import settings; django.setup(); "
        "from django.core.files.storage import storages; s = storages['default']; "
        "print(json.dumps({'backend': type(s).__name__, 'bucket': getattr(s, 'bucket_name', None), "
        "'prefix': getattr(s, 'location', None), 'endpoint': getattr(s, 'endpoint_url', None), "
        "'acl': getattr(s, 'default_acl', 'none'), 'overwrite': getattr(s, 'file_overwrite', None), "
        "'addressing': getattr(getattr(s, 'client_config', None), 's3', None)}))"
    )

    def storage(**env: str) -> dict:
        result = subprocess.run(
            [sys.executable, "-c", probe], cwd=ROOT, env={**BASE_ENV, **env}, capture_output=True, text=True, timeout=60
        )
        assert result.returncode == 0, result.stderr
        return json.loads(result.stdout)

    assert storage(DJANGO_SECRET_KEY="k" * 50)["backend"] == "FileSystemStorage"
    on_s3 = storage(
        DJANGO_SECRET_KEY="k" * 50,
        **S3,
        FEEDLOOP_S3_PREFIX="feedloop",
        FEEDLOOP_S3_ENDPOINT_URL="http://minio.internal:9000",
        FEEDLOOP_S3_ADDRESSING_STYLE="path",
    )
    assert on_s3 == {
        "backend": "S3Storage",
        "bucket": "files",
        "prefix": "feedloop",
        "endpoint": "http://minio.internal:9000",
        "acl": None,  # private: no public ACL is ever sent
        "overwrite": False,
        "addressing": {"addressing_style": "path"},
    }


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({}, "DJANGO_SECRET_KEY must be set"),
        ({"DJANGO_SECRET_KEY": "k" * 50, "DJANGO_DEBUG": "maybe"}, "is not a boolean"),
        ({"DJANGO_SECRET_KEY": "k" * 50, "DJANGO_ALLOWED_HOSTS": "*"}, "'*' is refused"),
        ({"DJANGO_SECRET_KEY": "k" * 50, "DJANGO_ALLOWED_HOSTS": "a.example,,b.example"}, "empty item"),
        ({"DJANGO_SECRET_KEY": "k" * 50, "FEEDLOOP_BULK_MAX_RECORDS": "lots"}, "is not an integer"),
        ({"DJANGO_SECRET_KEY": "k" * 50, "FEEDLOOP_BULK_MAX_RECORDS": "0"}, "below its minimum"),
        ({"DJANGO_SECRET_KEY": "k" * 50, "DATABASE_URL": "nosuchdb://x"}, "DATABASE_URL"),
        ({"DJANGO_SECRET_KEY": "k" * 50, "FEEDLOOP_OUTBOUND_ALLOW_PRIVATE": "perhaps"}, "is not a boolean"),
        # A source that is not an origin could widen the policy or smuggle in a directive.
        ({"DJANGO_SECRET_KEY": "k" * 50, "FEEDLOOP_CSP_EXTRA_SOURCES": "*"}, "FEEDLOOP_CSP_EXTRA_SOURCES"),
        (
            {"DJANGO_SECRET_KEY": "k" * 50, "FEEDLOOP_CSP_EXTRA_SOURCES": "https://cdn.example.com; script-src *"},
            "FEEDLOOP_CSP_EXTRA_SOURCES",
        ),
        ({"DJANGO_SECRET_KEY": "k" * 50, "FEEDLOOP_STORAGE": "ftp"}, "is not local or s3"),
        ({"DJANGO_SECRET_KEY": "k" * 50, "FEEDLOOP_STORAGE": "s3"}, "FEEDLOOP_S3_BUCKET must name the bucket"),
        (
            {"DJANGO_SECRET_KEY": "k" * 50, **S3, "FEEDLOOP_S3_ADDRESSING_STYLE": "sideways"},
            "is not auto, path or virtual",
        ),
        ({"DJANGO_SECRET_KEY": "k" * 50, **S3, "FEEDLOOP_S3_CONNECT_TIMEOUT": "0"}, "below its minimum"),
        ({"DJANGO_SECRET_KEY": "k" * 50, "FEEDLOOP_LOG_FORMAT": "xml"}, "is not json or text"),
    ],
)
def test_unsafe_or_malformed_settings_stop_the_process(env, message):
    result = load(**env)
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr and message in result.stderr


def test_debug_allows_a_local_key():
    result = load(DJANGO_DEBUG="1")
    assert result.returncode == 0, result.stderr
    assert '"debug": true' in result.stdout and "sqlite3" in result.stdout


def test_a_deployment_names_the_origins_its_pages_also_load_files_from():
    probe = (
        "import django, json; from django.conf import settings; django.setup(); "
        "print(json.dumps(settings.CONTENT_SECURITY_POLICY['DIRECTIVES']))"
    )
    result = load(probe, DJANGO_SECRET_KEY="k" * 50, FEEDLOOP_CSP_EXTRA_SOURCES="https://cdn.example.com")
    assert result.returncode == 0, result.stderr
    directives = json.loads(result.stdout)
    for name in ("default-src", "script-src", "style-src", "img-src"):
        assert directives[name][-1] == "https://cdn.example.com", name
    assert directives["object-src"] == ["'none'"] and directives["frame-ancestors"] == ["'none'"]


@pytest.mark.parametrize(
    ("env", "shape"),
    [
        ({"DJANGO_SECRET_KEY": "k" * 50}, "json"),
        ({"DJANGO_DEBUG": "1"}, "text"),
        ({"DJANGO_SECRET_KEY": "k" * 50, "FEEDLOOP_LOG_FORMAT": "text"}, "text"),
        ({"DJANGO_DEBUG": "1", "FEEDLOOP_LOG_FORMAT": "json"}, "json"),
    ],
)
def test_logs_are_json_lines_on_stdout_unless_debug_or_asked_for_text(env, shape):
    probe = "import django, logging; django.setup(); logging.getLogger('feedloop').warning('hello')"
    result = load(probe, **env)
    assert result.returncode == 0, result.stderr
    line = result.stdout.strip()
    if shape == "json":
        assert json.loads(line)["message"] == "hello" and json.loads(line)["request_id"] is None
    else:
        assert line.endswith("WARNING feedloop [None] hello")
