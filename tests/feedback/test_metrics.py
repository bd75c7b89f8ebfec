"""Dataset metrics: Krippendorff's alpha against published values, unified answers,
annotators' counts, the API's answer and who may read it."""

from __future__ import annotations

import pytest

from feedback.metrics import Agreement, QuestionMetrics
from feedback.selectors import dataset_metrics
from feedback.services.responses import response_save_draft, response_submit
from tests.builders import add_records, comparison_dataset, full_answer

# Krippendorff (2011), "Computing Krippendorff's Alpha-Reliability", section C: four
# observers, twelve units, missing values as None. Published: nominal 0.743, interval 0.849.
RELIABILITY_DATA = [
    [1, 2, 3, 3, 2, 1, 4, 1, 2, None, None, None],
    [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, None, 3],
    [None, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, None],
    [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, None],
]


@pytest.mark.parametrize(("level", "published"), [("nominal", 0.743), ("interval", 0.849)])
def test_alpha_matches_krippendorffs_worked_example(level, published):
    agreement = Agreement(level)
    for unit in zip(*RELIABILITY_DATA, strict=True):
        agreement.add_unit([value for value in unit if value is not None])
    assert round(agreement.alpha(), 3) == published
    # Unit 12 has one value: not pairable. 40 pairable values in 11 units.
    assert (agreement.units, agreement.pairable_values) == (11, 40)


def test_alpha_is_one_for_perfect_agreement_and_undefined_without_variation():
    perfect = Agreement("nominal")
    for value in ("a", "b", "a"):
        perfect.add_unit([value, value, value])
    assert perfect.alpha() == 1.0
    constant = Agreement("interval")
    constant.add_unit([3, 3])
    assert constant.alpha() is None and Agreement("nominal").alpha() is None


def test_systematic_disagreement_is_below_zero():
    opposed = Agreement("nominal")
    for _ in range(5):
        opposed.add_unit(["yes", "no"])
    assert opposed.alpha() < 0


def test_unified_answers_follow_the_strategies():
    rating = QuestionMetrics("quality", "rating", [])
    rating.add_record([4, 5, 5], responses=3)
    rating.add_record([2, 3], responses=2)
    assert rating.report()["unified"] == {"strategy": "median", "mean": 3.5833, "distribution": {"5": 1, "2.5": 1}}
    labels = QuestionMetrics("topic", "label_selection", ["code", "other"])
    for answers in (["code", "code", "other"], ["code", "other"], ["other"]):
        labels.add_record(answers, responses=len(answers))
    assert labels.report()["unified"]["distribution"] == {"code": 1, "(tie)": 1, "other": 1}
    multi = QuestionMetrics("failures", "multi_label_selection", ["harmful", "unhelpful"])
    multi.add_record([["harmful"], ["harmful", "unhelpful"], []], responses=3)
    # 2 of 4 responses (two left the question unanswered) is not more than half.
    multi.add_record([["harmful"], ["harmful"]], responses=4)
    assert multi.report()["unified"]["distribution"] == {"harmful": 1, "unhelpful": 0}
    ranking = QuestionMetrics("ranking", "ranking", ["a", "b"])
    a_first = [{"value": "a", "rank": 1}, {"value": "b", "rank": 2}]
    b_first = [{"value": "b", "rank": 1}, {"value": "a", "rank": 2}]
    ranking.add_record([a_first, a_first], responses=2)
    ranking.add_record([a_first, b_first], responses=2)
    report = ranking.report()
    assert report["unified"]["first"] == {"a": 1, "(tie)": 1}
    assert report["unified"]["mean_rank"] == {"a": 1.25, "b": 1.75}
    # Per option: record 1 agrees (ranks 1,1 and 2,2), record 2 swaps them. Coincidences
    # 1-1: 2, 2-2: 2, 1-2: 2, 2-1: 2 (n = 8); alpha = 1 - 7 * 4 / (2 * 4 * 4) = 0.125.
    assert report["agreement"]["units"] == 4 and report["agreement"]["value"] == 0.125


def test_dataset_metrics_from_real_responses(people, django_assert_max_num_queries):
    dataset = comparison_dataset(people.workspace_a)
    first, second, third = add_records(dataset, 3)
    a1, a2 = people.labeler_a1, people.labeler_a2
    response_submit(record=first, user=a1, values=full_answer(quality={"value": 4}), time_spent_seconds=30)
    response_submit(record=first, user=a2, values=full_answer(quality={"value": 4}), time_spent_seconds=10)
    response_submit(record=second, user=a1, values=full_answer(quality={"value": 1}, topic={"value": "code"}))
    response_submit(record=second, user=a2, values=full_answer(quality={"value": 5}, topic={"value": "code"}))
    response_save_draft(record=third, user=a1, values={"quality": {"value": 2}})

    with django_assert_max_num_queries(5):
        metrics = dataset_metrics(dataset)

    assert metrics["records"] == {"total": 3, "completed": 2, "pending": 1}
    assert metrics["responses"] == {"draft": 1, "submitted": 4, "discarded": 0}
    quality = next(q for q in metrics["questions"] if q["name"] == "quality")
    assert quality["answered_records"] == 2
    assert quality["unified"] == {"strategy": "median", "mean": 3.5, "distribution": {"4": 1, "3": 1}}
    # Interval alpha over the units (4, 4) and (1, 5): coincidences 4-4: 2, 1-5: 1, 5-1: 1,
    # margins 4: 2, 1: 1, 5: 1 (n = 4); observed 2 * 16 = 32, expected 2 * (2*1*9 + 2*1*1 + 1*1*16)
    # = 72; alpha = 1 - 3 * 32 / 72 = -0.3333 (the one disagreement outweighs the agreement).
    assert quality["agreement"] == {
        "metric": "krippendorff_alpha",
        "level": "interval",
        "value": -0.3333,
        "units": 2,
        "pairable_values": 4,
    }
    topic = next(q for q in metrics["questions"] if q["name"] == "topic")
    # Only one record has two topic answers, both "code": no variation, no alpha.
    assert topic["agreement"]["value"] is None and topic["unified"]["distribution"] == {"code": 1}
    comment = next(q for q in metrics["questions"] if q["name"] == "comment")
    assert comment["agreement"] is None and comment["unified"] is None
    assert [(a["username"], a["submitted"], a["draft"], a["time_spent_seconds"]) for a in metrics["annotators"]] == [
        ("labeler-a1", 2, 1, 30.0),
        ("labeler-a2", 2, 0, 10.0),
    ]
    assert metrics["annotators"][0]["seconds_per_submission"] == 15.0
