"""What every page's template may ask of the accounts app."""

from __future__ import annotations

from functools import partial
from typing import Any

from allauth.account.adapter import get_adapter
from django.http import HttpRequest


def signup(request: HttpRequest) -> dict[str, Any]:
    """`signup_open`: whether people may sign up themselves (the adapter's rule), asked
    only by the templates that use it (a template calls it when it reads it)."""
    return {"signup_open": partial(get_adapter(request).is_open_for_signup, request)}
