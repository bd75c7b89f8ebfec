"""API clients for the shared personas, authenticated by API key."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from rest_framework.test import APIClient

from accounts.api_keys import api_key_create


@pytest.fixture
def api_client_for() -> Callable[..., APIClient]:
    def make(user, **key_options) -> APIClient:
        client = APIClient()
        client.credentials(HTTP_X_ARGILLA_API_KEY=api_key_create(user=user, name="test", **key_options)[1])
        return client

    return make
