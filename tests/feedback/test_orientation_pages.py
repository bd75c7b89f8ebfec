"""Orientation while labeling (issue #13): where the labeler is on the record page, Skip,
the guidelines beside the record, who suggested what, and browse's filters and snippets.
Over plain HTTP (no JavaScript), plus the queue rules Skip relies on."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from feedback.forms import score_text
from feedback.models import Record, RecordLease, Response, ResponseStatus
from feedback.rendering import snippet
from feedback.services.queue import queue_next, queue_skip
from feedback.services.records import records_bulk_upsert
from feedback.services.responses import response_discard, response_save_draft, response_submit
from tests.builders import add_records, comparison_dataset, full_answer, record_item
from tests.feedback.test_labeler_pages import answer, page_text, record_url


@pytest.fixture
def dataset(people):
    dataset = comparison_dataset(
        people.workspace_a,
        min_submitted=1,
        shuffle_ranking_options=False,
        guidelines="Rank by **helpfulness**, then by honesty.",
    )
    add_records(dataset, 3)
    return dataset


def login(user) -> Client:
    """A signed-in client (`force_login`: the login form's rate limit is not under test here)."""
    client = Client()
    client.force_login(user)
    return client


def records(dataset) -> dict[str, Record]:
    return {r.external_id: r for r in Record.objects.filter(dataset=dataset)}


def orientation(page) -> str:
    block = re.search(r'<nav class="card orientation".*?</nav>', page.text, re.S)
    assert block, "the record page has no orientation bar"
    return block.group(0)


def badge(page) -> str:
    return re.search(r'class="status-badge status-(\w+)"', orientation(page)).group(1)


# The orientation bar ---------------------------------------------------------------


def test_the_record_page_names_the_dataset_counts_and_links(people, dataset):
    client = login(people.labeler_a1)
    rec = records(dataset)
    page = client.get(record_url(dataset, rec["rec-0"]))
    bar = orientation(page)
    text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", bar))
    assert dataset.name in text
    assert "0 of 3 done · 3 left for you" in text
    assert f'href="/datasets/{dataset.pk}/next"' in bar
    assert f'href="/datasets/{dataset.pk}/records"' in bar
    assert 'href="/"' in bar
    response_submit(record=rec["rec-1"], user=people.labeler_a1, values=full_answer())
    response_save_draft(record=rec["rec-2"], user=people.labeler_a1, values={"quality": {"value": 2}})
    text = page_text(client.get(record_url(dataset, rec["rec-0"])))
    assert "1 of 3 done · 1 left for you" in text


def test_the_status_badge_says_new_draft_submitted_or_discarded_in_words(people, dataset):
    client = login(people.labeler_a1)
    rec = records(dataset)["rec-0"]
    url = record_url(dataset, rec)
    page = client.get(url)
    assert badge(page) == "new" and "Your response: new" in page_text(page)
    client.post(url, {"action": "draft", "quality": "2"})
    page = client.get(url)
    assert badge(page) == "draft" and "Your response: draft" in page_text(page)
    client.post(url, answer())
    page = client.get(url)
    assert badge(page) == "submitted" and "Your response: submitted" in page_text(page)
    response_discard(record=rec, user=people.labeler_a1, values={})
    page = client.get(url)
    assert badge(page) == "discarded" and "Your response: discarded" in page_text(page)


def test_home_and_record_page_count_alike(people, dataset):
    rec = records(dataset)
    response_submit(record=rec["rec-0"], user=people.labeler_a1, values=full_answer())
    client = login(people.labeler_a1)
    home = page_text(client.get("/"))
    assert "1 submitted" in home and "2 left for you" in home
    assert "1 of 3 done · 2 left for you" in page_text(client.get(record_url(dataset, rec["rec-1"])))


# Skip ------------------------------------------------------------------------------


def test_skip_stores_nothing_and_moves_on(people, dataset):
    client = login(people.labeler_a1)
    first = client.get(f"/datasets/{dataset.pk}/next").url
    rec = records(dataset)
    assert first == record_url(dataset, rec["rec-0"])
    skipped = client.post(first, answer(action="skip"))
    assert skipped.status_code == 303 and skipped.url == f"/datasets/{dataset.pk}/next"
    assert not Response.objects.exists()
    assert client.get(skipped.url).url == record_url(dataset, rec["rec-1"])


def test_a_skipped_record_comes_back_after_the_others(people, dataset):
    user = people.labeler_a1
    rec = records(dataset)
    assert queue_next(dataset=dataset, user=user) == rec["rec-0"]
    queue_skip(record=rec["rec-0"], user=user)
    assert queue_next(dataset=dataset, user=user) == rec["rec-1"]
    response_submit(record=rec["rec-1"], user=user, values=full_answer())
    assert queue_next(dataset=dataset, user=user) == rec["rec-2"]
    response_submit(record=rec["rec-2"], user=user, values=full_answer())
    assert queue_next(dataset=dataset, user=user) == rec["rec-0"]
    # Taken again, it is held again (the skip is cleared).
    assert queue_next(dataset=dataset, user=user) == rec["rec-0"]
    assert RecordLease.objects.get(record=rec["rec-0"], user=user).skipped_at is None


def test_two_skips_come_back_in_the_order_they_were_skipped(people, dataset):
    user = people.labeler_a1
    rec = records(dataset)
    queue_skip(record=rec["rec-1"], user=user)
    queue_skip(record=rec["rec-0"], user=user)
    assert queue_next(dataset=dataset, user=user) == rec["rec-2"]
    response_submit(record=rec["rec-2"], user=user, values=full_answer())
    assert queue_next(dataset=dataset, user=user) == rec["rec-1"]


def test_a_skip_releases_the_slot_to_other_labelers(people, dataset):
    rec = records(dataset)
    assert queue_next(dataset=dataset, user=people.labeler_a1) == rec["rec-0"]
    assert queue_next(dataset=dataset, user=people.labeler_a2) == rec["rec-1"]  # rec-0's one slot is held
    response_submit(record=rec["rec-1"], user=people.labeler_a2, values=full_answer())
    queue_skip(record=rec["rec-0"], user=people.labeler_a1)
    assert queue_next(dataset=dataset, user=people.labeler_a2) == rec["rec-0"]


def test_a_skipped_draft_keeps_its_answers_and_comes_back_last(people, dataset):
    client = login(people.labeler_a1)
    rec = records(dataset)
    url = record_url(dataset, rec["rec-0"])
    client.post(url, {"action": "draft", "quality": "2"})
    assert client.get(f"/datasets/{dataset.pk}/next").url == url  # a draft is held...
    client.post(url, {"action": "skip", "quality": "5"})
    draft = Response.objects.get(record=rec["rec-0"])
    assert draft.status == ResponseStatus.DRAFT and draft.values == {"quality": {"value": 2}}
    assert client.get(f"/datasets/{dataset.pk}/next").url == record_url(dataset, rec["rec-1"])  # ...not once skipped
    for name in ("rec-1", "rec-2"):
        response_submit(record=rec[name], user=people.labeler_a1, values=full_answer())
    assert client.get(f"/datasets/{dataset.pk}/next").url == url
    assert 'value="2" checked' in client.get(url).text


def test_skip_is_a_button_beside_save_draft_and_discard(people, dataset):
    page = login(people.labeler_a1).get(record_url(dataset, records(dataset)["rec-0"]))
    actions = re.search(r'<p class="actions">(.*?)</p>', page.text, re.S).group(1)
    values = re.findall(r'name="action" value="(\w+)"', actions)
    assert values == ["submit", "draft", "skip", "discard"]
    assert re.search(r'value="skip" formnovalidate', actions)


# Guidelines and suggestions -----------------------------------------------------------


def test_guidelines_sit_in_a_side_panel_and_fold_at_the_top_on_phones(people, dataset):
    page = login(people.labeler_a1).get(record_url(dataset, records(dataset)["rec-0"]))
    aside = re.search(r'<aside class="guidelines-panel".*?</aside>', page.text, re.S)
    assert aside and re.search(r'<details class="card guidelines" open[ >]', aside.group(0))
    assert "<strong>helpfulness</strong>" in aside.group(0)
    top = re.search(r'<details class="card guidelines guidelines-top">.*?</details>', page.text, re.S)
    assert top and "<strong>helpfulness</strong>" in top.group(0)
    assert page.text.index("guidelines-top") < page.text.index('class="card record"')


def test_no_guidelines_no_panel(people):
    dataset = comparison_dataset(people.workspace_a, name="plain", min_submitted=1)
    add_records(dataset, 1)
    page = login(people.labeler_a1).get(record_url(dataset, Record.objects.get(dataset=dataset)))
    assert "guidelines" not in page.text


def test_suggestions_show_their_agent_and_score(people, dataset):
    questions = {q.name: q for q in dataset.questions.all()}
    suggestions = [
        {"question_id": str(questions["quality"].id), "value": 5, "agent": "gpt-4o", "score": 0.8234},
        {"question_id": str(questions["topic"].id), "value": "code"},
    ]
    records_bulk_upsert(dataset=dataset, items=[record_item(0, suggestions=suggestions)])
    page = login(people.labeler_a1).get(record_url(dataset, records(dataset)["rec-0"]))
    quality = re.search(r'id="question-quality".*?</legend>', page.text, re.S).group(0)
    assert "suggested by gpt-4o · 0.82" in re.sub(r"\s+", " ", quality)
    topic = re.search(r'id="question-topic".*?</legend>', page.text, re.S).group(0)
    assert re.search(r'<small class="suggested">suggested</small>', topic)


@pytest.mark.parametrize(
    ("score", "shown"),
    [(0.8234, "0.82"), (1, "1.00"), ([0.9, 0.125], "0.90, 0.12"), (None, ""), (True, ""), ("high", ""), ([], "")],
)
def test_a_score_reads_with_two_decimals(score, shown):
    assert score_text(score) == shown


# Browse ----------------------------------------------------------------------------


def test_snippets_are_cut_after_a_word_with_an_ellipsis():
    text = "The quick brown fox jumps over the lazy dog, again and again"
    assert snippet(text, 24) == "The quick brown fox…"
    assert snippet("The quick brown, fox", 18) == "The quick brown…"
    assert snippet("short  text\nhere", 24) == "short text here"
    assert snippet("x" * 30, 10) == "x" * 9 + "…"
    assert snippet([{"role": "user", "content": "hello"}, {"role": "assistant", "content": "hi there"}]) == (
        "hello hi there"
    )
    assert len(snippet("word " * 100)) <= 160


def test_browse_filters_by_suggestion_score(people, dataset):
    quality = dataset.questions.get(name="quality")
    topic = dataset.questions.get(name="topic")
    records_bulk_upsert(
        dataset=dataset,
        items=[
            record_item(0, suggestions=[{"question_id": str(quality.id), "value": 5, "score": 0.9}]),
            record_item(1, suggestions=[{"question_id": str(topic.id), "value": "code", "score": 0.4}]),
        ],
    )
    client = login(people.labeler_a1)
    url = f"/datasets/{dataset.pk}/records"

    def shown(query: str) -> set[str]:
        page = client.get(url + query)
        assert page.status_code == 200
        return set(re.findall(r">(rec-\d+)</a>", page.text))

    assert shown("?score=0.5") == {"rec-0"}
    assert shown("?score=0.4") == {"rec-0", "rec-1"}
    assert shown("?score=0.95") == set()
    assert shown("?score=nonsense") == {"rec-0", "rec-1", "rec-2"}
    assert 'name="score" value="0.5"' in client.get(url + "?score=0.5").text


def test_browse_cuts_the_text_on_a_word_and_offers_start_then_next(people, dataset):
    long_prompt = "Explain " + "the history of computing machines " * 10
    records_bulk_upsert(
        dataset=dataset, items=[record_item(0, fields={**record_item(0)["fields"], "prompt": long_prompt})]
    )
    client = login(people.labeler_a1)
    url = f"/datasets/{dataset.pk}/records"
    page = client.get(url)
    cell = re.search(r'>rec-0</a></td>\s*<td><span class="snippet">(.*?)</span></td>', page.text, re.S).group(1)
    assert cell.endswith("…") and len(cell) <= 160 and cell[:-1].split()[-1] in long_prompt.split()
    start = re.search(r'<a class="button" href="/datasets/[^"]+/next">([^<]+)</a>', page.text)
    assert start and start.group(1) == "Start labeling"
    response_submit(record=records(dataset)["rec-0"], user=people.labeler_a1, values=full_answer())
    page = client.get(url)
    assert re.search(r'<a class="button" href="/datasets/[^"]+/next">Next record</a>', page.text)
    assert "1 of 3 done · 2 left for you" in page_text(page)


def test_browse_pages_keep_the_filters(people, dataset):
    add_records(dataset, 60, start=100)
    page = login(people.labeler_a1).get(f"/datasets/{dataset.pk}/records?status=pending&q=number&score=&meta.model=a")
    link = re.search(r'href="\?([^"]*)">Next page</a>', page.text).group(1)
    assert "meta.model=a" in link and "status=pending" in link and link.endswith("page=2")
