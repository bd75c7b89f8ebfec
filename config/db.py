"""Database helpers every app may use (config sits below the apps' layers)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

from django.db import IntegrityError, transaction


@contextmanager
def unique_name(what: str, *, error: Callable[[str], Exception]) -> Iterator[None]:
    """Run the block in a savepoint; a unique-constraint violation in it (a name
    taken, often by a concurrent request the form or validation could not see)
    is raised as `error("<what> already exists")`, in the caller's own error type.
    The savepoint keeps the caller's transaction usable after the clash."""
    try:
        with transaction.atomic():
            yield
    except IntegrityError:
        raise error(f"{what} already exists") from None
