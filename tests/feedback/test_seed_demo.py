"""The demo: a workspace with people and one published dataset per use case."""

from __future__ import annotations

from io import StringIO

from django.core.management import call_command
from django.test import Client

from feedback.dashboard import dashboard_compute
from feedback.models import Dataset, Record, Response, Review

DATASETS = {
    "demonstrations",
    "prompt-writing-and-rating",
    "response-comparison",
    "internal-evaluation",
    "pairwise-preference",
}


def seed(password: str | None = None) -> str:
    out = StringIO()
    call_command("seed_demo", *(["--password", password] if password else []), stdout=out)
    return out.getvalue()


def test_seed_demo_builds_the_five_use_cases_and_prints_credentials(db):
    output = seed()
    assert set(Dataset.objects.values_list("name", flat=True)) == DATASETS
    assert all(status == "ready" for status in Dataset.objects.values_list("status", flat=True))
    assert Record.objects.count() >= 60
    assert "ready with 5 datasets" in output and "pairwise-preference: 12 records" in output
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


def test_the_printed_admin_logs_in_and_sees_the_five_datasets(db):
    output = seed()
    line = next(line for line in output.splitlines() if "username: lead" in line)
    password = line.split("password:")[1].strip()
    client = Client()
    assert client.get("/admin/").url.startswith("/admin/login/")
    assert client.get("/admin/login/?next=/admin/").url.startswith("/accounts/login/")
    response = client.post("/accounts/login/?next=/admin/", {"login": "lead", "password": password})
    assert response.status_code == 302 and response.url == "/admin/"
    page = client.get("/admin/feedback/dataset/")
    for name in DATASETS:
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


def test_the_demo_pairwise_preference_is_a_blind_choice_between_two_responses_to_a_chat(db):
    seed("demo-password-1")
    pairwise = Dataset.objects.get(name="pairwise-preference")
    assert {f.name: f.type for f in pairwise.fields.all()} == {
        "prompt": "chat",
        "response-a": "text",
        "response-b": "text",
    }
    preference = pairwise.questions.get(name="preference")
    assert preference.type == "ranking" and preference.settings["allow_ties"]
    assert [option["value"] for option in preference.settings["options"]] == ["response-a", "response-b"]
    assert not pairwise.questions.get(name="why").required
    assert pairwise.records.count() == 12
    assert pairwise.records.filter(fields__prompt__1__role="assistant").exists()  # a conversation, several turns
    assert pairwise.leaderboard_models == {"response-a": "model-a", "response-b": "model-b"}
    assert not pairwise.metadata_properties.filter(visible_for_annotators=True).exists()

    # ana's record page: the conversation, the two responses and the three large choices,
    # and not a word of which model wrote which response.
    client = Client()
    assert client.login(username="ana", password="demo-password-1")
    record = pairwise.records.exclude(responses__user__username="ana").order_by("inserted_at", "id").first()
    page = client.get(f"/datasets/{pairwise.pk}/records/{record.pk}").content.decode()
    assert '<ol class="chat">' in page and 'class="pairwise"' in page
    # A on the left for everyone: the data already varies which model answers as A.
    assert not pairwise.shuffle_ranking_options
    choices = [page.index(f"{choice} <kbd") for choice in ("Response A is better", "Tie", "Response B is better")]
    assert choices == sorted(choices)
    assert page.index("<h2>Response A</h2>") < page.index("<h2>Response B</h2>")
    assert "feedloop-chat" not in page


def test_the_demo_pairwise_preference_has_votes_a_leaderboard_and_disputes(db):
    seed("demo-password-1")
    seed("demo-password-1")  # again: nobody's votes are added twice
    pairwise = Dataset.objects.get(name="pairwise-preference")
    payload = dashboard_compute(pairwise)
    assert payload["responses"] == {"submitted": 28, "draft": 0, "discarded": 0}
    # Two records wait for a second vote, two for a first: work left for a newcomer.
    assert payload["progress"]["remaining"] == 4 and len(payload["progress"]["per_day"]) >= 4
    preference = next(q for q in payload["questions"] if q["name"] == "preference")
    # Clear cases agreed on, close ones split: some agreement, far from perfect.
    assert 0 < preference["agreement"]["value"] < 0.8 and preference["disputed"]
    assert preference["unified"]["first"]["(tie)"] > 0
    by_name = {a["username"]: a for a in payload["annotators"]}
    assert {name: row["submitted"] for name, row in by_name.items()} == {"ana": 2, "ben": 9, "chloe": 9, "dev": 8}
    dev = next(row for row in by_name["dev"]["agreement"] if row["question"] == "preference")
    assert dev["alpha_without"] > dev["alpha"]
    assert by_name["dev"]["seconds_per_record"]["median"] < by_name["chloe"]["seconds_per_record"]["median"]
    # The leaderboard: the newer 7b model is preferred, the old one loses, some ties.
    board = payload["leaderboard"]
    assert board["comparisons"] > 20 and board["ties"] > 0
    assert [row["model"] for row in board["models"]] == [
        "feedloop-chat-7b-v2",
        "feedloop-chat-13b-v1",
        "feedloop-chat-7b-v1",
    ]
    # Split votes on completed records wait for a reviewer.
    assert Review.objects.filter(record__dataset=pairwise).exists()
