"""Loaded by pytest before Django (see pyproject): the test suite's environment defaults.

Tests run on PostgreSQL. DATABASE_URL may point elsewhere; the default is the local
server that `.ci/run` and the README's test command start.
"""

import os

os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/feedloop")
os.environ.setdefault("DJANGO_SECRET_KEY", "test-only-secret-key-not-used-anywhere-else")
os.environ.setdefault("DJANGO_ALLOWED_HOSTS", "testserver,localhost,127.0.0.1")
os.environ.setdefault("DJANGO_STATIC_MANIFEST", "false")
os.environ.setdefault("DATABASE_CONN_MAX_AGE", "0")
