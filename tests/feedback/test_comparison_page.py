"""A comparison on the record page, over plain HTTP (no JavaScript), #13: the responses a
ranking compares stand side by side, each rank is a button (a radio input) per response,
and a pair of responses is ranked by one of three large choices."""

from __future__ import annotations

import re
from html import unescape

import pytest
from django.test import Client

from feedback.models import Record, Response, ResponseStatus
from feedback.questions import kind_of
from feedback.services import datasets as services
from feedback.services.records import records_bulk_upsert
from tests.builders import add_records, comparison_dataset
from tests.feedback.test_labeler_pages import record_url


def login(user) -> Client:
    """A logged-in client (the login form is tested elsewhere; its rate limit counts every post)."""
    client = Client()
    client.force_login(user)
    return client


def columns(html: str) -> list[tuple[str, str]]:
    """The side-by-side block's columns: (title, text) each, in the order shown."""
    block = re.search(r'<div class="compare[^"]*">(.*?)</div><!-- /compare -->', html, re.S)
    assert block, "no side-by-side block"
    found = re.findall(r'<section class="response[^"]*"[^>]*>\s*<h2>(.*?)</h2>(.*?)</section>', block.group(1), re.S)
    return [(unescape(title.strip()), body) for title, body in found]


def fieldset(html: str, question: str) -> str:
    """A question's fieldset (the ranking's rows hold no fieldset of their own)."""
    return re.search(rf'id="question-{question}".*?</fieldset>', html, re.S).group(0)


def checked_values(html: str, name: str) -> list[str]:
    inputs = re.findall(rf'<input type="radio" name="{re.escape(name)}" value="([^"]*)"( checked)?', html)
    return [value for value, checked in inputs if checked]


@pytest.fixture
def dataset(people):
    dataset = comparison_dataset(people.workspace_a, shuffle_ranking_options=False)
    add_records(dataset, 1)
    return dataset


def test_the_compared_responses_stand_side_by_side_titled_by_their_option(people, dataset):
    page = login(people.labeler_a1).get(record_url(dataset, Record.objects.get(external_id="rec-0")))
    shown = columns(page.text)
    assert [title for title, _ in shown] == ["Response 1", "Response 2", "Response 3"]
    assert "first answer 0" in shown[0][1] and "third answer 0" in shown[2][1]
    # The prompt stays a field of its own, above the responses; each response shows once.
    assert page.text.count("second answer 0") == 1
    assert page.text.index("Prompt number 0") < page.text.index('<div class="compare')


def test_the_columns_follow_the_shuffled_order_of_the_ranking(people):
    dataset = comparison_dataset(people.workspace_a, name="shuffled", shuffle_ranking_options=True)
    add_records(dataset, 4)
    client = login(people.labeler_a1)
    ranking = dataset.questions.get(name="ranking")
    orders = set()
    for record in Record.objects.filter(dataset=dataset):
        page = client.get(record_url(dataset, record)).text
        shown = kind_of("ranking").shown_options(ranking, record=record, user=people.labeler_a1, shuffle=True)
        assert [title for title, _ in columns(page)] == [option["text"] for option in shown]
        rows = re.findall(r'<li data-option="([^"]+)"', fieldset(page, "ranking"))
        assert rows == [option["value"] for option in shown]
        orders.add(tuple(rows))
    assert len(orders) > 1  # four records, one order each: the shuffle shows


def markdown_comparison(workspace, *, option_names=("answer-1", "answer-2", "answer-3"), name: str = "markdown"):
    """A chat prompt and markdown responses, each named by an option of the ranking
    (but for options named `elsewhere`)."""
    dataset = services.dataset_create(workspace=workspace, name=name, shuffle_ranking_options=False)
    services.field_create(dataset=dataset, name="prompt", type="chat")
    names = list(option_names)
    for field in names:
        if field != "elsewhere":
            services.field_create(dataset=dataset, name=field, settings={"use_markdown": True}, required=False)
    letters = "ABCDEFGH"
    services.question_create(
        dataset=dataset,
        name="ranking",
        type="ranking",
        settings={"options": [{"value": v, "text": f"Answer {letters[n]}"} for n, v in enumerate(names)]},
    )
    return services.dataset_publish(dataset=dataset)


def test_compared_markdown_is_rendered_and_sanitised_and_the_chat_stays_a_conversation(people):
    dataset = markdown_comparison(people.workspace_a)
    text = (
        "Steps:\n\n1. one\n2. two\n\n```python\nprint('hi')\n```\n\n| a | b |\n|---|---|\n| 1 | 2 |\n\n"
        "<script>alert(1)</script> [x](javascript:alert(2))"
    )
    chat = [{"role": "user", "content": "Compare **these**"}, {"role": "assistant", "content": "Sure."}]
    records_bulk_upsert(
        dataset=dataset,
        items=[{"external_id": "m", "fields": {"prompt": chat, "answer-1": text, "answer-2": "two", "answer-3": "x"}}],
    )
    page = login(people.labeler_a1).get(record_url(dataset, Record.objects.get(dataset=dataset)))
    (first_title, first), *_ = columns(page.text)
    assert first_title == "Answer A"
    # Code blocks and tables scroll by keyboard too (tabindex, from feedback/rendering.py).
    assert "<ol>" in first and '<pre tabindex="0"><code' in first and '<table tabindex="0">' in first
    assert "<td>2</td>" in first
    assert "<script" not in page.text.split('<div class="compare')[1].split("<form")[0]
    assert not re.search(r"""href=["']?javascript:""", first)
    assert '<ol class="chat">' in page.text and "role-assistant" in page.text


def test_a_long_response_keeps_its_show_all(people):
    dataset = markdown_comparison(people.workspace_a, name="long")
    long = "word " * 1000
    records_bulk_upsert(
        dataset=dataset,
        items=[{"external_id": "l", "fields": {"prompt": [{"role": "user", "content": "q"}], "answer-2": long}}],
    )
    page = login(people.labeler_a1).get(record_url(dataset, Record.objects.get(dataset=dataset)))
    shown = columns(page.text)
    # A response the record lacks is no column; the long one collapses.
    assert [title for title, _ in shown] == ["Answer B"]
    assert "Show all (5000 characters)" in page.text
    assert '<section class="response field long">' in page.text


@pytest.mark.parametrize(
    ("option_names", "why"),
    [
        (["answer-1", "answer-2", "answer-3", "answer-4", "answer-5"], "five responses are too many for columns"),
        (["answer-1", "elsewhere", "answer-3"], "an option that names no field"),
    ],
)
def test_no_columns_unless_every_option_of_two_to_four_names_a_field(people, option_names, why):
    dataset = markdown_comparison(people.workspace_a, option_names=option_names)
    fields = {name: f"text of {name}" for name in option_names if name != "elsewhere"}
    fields["prompt"] = [{"role": "user", "content": "q"}]
    records_bulk_upsert(dataset=dataset, items=[{"external_id": "n", "fields": fields}])
    page = login(people.labeler_a1).get(record_url(dataset, Record.objects.get(dataset=dataset)))
    assert '<div class="compare' not in page.text, why


def test_ranks_are_buttons_per_response_without_dropdowns(people, dataset):
    client = login(people.labeler_a1)
    record = Record.objects.get(external_id="rec-0")
    ranking = fieldset(client.get(record_url(dataset, record)).text, "ranking")
    assert "<select" not in ranking
    for n in (1, 2, 3):
        assert f"Rank of Response {n}" in ranking
        values = re.findall(rf'<input type="radio" name="ranking\.response-{n}" value="(\d)"', ranking)
        assert values == ["1", "2", "3"]
    # A tie, posted as buttons would: kept after an error elsewhere, then stored.
    form = {"action": "submit", "ranking.response-1": "1", "ranking.response-2": "1", "ranking.response-3": "3"}
    refused = client.post(record_url(dataset, record), form)
    assert refused.status_code == 400  # quality is required
    ranking = fieldset(refused.text, "ranking")
    assert checked_values(ranking, "ranking.response-1") == ["1"] == checked_values(ranking, "ranking.response-2")
    assert client.post(record_url(dataset, record), {**form, "quality": "3", "action": "draft"}).status_code == 303
    stored = Response.objects.get(record=record)
    assert stored.status == ResponseStatus.DRAFT
    assert stored.values["ranking"]["value"] == [
        {"value": "response-1", "rank": 1},
        {"value": "response-2", "rank": 1},
        {"value": "response-3", "rank": 3},
    ]
    ranking = fieldset(client.get(record_url(dataset, record)).text, "ranking")
    assert checked_values(ranking, "ranking.response-3") == ["3"]


def pair_dataset(workspace, *, allow_ties: bool = True):
    dataset = services.dataset_create(workspace=workspace, name=f"pair-{allow_ties}", shuffle_ranking_options=False)
    services.field_create(dataset=dataset, name="prompt")
    for name in ("a", "b"):
        services.field_create(dataset=dataset, name=name, settings={"use_markdown": True})
    services.question_create(
        dataset=dataset,
        name="pick",
        type="ranking",
        settings={
            "options": [{"value": "a", "text": "Response A"}, {"value": "b", "text": "Response B"}],
            "allow_ties": allow_ties,
        },
    )
    dataset = services.dataset_publish(dataset=dataset)
    item = {"external_id": "p", "fields": {"prompt": "Q?", "a": "Yes", "b": "No"}}
    records_bulk_upsert(dataset=dataset, items=[item])
    return dataset


def choices(html: str) -> dict[str, str]:
    """The pair's choices: the words on each button, by the value it posts."""
    found = re.findall(
        r'<input type="radio" name="pick" value="([^"]*)"[^>]*>\s*<span[^>]*>(.*?)</span>', fieldset(html, "pick"), re.S
    )
    return {re.sub(r"<[^>]+>|\s+", " ", words).split("  ")[0].strip(): value for value, words in found}


def test_a_pair_is_ranked_by_one_of_three_choices(people):
    dataset = pair_dataset(people.workspace_a)
    record = Record.objects.get(dataset=dataset)
    client = login(people.labeler_a1)
    page = client.get(record_url(dataset, record)).text
    assert [title for title, _ in columns(page)] == ["Response A", "Response B"]
    pick = fieldset(page, "pick")
    assert 'name="pick.a"' not in pick and "<select" not in pick
    assert 'data-number-keys="choose"' in page  # its digit keys choose like a label's
    buttons = choices(page)
    assert list(buttons) == ["Response A is better", "Tie", "Response B is better"]
    for words, expected in (
        ("Response B is better", [{"value": "b", "rank": 1}, {"value": "a", "rank": 2}]),
        ("Tie", [{"value": "a", "rank": 1}, {"value": "b", "rank": 1}]),
        ("Response A is better", [{"value": "a", "rank": 1}, {"value": "b", "rank": 2}]),
    ):
        response = client.post(record_url(dataset, record), {"action": "draft", "pick": buttons[words]})
        assert response.status_code == 303
        assert Response.objects.get(record=record).values["pick"]["value"] == expected
        # Shown again, the stored answer is the checked choice.
        shown = fieldset(client.get(record_url(dataset, record)).text, "pick")
        assert checked_values(shown, "pick") == [buttons[words]]


def test_a_pair_without_ties_has_no_tie_button(people):
    dataset = pair_dataset(people.workspace_a, allow_ties=False)
    page = login(people.labeler_a1).get(record_url(dataset, Record.objects.get(dataset=dataset))).text
    assert list(choices(page)) == ["Response A is better", "Response B is better"]


def test_an_unreadable_pair_choice_is_said_at_its_question(people):
    dataset = pair_dataset(people.workspace_a)
    client = login(people.labeler_a1)
    response = client.post(record_url(dataset, Record.objects.get(dataset=dataset)), {"action": "submit", "pick": "x"})
    assert response.status_code == 400
    assert "Choose which response is better" in fieldset(response.text, "pick")
    assert not Response.objects.exists()


def test_four_long_responses_keep_the_page_in_its_query_budget(people, django_assert_max_num_queries):
    """Four 2,000-word markdown responses side by side: a query count that does not
    grow with them (their speed is measured by bench/record_page.py, not here)."""
    dataset = markdown_comparison(people.workspace_a, option_names=[f"answer-{n}" for n in range(1, 5)], name="four")
    words = " ".join(f"word{n} **bold** `code`" if n % 50 == 0 else f"word{n}" for n in range(2000))
    fields = {f"answer-{n}": f"# Answer {n}\n\n{words}\n\n- a\n- b\n" for n in range(1, 5)}
    records_bulk_upsert(
        dataset=dataset,
        items=[{"external_id": "four", "fields": {"prompt": [{"role": "user", "content": "q"}], **fields}}],
    )
    client = login(people.labeler_a1)
    url = record_url(dataset, Record.objects.get(dataset=dataset))
    with django_assert_max_num_queries(20):
        page = client.get(url)
    assert [title for title, _ in columns(page.text)] == ["Answer A", "Answer B", "Answer C", "Answer D"]
    assert page.text.count("Show all (") == 4
