"""Gold records on the labeler pages: a gold record's page is like any other's (the
expected answers never reach the labeler), and a paused labeler is told so plainly."""

from __future__ import annotations

import re

import pytest

from feedback.services.datasets import dataset_update
from feedback.services.gold import gold_pause_lift, record_gold_set
from tests.builders import add_records, comparison_dataset
from tests.feedback.test_labeler_pages import answer, login

# Answers no form prefills for a record without suggestions: if they show, gold leaked.
EXPECTED = {"topic": {"value": "other"}, "failures": {"value": ["unhelpful"]}, "quality": {"value": 2}}


@pytest.fixture
def dataset(people):
    dataset = comparison_dataset(people.workspace_a, min_submitted=1, shuffle_ranking_options=False)
    _, golden = add_records(dataset, 2)
    record_gold_set(record=golden, values=EXPECTED)
    return dataset_update(dataset=dataset, gold_rate=0.5, gold_min_answers=1, gold_pause_flagged=True)


def form_marks(page: str) -> tuple:
    """What the form holds beyond the record's text: its inputs, and what is prefilled."""
    names = sorted(set(re.findall(r'name="([^"]+)"', page)))
    return names, len(re.findall(r"\bchecked\b", page)), len(re.findall(r"\bselected\b", page))


def test_a_gold_record_page_looks_like_any_other(people, dataset):
    client = login(people.labeler_a1)
    pages = {}
    for _ in range(2):
        url = client.get(f"/datasets/{dataset.pk}/next").url
        record = dataset.records.get(pk=url.rstrip("/").split("/")[-1])
        page = client.get(url).text
        pages[record.gold is not None] = (record, page)
        client.post(url, answer(quality="2", topic="other", failures="unhelpful"))

    (_, normal_page), (_, gold_page) = pages[False], pages[True]
    assert "gold" not in gold_page.lower()
    assert form_marks(gold_page) == form_marks(normal_page)
    assert 'value="2" checked' not in gold_page and 'value="other" checked' not in gold_page


def test_a_paused_labeler_is_told_to_ask_their_admin(people, dataset):
    client = login(people.labeler_a2)
    # Answer the gold record wrongly (the expected rating is 2).
    for _ in range(2):
        url = client.get(f"/datasets/{dataset.pk}/next").url
        client.post(url, answer(quality="5"))

    done = client.get(client.get(f"/datasets/{dataset.pk}/next").url)

    assert "paused for review of your answers, ask your admin" in done.text
    gold_pause_lift(dataset=dataset, user=people.labeler_a2)
    done_again = client.get(f"/datasets/{dataset.pk}/done")
    assert "paused" not in done_again.text.lower()
