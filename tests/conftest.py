"""Shared personas: an owner; workspace A with an admin and two labelers; workspace B
with its own labeler; an outsider who belongs nowhere."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from django.core.cache import caches
from django.core.cache.backends.locmem import LocMemCache
from django.test import override_settings

from accounts.models import User
from tests.factories import MembershipFactory, UserFactory, WorkspaceFactory
from workspaces.models import AuditEntry, Role, Workspace

pytest_plugins = ["tests.webhook_receiver", "tests.gunicorn_server"]


FAST_HASHER = "django.contrib.auth.hashers.MD5PasswordHasher"


@pytest.fixture(autouse=True)
def fast_password_hashing(settings) -> None:
    """Tests create many users; a deliberately slow hasher would dominate the suite."""
    settings.PASSWORD_HASHERS = [FAST_HASHER]


@pytest.fixture(scope="session", autouse=True)
def outbound_to_local_receivers() -> Iterator[None]:
    """The webhook receivers listen on 127.0.0.1, which the SSRF guard refuses in a
    deployment; the guard's own tests turn it back off (`settings` fixture). For the
    whole session: class-scoped fixtures create webhooks too."""
    with override_settings(FEEDLOOP_OUTBOUND_ALLOW_PRIVATE=True):
        yield


@pytest.fixture(autouse=True)
def fresh_cache() -> Iterator[None]:
    """Each test starts with an empty (per-process) cache: allauth counts logins per address
    in it (30 a minute), and a run of browser tests logs in more often than that."""
    yield
    if isinstance(caches["default"], LocMemCache):  # never a shared one (Redis)
        caches["default"].clear()


@dataclass
class People:
    owner: User
    workspace_a: Workspace
    admin_a: User
    labeler_a1: User
    labeler_a2: User
    workspace_b: Workspace
    labeler_b: User
    outsider: User


@pytest.fixture
def people(db) -> People:
    return build_people()


def build_people() -> People:
    workspace_a = WorkspaceFactory(name="workspace-a")
    workspace_b = WorkspaceFactory(name="workspace-b")
    admin_a = UserFactory(username="admin-a", is_staff=True)
    labeler_a1 = UserFactory(username="labeler-a1")
    labeler_a2 = UserFactory(username="labeler-a2")
    labeler_b = UserFactory(username="labeler-b")
    MembershipFactory(workspace=workspace_a, user=admin_a, role=Role.ADMIN)
    MembershipFactory(workspace=workspace_a, user=labeler_a1)
    MembershipFactory(workspace=workspace_a, user=labeler_a2)
    MembershipFactory(workspace=workspace_b, user=labeler_b)
    return People(
        owner=UserFactory(username="owner", is_superuser=True, is_staff=True),
        workspace_a=workspace_a,
        admin_a=admin_a,
        labeler_a1=labeler_a1,
        labeler_a2=labeler_a2,
        workspace_b=workspace_b,
        labeler_b=labeler_b,
        outsider=UserFactory(username="outsider"),
    )


class AuditLog:
    """The audit entries written since the last look (a test's setup writes entries too)."""

    def __init__(self) -> None:
        self.seen = set(AuditEntry.objects.values_list("pk", flat=True))

    def new(self) -> list[AuditEntry]:
        entries = AuditEntry.objects.exclude(pk__in=self.seen).select_related("actor", "workspace").order_by("at")
        self.seen |= {entry.pk for entry in entries}
        return list(entries)

    def one(self) -> AuditEntry:
        entries = self.new()
        assert len(entries) == 1, [(entry.verb, entry.object_label, entry.changes) for entry in entries]
        return entries[0]


@pytest.fixture
def audit_log(people) -> AuditLog:
    return AuditLog()


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Run the real-worker tests first: Celery keeps broker connections per process, and
    once eager tasks have run here it would not reach the Redis worker."""
    items.sort(key=lambda item: 0 if "tests/workers/" in item.nodeid else 1)
