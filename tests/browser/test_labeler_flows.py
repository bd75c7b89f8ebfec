"""What a labeler does, click by click and key by key, in a real browser."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from feedback.models import Record, Response, ResponseStatus
from feedback.services import datasets as services
from feedback.services.records import records_bulk_upsert
from tests.browser.conftest import log_in
from tests.factories import PASSWORD, MembershipFactory, UserFactory, WorkspaceFactory

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.browser]


@pytest.fixture
def labeler():
    workspace = WorkspaceFactory(name="browser-ws")
    user = UserFactory(username="ana")
    MembershipFactory(workspace=workspace, user=user)
    return user


def publish(dataset):
    return services.dataset_publish(dataset=dataset)


def demonstrations(workspace):
    dataset = services.dataset_create(workspace=workspace, name="demonstrations", guidelines="Write **helpfully**.")
    services.field_create(dataset=dataset, name="prompt", settings={"use_markdown": True})
    services.question_create(dataset=dataset, name="response", type="text")
    dataset = publish(dataset)
    records_bulk_upsert(dataset=dataset, items=[{"external_id": "d1", "fields": {"prompt": "Why is the sky blue?"}}])
    return dataset


def comparison(workspace):
    dataset = services.dataset_create(workspace=workspace, name="comparison", shuffle_ranking_options=False)
    services.field_create(dataset=dataset, name="prompt")
    options = [{"value": f"response-{n}", "text": f"Response {n}"} for n in (1, 2, 3)]
    for option in options:
        services.field_create(dataset=dataset, name=option["value"])
    services.question_create(dataset=dataset, name="ranking", type="ranking", settings={"options": options})
    dataset = publish(dataset)
    records_bulk_upsert(
        dataset=dataset,
        items=[
            {
                "external_id": f"c{n}",
                "fields": {"prompt": f"Prompt {n}", "response-1": "A", "response-2": "B", "response-3": "C"},
            }
            for n in (1, 2)
        ],
    )
    return dataset


def evaluation(workspace):
    dataset = services.dataset_create(workspace=workspace, name="evaluation")
    services.field_create(dataset=dataset, name="prompt")
    services.field_create(dataset=dataset, name="response")
    services.question_create(
        dataset=dataset, name="quality", type="rating", settings={"options": [{"value": v} for v in range(1, 8)]}
    )
    services.question_create(
        dataset=dataset,
        name="failures",
        type="multi_label_selection",
        required=False,
        settings={"options": [{"value": v} for v in ("hallucination", "harmful", "unhelpful")]},
    )
    services.question_create(dataset=dataset, name="comment", type="text", required=False)
    dataset = publish(dataset)
    records_bulk_upsert(
        dataset=dataset, items=[{"external_id": "e1", "fields": {"prompt": "Capital of France?", "response": "Lyon."}}]
    )
    return dataset


def start(page: Page, live_server, dataset) -> None:
    page.goto(f"{live_server.url}/")
    page.get_by_role("link", name="Start").nth(0).wait_for()
    page.goto(f"{live_server.url}/datasets/{dataset.pk}/next")


def only_response(dataset) -> Response:
    return Response.objects.get(record__dataset=dataset)


def test_write_a_demonstration(page: Page, live_server, labeler):
    dataset = demonstrations(labeler.memberships.get().workspace)
    log_in(page, live_server.url, "ana", PASSWORD)
    start(page, live_server, dataset)
    expect(page.locator(".record")).to_contain_text("Why is the sky blue?")
    # Wide screens show the guidelines open beside the record (phones fold them at the top).
    expect(page.locator("aside.guidelines-panel strong")).to_have_text("helpfully")
    page.fill('textarea[name="response"]', "Because of Rayleigh scattering: blue light scatters more.")
    page.get_by_role("button", name="Submit").click()
    expect(page.get_by_role("heading", name="Nothing left for you in demonstrations")).to_be_visible()
    response = only_response(dataset)
    assert response.status == ResponseStatus.SUBMITTED
    assert response.values["response"]["value"].startswith("Because of Rayleigh")
    assert response.time_spent_seconds is not None and response.context["pasted"] == []


def tab_to(page: Page, selector: str, limit: int = 60) -> None:
    """Press Tab until the focused element matches `selector` (a keyboard-only walk)."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate("selector => document.activeElement.matches(selector)", selector):
            return
    raise AssertionError(f"Tab never reached {selector}")


def ranked(dataset) -> list[str]:
    return [item["value"] for item in only_response(dataset).values["ranking"]["value"]]


def test_rank_three_responses_by_keyboard(page: Page, live_server, labeler):
    dataset = comparison(labeler.memberships.get().workspace)
    log_in(page, live_server.url, "ana", PASSWORD)
    start(page, live_server, dataset)
    expect(page.locator(".ranking-order")).to_have_text("Still to rank: Response 1, Response 2, Response 3")
    # Only keys from here: Tab to the first response's rank buttons, then a number key
    # per response (each moves focus on to the next response), then Enter.
    tab_to(page, 'input[name="ranking.response-1"]')
    page.keyboard.press("3")  # response-1 is worst
    expect(page.locator('input[name="ranking.response-1"][value="3"]')).to_be_checked()
    expect(page.locator('input[name="ranking.response-2"][value="1"]')).to_be_focused()
    page.keyboard.press("1")
    page.keyboard.press("2")
    # The list shows the order now that every response has its rank.
    expect(page.locator(".ranking-order")).to_have_text("Order: Response 2 > Response 3 > Response 1")
    assert page.locator("ol.ranking > li").evaluate_all("rows => rows.map(row => row.dataset.option)") == [
        "response-2",
        "response-3",
        "response-1",
    ]
    page.keyboard.press("Enter")
    expect(page.locator(".record")).to_contain_text("Prompt 2")
    assert ranked(dataset) == ["response-2", "response-3", "response-1"]


def test_rank_by_dragging(page: Page, live_server, labeler):
    dataset = comparison(labeler.memberships.get().workspace)
    log_in(page, live_server.url, "ana", PASSWORD)
    start(page, live_server, dataset)
    page.drag_and_drop(
        'li[data-option="response-3"] .handle', 'li[data-option="response-1"]', target_position={"x": 5, "y": 2}
    )
    expect(page.locator('input[name="ranking.response-3"][value="1"]')).to_be_checked()
    expect(page.locator(".ranking-order")).to_have_text("Order: Response 3 > Response 1 > Response 2")
    page.get_by_role("button", name="Submit").click()
    expect(page.locator(".record")).to_contain_text("Prompt 2")
    assert ranked(dataset) == ["response-3", "response-1", "response-2"]


def test_rank_by_clicking_rank_buttons_with_a_tie(page: Page, live_server, labeler):
    dataset = comparison(labeler.memberships.get().workspace)
    log_in(page, live_server.url, "ana", PASSWORD)
    start(page, live_server, dataset)
    for option, rank in (("Response 1", "2"), ("Response 2", "2"), ("Response 3", "1")):
        page.get_by_role("radiogroup", name=f"Rank of {option}").get_by_text(rank, exact=True).click()
    expect(page.locator(".ranking-order")).to_have_text("Order: Response 3 > Response 1 = Response 2")
    page.get_by_role("button", name="Submit").click()
    expect(page.locator(".record")).to_contain_text("Prompt 2")
    assert only_response(dataset).values["ranking"]["value"] == [
        {"value": "response-3", "rank": 1},
        {"value": "response-1", "rank": 2},
        {"value": "response-2", "rank": 2},
    ]


def pair(workspace):
    dataset = services.dataset_create(workspace=workspace, name="pair", shuffle_ranking_options=False)
    services.field_create(dataset=dataset, name="prompt")
    for name in ("a", "b"):
        services.field_create(dataset=dataset, name=name)
    options = [{"value": "a", "text": "Response A"}, {"value": "b", "text": "Response B"}]
    services.question_create(dataset=dataset, name="ranking", type="ranking", settings={"options": options})
    dataset = publish(dataset)
    records_bulk_upsert(
        dataset=dataset, items=[{"external_id": "p1", "fields": {"prompt": "2 + 2?", "a": "4", "b": "5"}}]
    )
    return dataset


def test_a_pair_is_ranked_by_its_big_buttons_and_keys(page: Page, live_server, labeler):
    dataset = pair(labeler.memberships.get().workspace)
    log_in(page, live_server.url, "ana", PASSWORD)
    start(page, live_server, dataset)
    choices = page.locator(".pairwise label")
    expect(choices).to_have_text(["Response A is better 1", "Tie 2", "Response B is better 3"])
    for box in choices.evaluate_all("labels => labels.map(label => label.getBoundingClientRect().height)"):
        assert box >= 44
    # Keys only: 3 picks "Response B is better", 2 changes it to a tie; Enter submits.
    page.keyboard.press("3")
    expect(page.get_by_role("radio", name="Response B is better")).to_be_checked()
    page.keyboard.press("2")
    expect(page.get_by_role("radio", name="Tie")).to_be_checked()
    expect(page.get_by_role("radio", name="Tie")).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Nothing left for you in pair")).to_be_visible()
    assert only_response(dataset).values["ranking"]["value"] == [{"value": "a", "rank": 1}, {"value": "b", "rank": 1}]


def test_responses_stand_side_by_side_and_stack_on_phones(page: Page, live_server, labeler):
    dataset = comparison(labeler.memberships.get().workspace)
    log_in(page, live_server.url, "ana", PASSWORD)
    start(page, live_server, dataset)
    columns = page.locator(".compare .response")
    expect(columns.locator("h2")).to_have_text(["Response 1", "Response 2", "Response 3"])

    def boxes() -> list[dict]:
        return columns.evaluate_all("items => items.map(item => item.getBoundingClientRect().toJSON())")

    tops, lefts = {round(box["top"]) for box in boxes()}, [box["left"] for box in boxes()]
    assert len(tops) == 1 and lefts == sorted(lefts) and len(set(lefts)) == 3  # one row, three columns
    page.set_viewport_size({"width": 390, "height": 844})
    tops, lefts = [box["top"] for box in boxes()], {round(box["left"]) for box in boxes()}
    assert len(lefts) == 1 and tops == sorted(tops) and len(set(tops)) == 3  # one column, stacked


def test_rate_an_interaction_and_pick_failure_labels(page: Page, live_server, labeler):
    dataset = evaluation(labeler.memberships.get().workspace)
    log_in(page, live_server.url, "ana", PASSWORD)
    start(page, live_server, dataset)
    page.locator("body").click()
    page.keyboard.press("2")  # the first rating question is the current one
    page.locator('input[name="failures"][value="hallucination"]').check()
    page.fill('textarea[name="comment"]', "Lyon is not the capital.")
    page.get_by_role("button", name="Submit").click()
    expect(page.get_by_role("heading", name="Nothing left for you in evaluation")).to_be_visible()
    response = only_response(dataset)
    assert response.values == {
        "quality": {"value": 2},
        "failures": {"value": ["hallucination"]},
        "comment": {"value": "Lyon is not the capital."},
    }


def test_errors_stand_next_to_their_question_and_input_is_kept(page: Page, live_server, labeler):
    dataset = evaluation(labeler.memberships.get().workspace)
    log_in(page, live_server.url, "ana", PASSWORD)
    start(page, live_server, dataset)
    page.fill('textarea[name="comment"]', "keep this")
    page.get_by_role("button", name="Submit").click()
    expect(page.locator("#question-quality .error")).to_contain_text("required")
    expect(page.locator('textarea[name="comment"]')).to_have_value("keep this")
    assert not Response.objects.exists()


def test_save_a_draft_by_shortcut_come_back_then_discard_and_undo(page: Page, live_server, labeler):
    dataset = evaluation(labeler.memberships.get().workspace)
    log_in(page, live_server.url, "ana", PASSWORD)
    start(page, live_server, dataset)
    page.locator('input[name="quality"][value="5"]').check()
    page.keyboard.press("Control+s")
    expect(page.get_by_role("status")).to_contain_text("Draft saved")
    assert only_response(dataset).status == ResponseStatus.DRAFT
    page.goto(f"{live_server.url}/")
    page.goto(f"{live_server.url}/datasets/{dataset.pk}/next")
    expect(page.locator('input[name="quality"][value="5"]')).to_be_checked()
    page.get_by_role("button", name="Discard").click()
    expect(page.get_by_role("heading", name="Nothing left for you in evaluation")).to_be_visible()
    assert only_response(dataset).status == ResponseStatus.DISCARDED
    page.get_by_role("button", name="Undo").click()
    expect(page.locator('input[name="quality"][value="5"]')).to_be_checked()
    assert only_response(dataset).status == ResponseStatus.DRAFT


def prompt_dataset(workspace):
    dataset = services.dataset_create(workspace=workspace, name="prompts", allow_labeler_records=True)
    services.field_create(dataset=dataset, name="prompt")
    services.question_create(dataset=dataset, name="response", type="text", required=False)
    for name in ("clarity", "relevance"):
        services.question_create(
            dataset=dataset, name=name, type="rating", settings={"options": [{"value": v} for v in range(1, 6)]}
        )
    services.question_create(dataset=dataset, name="comment", type="text", required=False)
    return publish(dataset)


def test_write_a_new_prompt_with_its_response(page: Page, live_server, labeler):
    dataset = prompt_dataset(labeler.memberships.get().workspace)
    log_in(page, live_server.url, "ana", PASSWORD)
    page.get_by_role("link", name="Write a new record").click()
    page.fill('textarea[name="field.prompt"]', "Plan a 3-day trip to Lisbon without a car.")
    page.fill('textarea[name="response"]', "Day 1: Alfama and the castle. Day 2: Belém. Day 3: Sintra by train.")
    page.locator('input[name="clarity"][value="4"]').check()
    page.locator('input[name="relevance"][value="5"]').check()
    page.get_by_role("button", name="Submit").click()
    expect(page.get_by_role("status")).to_contain_text("Your record is saved")
    record = Record.objects.get(dataset=dataset)
    assert record.created_by == labeler and record.fields["prompt"].startswith("Plan a 3-day trip")
    answer = only_response(dataset)
    assert answer.values["response"]["value"].startswith("Day 1") and answer.values["relevance"] == {"value": 5}


def test_rate_a_prompt_for_clarity_and_relevance_with_a_comment(page: Page, live_server, labeler):
    dataset = prompt_dataset(labeler.memberships.get().workspace)
    records_bulk_upsert(dataset=dataset, items=[{"external_id": "p1", "fields": {"prompt": "fix it"}}])
    log_in(page, live_server.url, "ana", PASSWORD)
    start(page, live_server, dataset)
    expect(page.locator(".record")).to_contain_text("fix it")
    page.locator('input[name="clarity"][value="1"]').check()
    page.locator('input[name="relevance"][value="2"]').check()
    page.fill('textarea[name="comment"]', "No context: fix what?")
    page.get_by_role("button", name="Submit").click()
    expect(page.get_by_role("heading", name="Nothing left for you in prompts")).to_be_visible()
    assert only_response(dataset).values == {
        "clarity": {"value": 1},
        "relevance": {"value": 2},
        "comment": {"value": "No context: fix what?"},
    }


def test_mark_spans_by_selecting_text(page: Page, live_server, labeler):
    workspace = labeler.memberships.get().workspace
    dataset = services.dataset_create(workspace=workspace, name="entities")
    services.field_create(dataset=dataset, name="text")
    services.question_create(
        dataset=dataset,
        name="entities",
        type="span",
        settings={"field": "text", "options": [{"value": "person"}, {"value": "city"}]},
    )
    dataset = publish(dataset)
    records_bulk_upsert(
        dataset=dataset, items=[{"external_id": "s1", "fields": {"text": "Ada Lovelace lived in London."}}]
    )
    log_in(page, live_server.url, "ana", PASSWORD)
    start(page, live_server, dataset)

    def select(start: int, end: int) -> None:
        page.evaluate(
            """([start, end]) => {
                const box = document.querySelector('.span-text');
                const node = box.firstChild;
                const range = document.createRange();
                range.setStart(node, start);
                range.setEnd(node, end);
                const selection = window.getSelection();
                selection.removeAllRanges();
                selection.addRange(range);
                box.dispatchEvent(new MouseEvent('mouseup', {bubbles: true}));
            }""",
            [start, end],
        )

    select(0, 12)
    page.locator('input[name="_label.entities"][value="city"]').check()
    select(22, 28)
    expect(page.locator(".span-list li")).to_have_count(2)
    expect(page.locator(".span-list")).to_contain_text("city: \u201cLondon\u201d")
    page.get_by_role("button", name="Submit").click()
    expect(page.get_by_role("heading", name="Nothing left for you in entities")).to_be_visible()
    assert only_response(dataset).values["entities"]["value"] == [
        {"label": "person", "start": 0, "end": 12},
        {"label": "city", "start": 22, "end": 28},
    ]
