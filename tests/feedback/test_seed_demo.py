"""The demo: a workspace with people and one published dataset per use case."""

from __future__ import annotations

from io import StringIO

from django.core.management import call_command
from django.test import Client

from feedback.dashboard import dashboard_compute
from feedback.models import Dataset, Record, Response


def seed(password: str | None = None) -> str:
    out = StringIO()
    call_command("seed_demo", *(["--password", password] if password else []), stdout=out)
    return out.getvalue()


def test_seed_demo_builds_the_four_use_cases_and_prints_credentials(db):
    output = seed()
    names = set(Dataset.objects.values_list("name", flat=True))
    assert names == {"demonstrations", "prompt-writing-and-rating", "response-comparison", "internal-evaluation"}
    assert all(status == "ready" for status in Dataset.objects.values_list("status", flat=True))
    assert Record.objects.count() >= 40
    assert "username: owner" in output and "username: lead" in output and "username: ana" in output
    comparison = Dataset.objects.get(name="response-comparison")
    assert comparison.questions.get(name="ranking").type == "ranking"
    evaluation = Dataset.objects.get(name="internal-evaluation")
    assert {q.name: q.type for q in evaluation.questions.all()} == {
        "quality": "rating",
        "failures": "multi_label_selection",
        "comment": "text",
    }
    assert evaluation.records.filter(metadata__model="feedloop-chat-7b-v2").exists()


def test_the_printed_admin_logs_in_and_sees_the_four_datasets(db):
    output = seed()
    line = next(line for line in output.splitlines() if "username: lead" in line)
    password = line.split("password:")[1].strip()
    client = Client()
    assert client.get("/admin/").url.startswith("/admin/login/")
    assert client.get("/admin/login/?next=/admin/").url.startswith("/accounts/login/")
    response = client.post("/accounts/login/?next=/admin/", {"login": "lead", "password": password})
    assert response.status_code == 302 and response.url == "/admin/"
    page = client.get("/admin/feedback/dataset/")
    for name in ("demonstrations", "prompt-writing-and-rating", "response-comparison", "internal-evaluation"):
        assert name in page.text


def test_seeding_again_keeps_everyone_s_work(db):
    seed(password="demo-password-1")
    before = (Record.objects.count(), Response.objects.count())
    output = seed(password="demo-password-2")
    assert (Record.objects.count(), Response.objects.count()) == before
    assert "demo-password-2" in output
    assert Client().login(username="ana", password="demo-password-2")


def test_the_demo_evaluation_has_a_team_whose_dashboard_shows_agreement_and_disagreement(db):
    seed("demo-password-1")
    seed("demo-password-1")  # again: nobody's answers are added twice
    evaluation = Dataset.objects.get(name="internal-evaluation")
    payload = dashboard_compute(evaluation)
    assert payload["responses"] == {"submitted": 36, "draft": 1, "discarded": 1}
    assert len(payload["progress"]["per_day"]) >= 5 and payload["progress"]["eta_date"] is not None
    quality = next(q for q in payload["questions"] if q["name"] == "quality")
    assert 0 < quality["agreement"]["value"] < 0.8 and quality["agreement_interval"] and quality["disputed"]
    by_name = {a["username"]: a for a in payload["annotators"]}
    # dev is fast and far off: leaving dev out raises agreement; chloe pastes some comments.
    dev_quality = next(row for row in by_name["dev"]["agreement"] if row["question"] == "quality")
    assert dev_quality["alpha_without"] > dev_quality["alpha"]
    assert by_name["dev"]["seconds_per_record"]["median"] < by_name["ben"]["seconds_per_record"]["median"]
    assert by_name["chloe"]["paste_rate"] > 0
