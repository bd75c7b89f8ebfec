"""Work distribution under load: 50 labelers in real threads, over HTTP, on PostgreSQL."""

from __future__ import annotations

import re
import threading
from collections import Counter
from datetime import timedelta

import pytest
import requests
from django.test import Client
from django.utils import timezone

from accounts.api_keys import api_key_create
from feedback.models import Record, RecordLease, Response, ResponseStatus
from tests.builders import add_records, comparison_dataset, full_answer
from tests.factories import MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db(transaction=True)

LABELERS, RECORDS, OVERLAP = 50, 200, 3
TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


def session_for(user, base_url: str) -> requests.Session:
    client = Client()
    client.force_login(user)
    session = requests.Session()
    session.cookies.set("sessionid", client.cookies["sessionid"].value)
    return session


def test_fifty_labelers_fill_every_record_to_the_overlap_exactly(people, gunicorn_url):
    dataset = comparison_dataset(people.workspace_a, name="load", min_submitted=OVERLAP)
    add_records(dataset, RECORDS)
    labelers = [UserFactory() for _ in range(LABELERS)]
    for labeler in labelers:
        MembershipFactory(workspace=people.workspace_a, user=labeler)
    base = gunicorn_url
    failures: list[str] = []
    submitted_by: dict[str, list[str]] = {}
    barrier = threading.Barrier(LABELERS)

    # Sessions are made here: the client threads themselves never touch the database.
    sessions = {user.pk: session_for(user, base) for user in labelers}

    def work(user) -> None:
        session = sessions[user.pk]
        mine: list[str] = []
        try:
            barrier.wait()
            token = None
            while True:
                handed = session.get(f"{base}/datasets/{dataset.pk}/next", allow_redirects=False, timeout=60)
                if handed.status_code != 303:
                    failures.append(f"{user.username}: next answered {handed.status_code}")
                    return
                url = base + handed.headers["Location"]
                if url.endswith("/done"):
                    break
                if token is None:  # the form's CSRF token, read once from a real page
                    token = TOKEN.search(session.get(url, timeout=60).text).group(1)
                form = {
                    "csrfmiddlewaretoken": token,
                    "action": "submit",
                    "quality": "3",
                    "ranking.response-1": "1",
                    "ranking.response-2": "2",
                    "ranking.response-3": "3",
                }
                sent = session.post(url, data=form, headers={"Referer": url}, timeout=60, allow_redirects=False)
                if sent.status_code != 303:
                    failures.append(f"{user.username}: submit answered {sent.status_code}")
                    return
                mine.append(url.rsplit("/", 1)[1])
        except Exception as error:
            failures.append(f"{user.username}: {error!r}")
        finally:
            submitted_by[user.username] = mine

    threads = [threading.Thread(target=work, args=(user,)) for user in labelers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert failures == []
    # Nobody answered a record twice; nothing was lost.
    for username, records in submitted_by.items():
        assert len(records) == len(set(records)), username
    sent_total = sum(len(records) for records in submitted_by.values())
    responses = Response.objects.filter(record__dataset=dataset, status=ResponseStatus.SUBMITTED)
    assert responses.count() == sent_total == RECORDS * OVERLAP
    per_record = Counter(responses.values_list("record_id", flat=True))
    assert set(per_record.values()) == {OVERLAP} and len(per_record) == RECORDS
    assert set(Record.objects.filter(dataset=dataset).values_list("status", flat=True)) == {"completed"}
    assert not RecordLease.objects.filter(record__dataset=dataset).exists()


def test_an_abandoned_record_returns_to_the_pool_when_its_lease_expires(people, live_server):
    dataset = comparison_dataset(people.workspace_a, name="leases", min_submitted=1)
    add_records(dataset, 1)
    first, second = session_for(people.labeler_a1, live_server.url), session_for(people.labeler_a2, live_server.url)
    held = first.get(f"{live_server.url}/datasets/{dataset.pk}/next")
    assert "/records/" in held.url
    assert "/done" in second.get(f"{live_server.url}/datasets/{dataset.pk}/next").url
    RecordLease.objects.update(expires_at=timezone.now() - timedelta(seconds=1))  # the lease runs out
    assert second.get(f"{live_server.url}/datasets/{dataset.pk}/next").url == held.url


ANNOTATORS, CLIENTS_EACH, QUEUE_RECORDS = 16, 3, 150


def test_several_clients_per_labeler_never_leave_a_stale_lease(people, gunicorn_url):
    """Each labeler works from three clients at once (tabs, or an SDK script with a thread
    pool), through the API: one client's `next` may race another's submit of the same
    record. Every record still ends with exactly `min_submitted` submissions, and no
    client hears "nothing left" (204) while the labeler still has work."""
    dataset = comparison_dataset(people.workspace_a, name="many-clients", min_submitted=OVERLAP)
    add_records(dataset, QUEUE_RECORDS)
    annotators = [UserFactory() for _ in range(ANNOTATORS)]
    for annotator in annotators:
        MembershipFactory(workspace=people.workspace_a, user=annotator)
    keys = {annotator.pk: api_key_create(user=annotator, name="clients")[1] for annotator in annotators}
    api = f"{gunicorn_url}/api/v1"
    failures: list[str] = []
    barrier = threading.Barrier(ANNOTATORS * CLIENTS_EACH)

    def client(annotator) -> None:
        session = requests.Session()
        session.headers["X-Argilla-Api-Key"] = keys[annotator.pk]
        try:
            barrier.wait()
            while True:
                handed = session.get(f"{api}/me/datasets/{dataset.pk}/records/next", timeout=60)
                if handed.status_code == 204:
                    return
                if handed.status_code != 200:
                    failures.append(f"{annotator.username}: next answered {handed.status_code}")
                    return
                record_id = handed.json()["id"]
                sent = session.post(
                    f"{api}/records/{record_id}/responses",
                    json={"status": "submitted", "values": full_answer()},
                    timeout=60,
                )
                if sent.status_code not in (200, 201):
                    failures.append(f"{annotator.username}: submit answered {sent.status_code} {sent.text}")
                    return
        except Exception as error:
            failures.append(f"{annotator.username}: {error!r}")

    threads = [threading.Thread(target=client, args=(a,)) for a in annotators for _ in range(CLIENTS_EACH)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert failures == []
    per_record = Counter(
        Response.objects.filter(record__dataset=dataset, status=ResponseStatus.SUBMITTED).values_list(
            "record_id", flat=True
        )
    )
    stuck = {str(pk): n for pk, n in per_record.items() if n != OVERLAP}
    assert stuck == {}
    assert len(per_record) == QUEUE_RECORDS
    assert set(Record.objects.filter(dataset=dataset).values_list("status", flat=True)) == {"completed"}
    # Nobody holds a lease on a record they answered.
    assert not RecordLease.objects.filter(record__dataset=dataset).exists()
