"""The quality dashboard pages over plain HTTP: the workspace overview and a dataset's
dashboard (read from the cached metrics, computed once when never computed), the
refresh, the walls (managers only: annotators 403, other workspaces 404) and flat
query counts (#12)."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from feedback.models import JobStatus, MetricsJob, MetricsSnapshot
from feedback.services.datasets import dataset_update
from feedback.services.gold import record_gold_set
from feedback.services.metrics import metrics_refresh
from feedback.services.records import records_bulk_upsert
from feedback.services.responses import response_save_draft, response_submit
from feedback.services.reviews import review_open
from tests.builders import add_records, comparison_dataset, full_answer, record_item
from tests.feedback.test_labeler_pages import login

# How a chart is shown: an SVG image, its own document under the page's Content-Security-Policy.
CHART = '<img src="data:image/svg+xml;base64,'


def dashboard_url(dataset) -> str:
    return f"/datasets/{dataset.pk}/dashboard/"


def refresh_url(dataset) -> str:
    return f"/datasets/{dataset.pk}/dashboard/refresh"


def overview_url(workspace) -> str:
    return f"/workspaces/{workspace.pk}/"


def answered(people, records: int, *, name: str = "comparison"):
    """`records` records, each answered by both labelers: agreeing on even ones,
    disagreeing on odd ones; a draft too."""
    dataset = comparison_dataset(people.workspace_a, name=name, min_submitted=2, shuffle_ranking_options=False)
    rows = add_records(dataset, records)
    for n, record in enumerate(rows):
        response_submit(
            record=record, user=people.labeler_a1, values=full_answer(quality={"value": 4}), time_spent_seconds=25
        )
        second = 4 if n % 2 == 0 else 1
        response_submit(
            record=record, user=people.labeler_a2, values=full_answer(quality={"value": second}), time_spent_seconds=70
        )
    extra = add_records(dataset, 1, start=records)[0]
    response_save_draft(record=extra, user=people.labeler_a1, values={"quality": {"value": 2}})
    return dataset


def test_a_manager_sees_every_section_with_charts_beside_their_numbers(people):
    dataset = answered(people, 4)
    review_open(record=dataset.records.get(external_id="rec-1"), sent_by=people.admin_a)
    assert not MetricsSnapshot.objects.exists()

    page = login(people.admin_a).get(dashboard_url(dataset))

    assert page.status_code == 200
    # Never computed: computed once now, as the API does, and kept.
    snapshot = MetricsSnapshot.objects.get(dataset=dataset)
    text = page.text
    assert f'datetime="{snapshot.computed_at.isoformat()}' in text and "Computed" in text
    for heading in ("Progress", "Labelers", "Questions", "Throughput", "Seconds per record"):
        assert f">{heading}</h" in text, heading
    # Each chart is an image named for readers, followed by a table of its numbers with a caption.
    assert text.count(CHART) >= 5 and "<svg" not in text
    assert 'alt="Chart of responses submitted and records completed per day; the numbers are in' in text
    assert "<caption>Per day (UTC)</caption>" in text
    assert '<th scope="col">Responses submitted</th>' in text
    assert "4 of 5 records completed" in re.sub(r"</?strong>", "", text)
    # Labelers: counts, median seconds, never a made-up gold accuracy.
    labeler_row = re.search(r'<th scope="row">labeler-a2</th>(.*?)</tr>', text, re.S).group(1)
    assert "<td>4</td>" in labeler_row and "<td>70</td>" in labeler_row and "not measured" in labeler_row
    # Alpha with its interval, and the disputed records linking to their pages.
    assert "Agreement per question" in text and " to " in text
    disputed = text[text.index("Records with the most disagreement on quality") :]
    odd = dataset.records.get(external_id="rec-1")
    assert f'href="/datasets/{dataset.pk}/records/{odd.pk}"' in disputed
    assert f'href="/datasets/{dataset.pk}/review/{odd.pk}/"' in disputed  # queued: the review page too
    assert "Refresh</button>" in text and "Leaderboard" not in text


def test_answers_are_named_as_labelers_see_them(people):
    """The answer tables say the questions' and options' titles ("Response 1"), not their
    internal names ("response-1"), as the record page does."""
    dataset = answered(people, 2)
    dataset.questions.filter(name="ranking").update(title="Rank the responses")
    dataset.questions.filter(name="topic").update(title="What is it about?")

    text = login(people.admin_a).get(dashboard_url(dataset)).text

    table = text[text.index("<caption>Answers to Rank the responses") :]
    table = table[: table.index("</table>")]
    assert '<th scope="row">Response 1</th>' in table and "response-1" not in table
    topic = text[text.index("<caption>Answers to What is it about?") :]
    assert '<th scope="row">Code</th>' in topic[: topic.index("</table>")]


def test_the_dashboard_reads_the_cache_and_a_refresh_recomputes_it(people, django_capture_on_commit_callbacks):
    dataset = answered(people, 2)
    client = login(people.admin_a)
    client.get(dashboard_url(dataset))
    old = timezone.now() - timedelta(hours=3)
    MetricsSnapshot.objects.filter(dataset=dataset).update(computed_at=old)
    response_submit(record=dataset.records.get(external_id="rec-2"), user=people.labeler_a2, values=full_answer())

    cached = client.get(dashboard_url(dataset))
    assert "3\xa0hours ago" in cached.text and "responses: 4 submitted" in cached.text

    assert client.get(refresh_url(dataset)).status_code == 405
    with django_capture_on_commit_callbacks(execute=True):  # the job is sent once the request commits
        refreshed = client.post(refresh_url(dataset))
    assert refreshed.status_code == 303 and refreshed.url == dashboard_url(dataset)
    job = MetricsJob.objects.get(dataset=dataset)  # run in-process here (no broker in tests)
    assert job.status == JobStatus.SUCCEEDED and job.created_by == people.admin_a
    fresh = client.get(dashboard_url(dataset))
    assert "3\xa0hours ago" not in fresh.text and "responses: 5 submitted" in fresh.text


def test_a_running_refresh_shows_its_progress_bar_instead_of_the_button(people):
    dataset = answered(people, 2)
    client = login(people.admin_a)
    client.get(dashboard_url(dataset))
    job = metrics_refresh(dataset=dataset, user=people.admin_a, queue_run=False)
    MetricsJob.objects.filter(pk=job.pk).update(status=JobStatus.RUNNING, progress=0.4)

    page = client.get(dashboard_url(dataset)).text

    assert f'data-job-url="/api/v1/metrics-jobs/{job.pk}"' in page and 'data-reload-when-done="true"' in page
    assert "running 40%" in page and "Refresh</button>" not in page
    api = client.get(f"/api/v1/metrics-jobs/{job.pk}")
    assert api.status_code == 200 and api.json()["progress"] == 0.4 and api.json()["status"] == "running"


def test_the_workspace_overview_lists_its_datasets_with_progress_and_links(people):
    dataset = answered(people, 3)
    empty = comparison_dataset(people.workspace_a, name="not-published", publish=False)
    comparison_dataset(people.workspace_b, name="theirs")

    page = login(people.admin_a).get(overview_url(people.workspace_a))

    assert page.status_code == 200
    text = page.text
    assert "theirs" not in text
    row = re.search(r'<th scope="row">comparison\s(.*?)</tr>', text, re.S).group(1)
    assert "3 of 4" in row and "<td>7</td>" in row  # 6 submitted and a draft
    assert f'href="{dashboard_url(dataset)}"' in row and f'href="/datasets/{dataset.pk}/review/"' in row
    assert f'href="{dashboard_url(empty)}"' in text and "(draft)" in text


def test_annotators_are_forbidden_and_other_workspaces_not_found(people):
    dataset = answered(people, 1)
    theirs = comparison_dataset(people.workspace_b, name="theirs")
    annotator = login(people.labeler_a1)
    assert annotator.get(dashboard_url(dataset)).status_code == 403
    assert annotator.post(refresh_url(dataset)).status_code == 403
    assert annotator.get(overview_url(people.workspace_a)).status_code == 403
    admin = login(people.admin_a)
    assert admin.get(dashboard_url(theirs)).status_code == 404
    assert admin.post(refresh_url(theirs)).status_code == 404
    assert admin.get(overview_url(people.workspace_b)).status_code == 404
    assert not MetricsJob.objects.exists() and not MetricsSnapshot.objects.filter(dataset=theirs).exists()
    # The owner sees every workspace; nobody logged in is sent to log in.
    assert login(people.owner).get(dashboard_url(theirs)).status_code == 200
    assert Client().get(dashboard_url(dataset)).status_code == 302


@pytest.mark.parametrize("records", [10, 100])
def test_dashboard_query_counts_stay_flat(people, records, django_assert_max_num_queries):
    dataset = answered(people, records, name=f"flat-{records}")
    comparison_dataset(people.workspace_a, name=f"second-{records}")
    client = login(people.admin_a)
    client.get(dashboard_url(dataset))  # computed once and kept
    # Session and user, the dataset and the rule, snapshot, job, question titles, the disputed records.
    with django_assert_max_num_queries(8):
        assert client.get(dashboard_url(dataset)).status_code == 200
    with django_assert_max_num_queries(6):  # session, user, workspace, role, datasets, responses
        assert client.get(overview_url(people.workspace_a)).status_code == 200


def test_managers_reach_the_dashboards_from_home_and_from_the_admin(people):
    dataset = answered(people, 1)
    admin = login(people.admin_a)
    home = admin.get("/").text
    assert f'href="{dashboard_url(dataset)}"' in home and f'href="{overview_url(people.workspace_a)}"' in home
    labeler_home = login(people.labeler_a1).get("/").text
    assert dataset.name in labeler_home and "/dashboard/" not in labeler_home and "/workspaces/" not in labeler_home
    for admin_page in ("/admin/feedback/dataset/", f"/admin/feedback/dataset/{dataset.pk}/change/"):
        page = admin.get(admin_page)
        assert page.status_code == 200 and f'href="{dashboard_url(dataset)}"' in page.text, admin_page
    workspaces = admin.get("/admin/workspaces/workspace/")
    assert f'href="{overview_url(people.workspace_a)}"' in workspaces.text


def test_the_leaderboard_shows_where_the_dataset_names_its_models(people):
    dataset = comparison_dataset(people.workspace_a, name="models")
    slots = {"response-1": "model:response-1", "response-2": "model:response-2"}
    dataset = dataset_update(dataset=dataset, leaderboard_models=slots)
    lineup = {"model:response-1": "alpha", "model:response-2": "beta"}
    records = records_bulk_upsert(dataset=dataset, items=[record_item(n, metadata=lineup) for n in range(3)]).records
    for record in records:  # response-2 (beta) ranked over response-1 (alpha) every time
        response_submit(record=record, user=people.labeler_a1, values=full_answer())

    page = login(people.admin_a).get(dashboard_url(dataset)).text

    board = page[page.index('id="leaderboard-heading"') :]
    assert "3 decided comparisons" in board and CHART in board
    rows = re.findall(r'<tr><td>(\d)</td><th scope="row">(\w+)</th><td>', board)
    assert rows == [("1", "beta"), ("2", "alpha")]


def test_an_evaluation_leaderboard_shows_mean_ratings_and_label_rates_per_model(people):
    dataset = comparison_dataset(people.workspace_a, name="evaluation")
    dataset = dataset_update(dataset=dataset, leaderboard_models={"response-1": "served_by"})
    items = [record_item(n, metadata={"served_by": "alpha" if n % 2 else "beta"}) for n in range(4)]
    records = records_bulk_upsert(dataset=dataset, items=items).records
    for n, record in enumerate(records):
        alpha = n % 2 == 1
        failures = ["unhelpful"] if alpha else ["harmful"]
        answer = full_answer(quality={"value": 5 if alpha else 2}, failures={"value": failures})
        response_submit(record=record, user=people.labeler_a1, values=answer)

    page = login(people.admin_a).get(dashboard_url(dataset)).text

    board = page[page.index('id="leaderboard-heading"') :]
    assert "decided comparison" not in board  # nothing ranked two models: no Bradley-Terry table
    ratings = re.findall(r'<tr><th scope="row">(\w+)</th><td>quality</td><td>(\d+)</td><td>([\d.]+)</td>', board)
    assert ratings == [("alpha", "2", "5.00"), ("beta", "2", "2.00")]
    labels = board[board.index("failures: share of responses given each label") :]
    assert re.search(r'<th scope="row">beta</th><td>2</td>(<td>[^<]*</td>)*?<td>100%</td>', labels)
    assert f'href="/api/v1/datasets/{dataset.pk}/leaderboard.csv"' in board
    assert board.count(CHART) == 1  # the mean ratings with their intervals


def test_a_dataset_without_answers_has_a_dashboard_that_says_so(people):
    draft = comparison_dataset(people.workspace_a, name="draft", publish=False)

    page = login(people.admin_a).get(dashboard_url(draft))

    assert page.status_code == 200
    assert "No submissions yet." in page.text and "Nobody has answered yet." in page.text
    assert "No estimate of the completion yet" in page.text and CHART not in page.text
    assert f"/datasets/{draft.pk}/records" not in page.text  # a draft has no record pages to link


def test_labelers_gold_accuracy_is_shown_with_what_it_rests_on_and_the_flagged_are_marked(people):
    dataset = answered(people, 2)
    dataset = dataset_update(dataset=dataset, gold_min_answers=1, gold_threshold=0.8)
    golden = add_records(dataset, 1, start=10)[0]
    record_gold_set(record=golden, values={"quality": {"value": 3}})
    response_submit(record=golden, user=people.labeler_a1, values=full_answer(quality={"value": 3}))
    response_submit(record=golden, user=people.labeler_a2, values=full_answer(quality={"value": 5}))

    text = login(people.admin_a).get(dashboard_url(dataset)).text

    def gold_cell(username: str) -> str:
        row = re.search(rf'<th scope="row">{username}</th>(.*?)</tr>', text, re.S).group(1)
        return re.findall(r"<td>(.*?)</td>", row, re.S)[-1]

    assert gold_cell("labeler-a1") == "100% of 1"
    assert gold_cell("labeler-a2") == '0% of 1 <strong class="badge flagged">flagged</strong>'
    assert "1 gold record;" in text and "flagged below 80% after 1 graded answer)" in text
    # The gold record stays out of progress: 2 of the 3 real records are completed.
    assert "2 of 3 records completed" in re.sub(r"</?strong>", "", text)
