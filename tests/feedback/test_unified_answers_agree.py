"""The metrics and the exports unify the same stored responses to the same answers.

Four labelers answer four records (stored through the services in PostgreSQL). The
metrics selector reports each question's distribution of unified answers; the exports
(rl_prompts filtered by labels, kto against thresholds, preference pairs by mean rank)
are read back record by record and must add up to the same distributions.
"""

from __future__ import annotations

import json
from collections import Counter
from typing import Any

import krippendorff
import numpy as np
import pytest

from feedback.agreement import jaccard_distance, kendall_tau_distance
from feedback.selectors import dataset_metrics
from feedback.services import datasets as services
from feedback.services.exports import export_create, export_run
from feedback.services.records import records_bulk_upsert
from feedback.services.responses import response_submit
from tests.factories import MembershipFactory, UserFactory

TOPICS, FLAGS, OPTIONS = ("a", "b", "c"), ("x", "y", "z"), ("response-1", "response-2", "response-3")
SKIP = None  # the labeler left the optional question unanswered

# Per record, the four labelers' answers: topic (one label), flags (several labels),
# quality (a rating 1..5) and the ranks they give response-1, -2 and -3 (1 = best).
ANSWERS: list[dict[str, list[Any]]] = [
    {
        # A plurality of 2 of 4 is the unified topic; flag y is chosen by 3 of 4, x by 2 of 4
        # (not more than half); ratings have a median of 3; response-1 has the best mean rank.
        "topic": ["a", "a", "b", "c"],
        "flags": [["x", "y"], ["x", "y"], ["y"], ["z"]],
        "quality": [1, 2, 4, 5],
        "ranking": [(1, 2, 3), (1, 2, 3), (2, 1, 3), (2, 3, 1)],
    },
    {
        # Topics tie 2-2: no unified topic. Flag x: 2 of the 4 responses (2 of the 2 that
        # answered): not more than half. Median between 2 and 5: 3.5. Responses 1 and 2 tie.
        "topic": ["a", "b", "a", "b"],
        "flags": [["x"], ["x"], SKIP, SKIP],
        "quality": [2, 2, 5, 5],
        "ranking": [(1, 2, 3), (2, 1, 3), (1, 2, 3), (2, 1, 3)],
    },
    {
        "topic": ["c", "c", "c", "a"],
        "flags": [["z"], ["z"], ["z"], SKIP],
        "quality": [1, 1, 2, 5],
        "ranking": [(3, 2, 1)] * 4,
    },
    {
        # One answer is the plurality; nobody flagged anything; every option ties.
        "topic": ["b", SKIP, SKIP, SKIP],
        "flags": [SKIP] * 4,
        "quality": [4, 4, 4, 4],
        "ranking": [(1, 1, 1)] * 4,
    },
]


@pytest.fixture(autouse=True)
def storage(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def dataset(people):
    dataset = services.dataset_create(workspace=people.workspace_a, name="unified")
    for name in ("prompt", *OPTIONS):
        services.field_create(dataset=dataset, name=name)
    services.question_create(
        dataset=dataset, name="topic", type="label_selection", required=False, settings=options(TOPICS)
    )
    services.question_create(
        dataset=dataset, name="flags", type="multi_label_selection", required=False, settings=options(FLAGS)
    )
    services.question_create(dataset=dataset, name="quality", type="rating", settings=options(range(1, 6)))
    services.question_create(dataset=dataset, name="ranking", type="ranking", settings=options(OPTIONS))
    dataset = services.dataset_publish(dataset=dataset)
    items = [
        {"external_id": f"u{n}", "fields": {"prompt": f"P{n}", **{o: f"{o} of P{n}" for o in OPTIONS}}}
        for n in range(len(ANSWERS))
    ]
    records = records_bulk_upsert(dataset=dataset, items=items).records
    labelers = [people.labeler_a1, people.labeler_a2]
    for n in (3, 4):
        labeler = UserFactory(username=f"labeler-a{n}")
        MembershipFactory(workspace=people.workspace_a, user=labeler)
        labelers.append(labeler)
    for record, answers in zip(records, ANSWERS, strict=True):
        for index, labeler in enumerate(labelers):
            values: dict[str, Any] = {
                "quality": {"value": answers["quality"][index]},
                "ranking": {
                    "value": [{"value": o, "rank": r} for o, r in zip(OPTIONS, answers["ranking"][index], strict=True)]
                },
            }
            for question in ("topic", "flags"):
                if answers[question][index] is not SKIP:
                    values[question] = {"value": answers[question][index]}
            response_submit(record=record, user=labeler, values=values)
    return dataset


def options(values) -> dict[str, Any]:
    return {"options": [{"value": value} for value in values]}


def exported(dataset, user, layout: str, **options: Any) -> list[dict[str, Any]]:
    job = export_create(dataset=dataset, user=user, layout=layout, options=options, queue_run=False)
    job = export_run(job_id=job.pk)
    with job.file.open("rb") as file:
        return [json.loads(line) for line in file.read().decode().splitlines()]


def unified(metrics: dict[str, Any], question: str) -> dict[str, Any]:
    return next(q for q in metrics["questions"] if q["name"] == question)["unified"]


def test_metrics_and_exports_unify_the_same_responses_alike(people, dataset):
    metrics = dataset_metrics(dataset)
    admin = people.admin_a

    # One label: the records rl_prompts keeps when it requires each label, and those it
    # keeps for none (a tie), against the metrics' distribution of the majority label.
    kept = {
        topic: [
            row["prompt"]
            for row in exported(dataset, admin, "rl_prompts", label_question="topic", require_labels=[topic])
        ]
        for topic in TOPICS
    }
    assert kept == {"a": ["P0"], "b": ["P3"], "c": ["P2"]}
    by_export = {topic: len(prompts) for topic, prompts in kept.items() if prompts}
    by_export["(tie)"] = len(ANSWERS) - sum(by_export.values())
    assert unified(metrics, "topic")["distribution"] == by_export

    # Several labels: each label more than half of the record's responses chose.
    flagged = {
        flag: [
            row["prompt"]
            for row in exported(dataset, admin, "rl_prompts", label_question="flags", require_labels=[flag])
        ]
        for flag in FLAGS
    }
    assert flagged == {"x": [], "y": ["P0"], "z": ["P2"]}
    assert unified(metrics, "flags")["distribution"] == {flag: len(prompts) for flag, prompts in flagged.items()}

    # Ratings: a record's median is the highest threshold (in halves) at which kto still
    # labels its completion good.
    medians: dict[str, float] = {}
    for threshold in [1 + step / 2 for step in range(9)]:
        for row in exported(dataset, admin, "kto", unification="median", threshold=threshold):
            if row["label"]:
                medians[row["prompt"]] = threshold
    assert medians == {"P0": 3.0, "P1": 3.5, "P2": 1.5, "P3": 4.0}
    by_export = Counter(str(int(m)) if m.is_integer() else str(m) for m in medians.values())
    assert unified(metrics, "quality")["distribution"] == dict(by_export)

    # Rankings: the options preference pairs put first (by mean rank); more than one, or
    # none (every option tied), is a tie.
    firsts: dict[str, set[str]] = {f"P{n}": set() for n in range(len(ANSWERS))}
    for row in exported(dataset, admin, "preference", unification="mean_rank", pair_mode="best_vs_each"):
        firsts[row["prompt"]].add(row["chosen"].split(" of ")[0])
    assert firsts == {"P0": {"response-1"}, "P1": {"response-1", "response-2"}, "P2": {"response-3"}, "P3": set()}
    by_export = Counter(next(iter(chosen)) if len(chosen) == 1 else "(tie)" for chosen in firsts.values())
    assert unified(metrics, "ranking")["first"] == dict(by_export)


def test_whole_answer_agreement_from_stored_responses_equals_the_reference(dataset):
    # The same stored responses, through the selector: Jaccard alpha over each labeler's
    # set of flags and Kendall tau alpha over each labeler's whole ranking equal the
    # krippendorff package's alpha with the same distance (skipped answers are missing).
    metrics = dataset_metrics(dataset)
    cases = {
        "flags": ("jaccard", jaccard_distance, lambda answer: frozenset(answer)),
        "ranking": ("kendall_tau", kendall_tau_distance, lambda answer: tuple(answer)),
    }
    for question, (level, distance, as_value) in cases.items():
        rows = [[None if a is SKIP else as_value(a) for a in record[question]] for record in ANSWERS]
        values = sorted({value for row in rows for value in row if value is not None}, key=repr)
        matrix = np.array(
            [[np.nan if row[labeler] is None else values.index(row[labeler]) for row in rows] for labeler in range(4)]
        )
        lookup = np.vectorize(lambda i, j: distance(values[int(i)], values[int(j)]))  # noqa: B023 - used at once

        def metric(v1, v2, i1, i2, n_v, dtype=np.float64):
            return lookup(v1, v2).astype(dtype)  # noqa: B023 - used at once

        reference = krippendorff.alpha(matrix, level_of_measurement=metric, value_domain=list(range(len(values))))
        measure = next(
            a for q in metrics["questions"] if q["name"] == question for a in q["agreements"] if a["level"] == level
        )
        assert measure["value"] == round(reference, 4), question
