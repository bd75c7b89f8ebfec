"""Gold records over real HTTP (live_server): managers set and clear expected answers,
labelers cannot tell gold from any other record, and the metrics report who is flagged."""

from __future__ import annotations

import json

import requests

from accounts.api_keys import api_key_create
from feedback.models import Record
from feedback.services.datasets import dataset_update
from tests.builders import add_records, comparison_dataset, full_answer

EXPECTED = {"quality": {"value": 4}, "topic": {"value": "code"}}


def key_for(user) -> dict[str, str]:
    return {"X-Argilla-Api-Key": api_key_create(user=user, name="gold")[1]}


def test_managers_set_and_clear_gold_others_are_refused(people, live_server):
    dataset = comparison_dataset(people.workspace_a)
    record = add_records(dataset, 1)[0]
    url = f"{live_server.url}/api/v1/records/{record.pk}/gold"
    admin = key_for(people.admin_a)

    put = requests.put(url, json={"values": EXPECTED}, headers=admin, timeout=30)

    assert put.status_code == 200, put.text
    assert put.json()["record_id"] == str(record.pk)
    assert put.json()["values"] == EXPECTED
    assert Record.objects.get(pk=record.pk).gold == EXPECTED

    annotator = requests.put(url, json={"values": EXPECTED}, headers=key_for(people.labeler_a1), timeout=30)
    other = requests.delete(url, headers=key_for(people.labeler_b), timeout=30)
    assert (annotator.status_code, other.status_code) == (403, 404)
    assert "detail" in annotator.json() and "detail" in other.json()

    cleared = requests.delete(url, headers=admin, timeout=30)
    assert cleared.status_code == 204
    assert Record.objects.get(pk=record.pk).gold is None


def test_bad_expected_answers_are_422_naming_the_question_and_store_nothing(people, live_server):
    dataset = comparison_dataset(people.workspace_a)
    record = add_records(dataset, 1)[0]
    url = f"{live_server.url}/api/v1/records/{record.pk}/gold"
    admin = key_for(people.admin_a)

    wrong = requests.put(
        url, json={"values": {"quality": {"value": 9}, "nope": {"value": 1}}}, headers=admin, timeout=30
    )
    partial = requests.put(
        url, json={"values": {"ranking": {"value": [{"value": "response-1"}]}}}, headers=admin, timeout=30
    )
    ungraded = requests.put(url, json={"values": {"comment": {"value": "free text"}}}, headers=admin, timeout=30)
    missing = requests.put(url, json={}, headers=admin, timeout=30)

    assert wrong.status_code == 422
    assert {tuple(e["loc"]) for e in wrong.json()["errors"]} == {("values", "quality", "value"), ("values", "nope")}
    assert partial.status_code == 422 and "Rank every response" in partial.text
    assert ungraded.status_code == 422 and "graded" in ungraded.text
    assert missing.status_code == 422 and "values" in missing.text
    assert Record.objects.get(pk=record.pk).gold is None


def test_labelers_cannot_tell_a_gold_record_from_any_other(people, live_server):
    dataset = comparison_dataset(people.workspace_a, min_submitted=1)
    normal, golden = add_records(dataset, 2)
    marker = {"topic": {"value": "code"}, "failures": {"value": ["harmful", "unhelpful"]}, "quality": {"value": 2}}
    requests.put(
        f"{live_server.url}/api/v1/records/{golden.pk}/gold",
        json={"values": marker},
        headers=key_for(people.admin_a),
        timeout=30,
    ).raise_for_status()
    dataset_update(dataset=dataset, gold_rate=0.5)
    labeler = key_for(people.labeler_a1)
    api = f"{live_server.url}/api/v1"

    bodies = []
    for _ in range(2):
        picked = requests.get(f"{api}/me/datasets/{dataset.pk}/records/next", headers=labeler, timeout=30)
        assert picked.status_code == 200, picked.text
        bodies.append(picked.json())
        requests.post(
            f"{api}/records/{picked.json()['id']}/responses",
            json={"values": full_answer(), "status": "submitted"},
            headers=labeler,
            timeout=30,
        ).raise_for_status()
    detail = requests.get(
        f"{api}/records/{golden.pk}?include=responses&include=suggestions", headers=labeler, timeout=30
    )
    listed = requests.get(f"{api}/datasets/{dataset.pk}/records?include=responses", headers=labeler, timeout=30)

    assert {body["id"] for body in bodies} == {str(normal.pk), str(golden.pk)}
    assert set(bodies[0]) == set(bodies[1])  # the same keys for gold and normal
    for text in (json.dumps(bodies), detail.text, listed.text):
        assert "gold" not in text
        assert '"harmful", "unhelpful"' not in text and '["harmful","unhelpful"]' not in text


def test_the_metrics_flag_a_labeler_who_answers_gold_wrongly_and_pausing_empties_next(people, live_server):
    dataset = comparison_dataset(people.workspace_a, min_submitted=1)
    records = add_records(dataset, 6)
    admin = key_for(people.admin_a)
    api = f"{live_server.url}/api/v1"
    for record in records[:3]:
        requests.put(
            f"{api}/records/{record.pk}/gold", json={"values": EXPECTED}, headers=admin, timeout=30
        ).raise_for_status()
    dataset_update(dataset=dataset, gold_rate=1.0, gold_min_answers=3, gold_threshold=0.5, gold_pause_flagged=True)
    careless, careful = key_for(people.labeler_a1), key_for(people.labeler_a2)
    for labeler, topic in ((careless, "other"), (careful, "code")):
        for _ in range(3):
            picked = requests.get(f"{api}/me/datasets/{dataset.pk}/records/next", headers=labeler, timeout=30)
            requests.post(
                f"{api}/records/{picked.json()['id']}/responses",
                json={"values": full_answer(topic={"value": topic}), "status": "submitted"},
                headers=labeler,
                timeout=30,
            ).raise_for_status()

    metrics = requests.get(f"{api}/datasets/{dataset.pk}/metrics", headers=admin, timeout=30).json()
    paused_next = requests.get(f"{api}/me/datasets/{dataset.pk}/records/next", headers=careless, timeout=30)
    careful_next = requests.get(f"{api}/me/datasets/{dataset.pk}/records/next", headers=careful, timeout=30)

    report = metrics["gold"]
    assert {k: report[k] for k in ("gold_records", "rate", "threshold", "min_answers", "pause_flagged")} == {
        "gold_records": 3,
        "rate": 1.0,
        "threshold": 0.5,
        "min_answers": 3,
        "pause_flagged": True,
    }
    by_name = {row["username"]: row for row in report["labelers"]}
    assert by_name["labeler-a1"] == {
        "user_id": str(people.labeler_a1.pk),
        "username": "labeler-a1",
        "graded": 3,
        "correct": 0,
        "accuracy": 0.0,
        "flagged": True,
        "paused": True,
    }
    assert (by_name["labeler-a2"]["accuracy"], by_name["labeler-a2"]["flagged"]) == (1.0, False)
    assert paused_next.status_code == 204 and paused_next.content == b""
    assert careful_next.status_code == 200
    # Gold answers are kept out of agreement: no record here has two answers outside gold.
    assert all(q["answered_records"] == 0 for q in metrics["questions"])
