"""`unification: reviewed`: exports use the settled reviews' answers and fall back on a
named strategy for the other records; the file is read back with `datasets`."""

from __future__ import annotations

import zipfile

import datasets
import pytest

from feedback.errors import InvalidData
from feedback.models import JobStatus, Response
from feedback.services.exports import export_create, export_run
from feedback.services.responses import response_submit
from feedback.services.reviews import review_settle
from tests.builders import add_records, comparison_dataset, full_answer


@pytest.fixture(autouse=True)
def storage(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def ranked(*order: str) -> dict:
    return {"value": [{"value": option} for option in order]}


@pytest.fixture
def reviewed_dataset(people):
    """rec-0: two opposite rankings and ratings 1 and 5, settled by the admin (response-1
    first, rating 4); rec-1: the same answers, never reviewed; rec-2: labelers agree."""
    dataset = comparison_dataset(people.workspace_a, min_submitted=2)
    first, second, third = add_records(dataset, 3)
    for record in (first, second):
        response_submit(
            record=record,
            user=people.labeler_a1,
            values=full_answer(ranking=ranked("response-2", "response-1", "response-3"), quality={"value": 1}),
        )
        response_submit(
            record=record,
            user=people.labeler_a2,
            values=full_answer(ranking=ranked("response-3", "response-1", "response-2"), quality={"value": 5}),
        )
    for labeler in (people.labeler_a1, people.labeler_a2):
        response_submit(record=third, user=labeler, values=full_answer(quality={"value": 2}))
    review = first.reviews.get()  # queued on completion: the answers disagree
    review_settle(
        review=review,
        reviewer=people.admin_a,
        values=full_answer(ranking=ranked("response-1", "response-2", "response-3"), quality={"value": 4}),
        note="response-1 answers the question.",
    )
    assert not second.reviews.filter(state="settled").exists()
    return dataset


def export(dataset, user, layout: str, format: str, **options):
    job = export_create(dataset=dataset, user=user, layout=layout, format=format, options=options, queue_run=False)
    job = export_run(job_id=job.pk)
    assert job.status == JobStatus.SUCCEEDED, job.error
    return job


def read_back(job, scratch) -> list[dict]:
    cache = str(scratch / "hf-cache")
    if job.format == "jsonl":
        return list(datasets.load_dataset("json", data_files=job.file.path, split="train", cache_dir=cache))
    folder = scratch / "unzipped"
    with zipfile.ZipFile(job.file.path) as archive:
        archive.extractall(folder)
    return list(datasets.load_from_disk(str(folder)))


@pytest.mark.parametrize("format", ["jsonl", "hf_dataset"])
def test_preference_pairs_come_from_the_review_and_fall_back_elsewhere(people, reviewed_dataset, tmp_path, format):
    job = export(reviewed_dataset, people.admin_a, "preference", format, unification="reviewed", fallback="mean_rank")
    rows = read_back(job, tmp_path)
    pairs = [(row["prompt"].split(":")[0], row["chosen"].split()[0], row["rejected"].split()[0]) for row in rows]
    assert pairs == [
        # rec-0, the reviewer's ranking response-1 > response-2 > response-3: every pair.
        ("Prompt number 0", "first", "second"),
        ("Prompt number 0", "first", "third"),
        ("Prompt number 0", "second", "third"),
        # rec-1 is not reviewed: mean ranks 2, 2, 2 all tie, so no pair (counted in ties).
        # rec-2: both labelers rank response-2 > response-1 > response-3.
        ("Prompt number 2", "second", "first"),
        ("Prompt number 2", "second", "third"),
        ("Prompt number 2", "first", "third"),
    ]
    assert job.counts["reviewed"] == 1 and job.counts["ties"] == 1
    assert job.options["unification"] == "reviewed" and job.options["fallback"] == "mean_rank"
    # The labelers' own responses are as they were.
    assert Response.objects.filter(record__dataset=reviewed_dataset).count() == 6


def test_kto_labels_use_the_reviewed_rating_and_the_fallback_strategy(people, reviewed_dataset, tmp_path):
    options = {"unification": "reviewed", "fallback": "median", "threshold": 3}
    job = export(reviewed_dataset, people.admin_a, "kto", "jsonl", **options)
    labels = [(row["prompt"].split(":")[0], row["label"]) for row in read_back(job, tmp_path)]
    # rec-0 reviewed 4 (>= 3); rec-1 median of 1 and 5 is 3 (>= 3); rec-2 median 2.
    assert labels == [("Prompt number 0", True), ("Prompt number 1", True), ("Prompt number 2", False)]
    # The default fallback is the layout's default strategy.
    job = export_create(
        dataset=reviewed_dataset, user=people.admin_a, layout="kto", options={"unification": "reviewed", "threshold": 3}
    )
    assert job.options["fallback"] == "mean"


@pytest.mark.parametrize(
    ("layout", "options", "message"),
    [
        ("preference", {"unification": "reviewed", "fallback": "median"}, "fallback must be one of"),
        ("preference", {"unification": "reviewed", "fallback": "reviewed"}, "fallback must be one of"),
        ("preference", {"unification": "mean_rank", "fallback": "majority"}, "fallback applies only with"),
        ("sft", {"unification": "reviewed"}, "unification does not apply to sft"),
    ],
)
def test_a_bad_reviewed_option_is_refused_and_no_job_is_stored(people, reviewed_dataset, layout, options, message):
    with pytest.raises(InvalidData) as error:
        export_create(dataset=reviewed_dataset, user=people.admin_a, layout=layout, options=options)
    assert any(message in problem.msg for problem in error.value.problems), error.value.problems
    assert not reviewed_dataset.export_jobs.exists()
