"""The labeler's pages over plain HTTP: forms as docs/labeler-forms.md fixes them, no JavaScript."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from feedback.models import Record, Response, ResponseStatus
from feedback.services.records import records_bulk_upsert
from feedback.services.responses import response_submit
from tests.builders import add_records, comparison_dataset, full_answer, record_item
from tests.factories import PASSWORD


@pytest.fixture
def dataset(people):
    dataset = comparison_dataset(people.workspace_a, min_submitted=1, shuffle_ranking_options=False)
    add_records(dataset, 3)
    return dataset


def login(user) -> Client:
    client = Client()
    response = client.post("/accounts/login/", {"login": user.username, "password": PASSWORD})
    assert response.status_code == 302, response.content[:500]
    return client


def record_url(dataset, record) -> str:
    return f"/datasets/{dataset.pk}/records/{record.pk}"


def page_text(response) -> str:
    """The page's words with tags and runs of white space as single spaces."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.text))


def answer(action: str = "submit", **overrides) -> dict:
    form = {
        "action": action,
        "quality": "4",
        "ranking.response-1": "2",
        "ranking.response-2": "1",
        "ranking.response-3": "3",
    }
    form.update(overrides)
    return form


def test_login_by_email_home_and_next(people, dataset):
    client = Client()
    assert client.post("/accounts/login/", {"login": people.labeler_a1.email, "password": PASSWORD}).status_code == 302
    home = client.get("/")
    assert dataset.name in home.text and "left for you" in home.text
    response = client.get(f"/datasets/{dataset.pk}/next")
    assert response.status_code == 303
    first = Record.objects.get(external_id="rec-0")
    assert response.url == record_url(dataset, first)
    page = client.get(response.url)
    assert page.status_code == 200
    for name in (
        'name="quality"',
        'name="ranking.response-1"',
        'name="topic"',
        'name="failures"',
        'name="entities"',
        'name="comment"',
        'name="csrfmiddlewaretoken"',
        'name="action"',
    ):
        assert name in page.text


def test_home_counts_read_in_the_singular_and_the_plural(people, dataset):
    from feedback.services.responses import response_save_draft

    records = list(Record.objects.filter(dataset=dataset).order_by("external_id"))
    response_save_draft(record=records[0], user=people.labeler_a1, values={"quality": {"value": 2}})
    client = login(people.labeler_a1)
    text = page_text(client.get("/"))
    assert "1 draft ·" in text and "0 submitted" in text and "2 left for you" in text
    assert "1 drafts" not in text and "0 of 3 records completed" in text
    response_submit(record=records[1], user=people.labeler_a1, values=full_answer())
    response_save_draft(record=records[2], user=people.labeler_a1, values={"quality": {"value": 2}})
    text = page_text(client.get("/"))
    assert "2 drafts ·" in text and "1 of 3 records completed" in text


def test_submit_stores_the_response_and_moves_on(people, dataset):
    client = login(people.labeler_a1)
    record = Record.objects.get(external_id="rec-0")
    response = client.post(record_url(dataset, record), answer(comment="Second is clearer."))
    assert response.status_code == 303 and response.url == f"/datasets/{dataset.pk}/next"
    stored = Response.objects.get(record=record, user=people.labeler_a1)
    assert stored.status == ResponseStatus.SUBMITTED
    assert stored.values["ranking"]["value"] == [
        {"value": "response-2", "rank": 1},
        {"value": "response-1", "rank": 2},
        {"value": "response-3", "rank": 3},
    ]
    assert stored.values["comment"]["value"] == "Second is clearer."
    assert stored.context["ranking_orders"]["ranking"] == ["response-1", "response-2", "response-3"]
    assert stored.time_spent_seconds is None  # no page was shown to this client
    assert client.get(f"/datasets/{dataset.pk}/next").url.endswith(str(Record.objects.get(external_id="rec-1").pk))


def test_invalid_input_keeps_what_was_typed_and_says_where(people, dataset):
    client = login(people.labeler_a1)
    record = Record.objects.get(external_id="rec-0")
    form = answer(quality="", comment="keep me")
    form["ranking.response-3"] = "1"  # tie allowed, but quality is missing
    response = client.post(record_url(dataset, record), form)
    assert response.status_code == 400
    quality = re.search(r'id="question-quality".*?</fieldset>', response.text, re.S).group(0)
    assert "required" in quality and 'role="alert"' in quality
    assert "keep me" in response.text
    assert not Response.objects.exists()
    bad_rank = client.post(record_url(dataset, record), answer(**{"ranking.response-1": "9"}))
    ranking = re.search(r'id="question-ranking".*?</fieldset>', bad_rank.text, re.S).group(0)
    assert bad_rank.status_code == 400 and "rank must be" in ranking


def test_drafts_are_held_and_discard_can_be_undone(people, dataset):
    client = login(people.labeler_a1)
    record = Record.objects.get(external_id="rec-0")
    client.post(record_url(dataset, record), {"action": "draft", "quality": "2"})
    assert Response.objects.get().status == ResponseStatus.DRAFT
    assert client.get(f"/datasets/{dataset.pk}/next").url == record_url(dataset, record)
    assert 'value="2" checked' in client.get(record_url(dataset, record)).text
    client.post(record_url(dataset, record), {"action": "discard"})
    assert Response.objects.get().status == ResponseStatus.DISCARDED
    page = client.get(client.get(f"/datasets/{dataset.pk}/next").url)
    assert "Record discarded" in page.text
    undo = client.post(f"/datasets/{dataset.pk}/records/{record.pk}/restore")
    assert undo.status_code == 303
    restored = Response.objects.get()
    assert restored.status == ResponseStatus.DRAFT and restored.values == {"quality": {"value": 2}}


def test_an_unranked_option_is_named_by_its_title_in_a_sentence(people, dataset):
    form = answer()
    del form["ranking.response-1"], form["ranking.response-3"]
    page = login(people.labeler_a1).post(record_url(dataset, Record.objects.get(external_id="rec-0")), form)
    ranking = re.search(r'id="question-ranking".*?</fieldset>', page.text, re.S).group(0)
    assert page.status_code == 400
    assert "Rank every response: Response 1 and Response 3 are missing." in ranking


def test_a_double_post_stores_one_response(people, dataset):
    client = login(people.labeler_a1)
    record = Record.objects.get(external_id="rec-0")
    for _ in range(2):
        assert client.post(record_url(dataset, record), answer()).status_code == 303
    assert Response.objects.filter(record=record).count() == 1


def test_forms_need_csrf(people, dataset):
    client = Client(enforce_csrf_checks=True)
    client.force_login(people.labeler_a1)
    record = Record.objects.get(external_id="rec-0")
    assert client.post(record_url(dataset, record), answer()).status_code == 403
    assert not Response.objects.exists()


def test_record_page_shows_metadata_visible_to_annotators(people, dataset):
    from feedback.services.datasets import metadata_property_update

    metadata_property_update(prop=dataset.metadata_properties.get(name="length"), visible_for_annotators=False)
    record = Record.objects.get(external_id="rec-1")
    labeler_page = login(people.labeler_a1).get(record_url(dataset, record))
    block = re.search(r'class="muted metadata">(.*?)</p>', labeler_page.text, re.S).group(1)
    assert "model: <strong>a</strong>" in block and "length" not in block
    admin_page = login(people.admin_a).get(record_url(dataset, record))
    assert "length: <strong>1</strong>" in admin_page.text


def test_suggestions_prefill_and_are_marked(people, dataset):
    quality = dataset.questions.get(name="quality")
    records_bulk_upsert(
        dataset=dataset, items=[record_item(0, suggestions=[{"question_id": str(quality.id), "value": 5}])]
    )
    page = login(people.labeler_a1).get(record_url(dataset, Record.objects.get(external_id="rec-0")))
    block = re.search(r'id="question-quality".*?</fieldset>', page.text, re.S).group(0)
    assert "suggested" in block and 'value="5" checked' in block


def test_record_text_renders_inert(people, dataset):
    payload = (
        "Hello <script>alert(1)</script> <img src=x onerror=alert(2)> "
        '[click](javascript:alert(3)) <a href="javascript:alert(4)">x</a>'
    )
    records_bulk_upsert(dataset=dataset, items=[record_item(0, fields={**record_item(0)["fields"], "prompt": payload})])
    dataset.guidelines = "<script>alert(5)</script> **bold**"
    dataset.save()
    page = login(people.labeler_a1).get(record_url(dataset, Record.objects.get(external_id="rec-0")))
    assert "<script>alert" not in page.text  # shown as text, never as a tag
    assert not re.search(r"<[^>]*\sonerror=", page.text)
    assert not re.search(r"""<a[^>]*href=["']?javascript:""", page.text)
    assert "&lt;script&gt;alert(1)" in page.text and "<strong>bold</strong>" in page.text


def test_other_workspaces_and_restricted_datasets_are_404(people, dataset):
    other = comparison_dataset(people.workspace_b, name="theirs")
    theirs = add_records(other, 1)[0]
    client = login(people.labeler_a1)
    assert client.get(record_url(other, theirs)).status_code == 404
    assert client.get(f"/datasets/{other.pk}/next").status_code == 404
    assert client.post(record_url(other, theirs), answer()).status_code == 404
    # A record id of another dataset under this dataset's URL is 404 too.
    assert client.get(record_url(dataset, theirs)).status_code == 404
    # The review pages (#12): another workspace's queue and records are not found.
    assert client.get(f"/datasets/{other.pk}/review/").status_code == 404
    assert client.get(f"/datasets/{other.pk}/review/{theirs.pk}/").status_code == 404
    assert client.post(f"/datasets/{other.pk}/review/{theirs.pk}/", {"note": ""}).status_code == 404
    assert client.get(f"/datasets/{dataset.pk}/review/{theirs.pk}/").status_code == 403  # no grant here
    # The dashboard pages (#12): managers only, so 403 here and 404 for another workspace.
    assert client.get(f"/datasets/{other.pk}/dashboard/").status_code == 404
    assert client.post(f"/datasets/{other.pk}/dashboard/refresh").status_code == 404
    assert client.get(f"/workspaces/{other.workspace_id}/").status_code == 404
    assert client.get(f"/datasets/{dataset.pk}/dashboard/").status_code == 403
    assert client.post(f"/datasets/{dataset.pk}/dashboard/refresh").status_code == 403
    assert client.get(f"/workspaces/{dataset.workspace_id}/").status_code == 403
    restricted = comparison_dataset(people.workspace_a, name="restricted", annotators_restricted=True)
    assert client.get(f"/datasets/{restricted.pk}/next").status_code == 404
    assert client.get(f"/datasets/{restricted.pk}/review/").status_code == 404
    assert client.get(f"/datasets/{restricted.pk}/dashboard/").status_code == 404
    assert not Response.objects.exists()


def test_admins_see_everyones_answers_read_only(people, dataset):
    record = Record.objects.get(external_id="rec-0")
    response_submit(record=record, user=people.labeler_a2, values=full_answer(comment={"value": "labeler two here"}))
    admin_page = login(people.admin_a).get(record_url(dataset, record))
    assert "labeler-a2" in admin_page.text and "labeler two here" in admin_page.text
    labeler_page = login(people.labeler_a1).get(record_url(dataset, record))
    assert "labeler two here" not in labeler_page.text


def test_page_query_budgets_stay_flat(people, dataset, django_assert_max_num_queries):
    client = login(people.labeler_a1)
    record = Record.objects.get(external_id="rec-0")
    with django_assert_max_num_queries(20):
        client.get("/")
    # session; user; dataset; the caller's role (once: the request memoises it, however
    # many checks read it); record; questions; response; suggestions; the bar's two
    # counts; fields; metadata properties.
    with django_assert_max_num_queries(12):
        client.get(record_url(dataset, record))
    add_records(dataset, 50, start=100)
    for labeler in (people.labeler_a2, people.admin_a):
        response_submit(record=record, user=labeler, values=full_answer())
    with django_assert_max_num_queries(20):
        client.get("/")
    with django_assert_max_num_queries(12):
        client.get(record_url(dataset, record))


@pytest.fixture
def prompt_dataset(people):
    from feedback.services import datasets as services

    dataset = services.dataset_create(workspace=people.workspace_a, name="prompts", allow_labeler_records=True)
    services.field_create(dataset=dataset, name="prompt")
    services.field_create(dataset=dataset, name="context", required=False)
    services.question_create(dataset=dataset, name="response", type="text")
    services.question_create(
        dataset=dataset, name="clarity", type="rating", settings={"options": [{"value": v} for v in range(1, 6)]}
    )
    return services.dataset_publish(dataset=dataset)


def test_labeler_writes_a_prompt_with_its_response(people, prompt_dataset):
    client = login(people.labeler_a1)
    url = f"/datasets/{prompt_dataset.pk}/write"
    assert 'name="field.prompt"' in client.get(url).text
    response = client.post(
        url,
        {
            "action": "submit",
            "field.prompt": "Explain recursion to a child.",
            "response": "It is like...",
            "clarity": "5",
            "pasted.response": "1",
        },
    )
    assert response.status_code == 303
    record = Record.objects.get(dataset=prompt_dataset)
    assert record.fields == {"prompt": "Explain recursion to a child."} and record.created_by == people.labeler_a1
    answer = Response.objects.get(record=record)
    assert answer.status == "submitted" and answer.values["response"]["value"] == "It is like..."
    assert answer.context["pasted"] == ["response"]
    record.refresh_from_db()
    assert record.status == "completed"


def test_a_bad_written_record_stores_neither_record_nor_answer(people, prompt_dataset):
    client = login(people.labeler_a1)
    response = client.post(
        f"/datasets/{prompt_dataset.pk}/write", {"action": "submit", "field.context": "ctx", "response": "text"}
    )
    assert response.status_code == 400
    assert "this field is required" in response.text and "ctx" in response.text
    assert not Record.objects.filter(dataset=prompt_dataset).exists() and not Response.objects.exists()


def test_writing_needs_a_dataset_that_allows_it(people, dataset):
    assert login(people.labeler_a1).get(f"/datasets/{dataset.pk}/write").status_code == 404


def test_browse_filters_by_my_status_text_and_metadata(people, dataset):
    records = {r.external_id: r for r in Record.objects.filter(dataset=dataset)}
    response_submit(record=records["rec-1"], user=people.labeler_a1, values=full_answer())
    records_bulk_upsert(dataset=dataset, items=[record_item(2, metadata={"model": "b", "length": 2})])
    client = login(people.labeler_a1)
    url = f"/datasets/{dataset.pk}/records"

    def shown(query: str) -> set[str]:
        page = client.get(url + query)
        assert page.status_code == 200
        return set(re.findall(r">(rec-\d+)</a>", page.text))

    assert shown("") == {"rec-0", "rec-1", "rec-2"}
    assert shown("?status=submitted") == {"rec-1"}
    assert shown("?status=pending") == {"rec-0", "rec-2"}
    assert shown("?q=number+2") == {"rec-2"}
    assert shown("?meta.model=b") == {"rec-2"}
    other = comparison_dataset(people.workspace_b, name="theirs")
    assert client.get(f"/datasets/{other.pk}/records").status_code == 404


def test_a_labeler_reopens_and_changes_a_submitted_response(people, dataset):
    record = Record.objects.get(external_id="rec-0")
    client = login(people.labeler_a1)
    client.post(record_url(dataset, record), answer())
    page = client.get(record_url(dataset, record))
    assert 'value="4" checked' in page.text
    client.post(record_url(dataset, record), answer(quality="1"))
    stored = Response.objects.get(record=record)
    assert stored.values["quality"]["value"] == 1 and stored.status == "submitted"
    client.post(record_url(dataset, record), answer(action="discard"))
    record.refresh_from_db()
    assert record.status == "pending" and record.submitted_count == 0
