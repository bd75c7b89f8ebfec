"""Dataset metrics: Krippendorff's alpha against published values and the reference
`krippendorff` package, the set and rank distances against hand computations, unified
answers, annotators' counts, the API's answer and who may read it."""

from __future__ import annotations

import math
import random
from itertools import permutations, product

import krippendorff
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from feedback.agreement import (
    JACCARD,
    KENDALL_TAU,
    AnswerAgreement,
    RankingPool,
    alpha_for,
    jaccard_distance,
    kendall_tau_distance,
)
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


def _ours(level, matrix):
    """Our alpha over a reliability matrix (observers x units, None for missing), fed unit by unit."""
    agreement = alpha_for(level)
    for unit in zip(*matrix, strict=True):
        agreement.add_unit([value for value in unit if value is not None])
    return agreement.alpha()


def _reference(level, matrix, **options):
    """The `krippendorff` package's alpha (NaN for missing), or None where it is undefined."""
    data = np.array([[np.nan if value is None else value for value in row] for row in matrix], dtype=float)
    try:
        with np.errstate(divide="ignore", invalid="ignore"):  # 0 / 0 when nothing varies: NaN
            value = krippendorff.alpha(reliability_data=data, level_of_measurement=level, **options)
    except ValueError:  # one value in all, or no unit with two
        return None
    return None if math.isnan(value) else value


@pytest.mark.parametrize("level", ["nominal", "ordinal", "interval"])
def test_alpha_equals_the_krippendorff_package_on_the_worked_example(level):
    # The worked example has missing answers (None) and a unit with one value only.
    assert _ours(level, RELIABILITY_DATA) == pytest.approx(_reference(level, RELIABILITY_DATA), abs=1e-9)


# Reliability matrices: 2 to 6 observers, 1 to 15 units, answers on a 1..5 scale, any
# of them missing (None): units with one value or none, constant data, everything.
MATRICES = st.integers(2, 6).flatmap(
    lambda observers: st.integers(1, 15).flatmap(
        lambda units: st.lists(
            st.lists(st.one_of(st.none(), st.integers(1, 5)), min_size=units, max_size=units),
            min_size=observers,
            max_size=observers,
        )
    )
)


@settings(max_examples=150, deadline=None)
@given(matrix=MATRICES, level=st.sampled_from(["nominal", "ordinal", "interval"]))
def test_alpha_equals_the_krippendorff_package_on_random_matrices_with_missing_answers(matrix, level):
    ours, reference = _ours(level, matrix), _reference(level, matrix)
    if reference is None:
        assert ours is None  # nothing pairable, or nothing varies
    else:
        assert ours == pytest.approx(reference, abs=1e-9)


@pytest.mark.parametrize("seed", range(5))
@pytest.mark.parametrize("level", ["nominal", "ordinal", "interval"])
def test_alpha_equals_the_krippendorff_package_on_seeded_sparse_matrices(level, seed):
    # Larger and sparser than hypothesis draws: 8 labelers, 200 units, 60% missing, a
    # 0..10 scale with uneven use (an ordinal and an interval alpha then differ).
    rng = random.Random(seed)
    matrix = [
        [None if rng.random() < 0.6 else min(10, int(rng.expovariate(0.4))) for _ in range(200)] for _ in range(8)
    ]
    assert _ours(level, matrix) == pytest.approx(_reference(level, matrix), abs=1e-9)


def test_the_ordinal_distance_comes_from_the_coincidence_margins():
    # Ratings (4, 4) and (1, 5): margins n_1 = 1, n_4 = 2, n_5 = 1 (n = 4). Ordinal
    # distances: d(1,4) = (1 + 2 - (1 + 2)/2)^2 = 2.25, d(4,5) = (2 + 1 - (2 + 1)/2)^2 =
    # 2.25, d(1,5) = (1 + 2 + 1 - (1 + 1)/2)^2 = 9. Observed: o_15 = o_51 = 1, so 2 * 9 =
    # 18; expected: 2 * (1*2*2.25 + 2*1*2.25 + 1*1*9) = 36; alpha = 1 - 3 * 18 / 36 = -0.5.
    # (Interval puts 4 three steps from 1 but only one from 5; ordinal counts the
    # ratings between them instead.)
    agreement = Agreement("ordinal")
    agreement.add_unit([4, 4])
    agreement.add_unit([1, 5])
    assert agreement.alpha() == pytest.approx(-0.5, abs=1e-12)


def test_the_jaccard_distance_by_hand():
    # 1 - |A & B| / |A | B|.
    assert jaccard_distance(frozenset("ab"), frozenset("ab")) == 0  # 1 - 2/2
    assert jaccard_distance(frozenset("a"), frozenset("ab")) == 0.5  # 1 - 1/2
    assert jaccard_distance(frozenset("ab"), frozenset("bc")) == pytest.approx(2 / 3)  # 1 - 1/3 ({b} of {a,b,c})
    assert jaccard_distance(frozenset("abc"), frozenset("cd")) == 0.75  # 1 - 1/4 ({c} of {a,b,c,d})
    assert jaccard_distance(frozenset("a"), frozenset("b")) == 1  # 1 - 0/2
    assert jaccard_distance(frozenset(), frozenset()) == 0


def test_the_kendall_tau_distance_by_hand():
    # Ranks of options (p, q, r), 1 = best; three pairs: pq, pr, qr. Per pair: 1 if the
    # rankings order it oppositely, 1/2 if one ties it and the other does not, else 0.
    assert kendall_tau_distance((1, 2, 3), (1, 2, 3)) == 0
    # pq swapped, pr and qr kept: 1/3.
    assert kendall_tau_distance((1, 2, 3), (2, 1, 3)) == pytest.approx(1 / 3)
    # Reversed: every pair swapped, 3/3.
    assert kendall_tau_distance((1, 2, 3), (3, 2, 1)) == 1
    # (2,1,3) vs (3,2,1): pq the same (q first in both), pr and qr swapped: 2/3.
    assert kendall_tau_distance((2, 1, 3), (3, 2, 1)) == pytest.approx(2 / 3)
    # pq tied in the first, not in the second: 1/2; pr and qr the same: (1/2) / 3 = 1/6.
    assert kendall_tau_distance((1, 1, 2), (1, 2, 3)) == pytest.approx(1 / 6)
    # Everything tied against a strict ranking: 1/2 per pair, 1/2 in all.
    assert kendall_tau_distance((1, 1, 1), (1, 2, 3)) == 0.5
    # Four options, six pairs; (1,2,3,4) vs (2,1,4,3): pq and rs swapped: 2/6.
    assert kendall_tau_distance((1, 2, 3, 4), (2, 1, 4, 3)) == pytest.approx(1 / 3)


def test_jaccard_alpha_over_chosen_label_sets_by_hand():
    # Record 1: {x} and {x, y} (distance 1/2); record 2: {y} and {y} (0). n = 4 pairable
    # values. Observed: record 1's two ordered pairs, 2 * 1/2 / (2 - 1) = 1.
    # Expected, over every ordered pair of the pooled sets {x}, {x,y}, {y}, {y}:
    # 2 * (d({x},{x,y}) + 2 d({x},{y}) + 2 d({x,y},{y})) = 2 * (1/2 + 2 + 1) = 7.
    # alpha = 1 - (4 - 1) * 1 / 7 = 4/7.
    multi = QuestionMetrics("failures", "multi_label_selection", ["x", "y"])
    multi.add_record([["x"], ["x", "y"]], responses=2)
    multi.add_record([["y"], ["y"]], responses=2)
    report = multi.report()
    assert [(a["level"], a["unit"]) for a in report["agreements"]] == [
        ("nominal", "record_option"),
        ("jaccard", "record"),
    ]
    assert report["agreement"] == report["agreements"][0]  # unchanged: label by label
    jaccard = report["agreements"][1]
    assert (jaccard["value"], jaccard["units"], jaccard["pairable_values"]) == (round(4 / 7, 4), 2, 4)


def _ranking(*ranks):
    return [{"value": option, "rank": rank} for option, rank in zip("pqr", ranks, strict=True)]


def test_kendall_alpha_over_whole_rankings_by_hand():
    # A = (1,2,3), B = (2,1,3), C = (3,2,1) as ranks of p, q, r: d(A,B) = 1/3, d(A,C) = 1,
    # d(B,C) = 2/3 (see the distance test). Records: (A, A), (B, B), (A, C); n = 6.
    # Observed: only record 3 differs, 2 * d(A,C) / (2 - 1) = 2.
    # Expected, pooled A x3, B x2, C x1: 2 * (3*2 * 1/3 + 3*1 * 1 + 2*1 * 2/3) = 2 * 19/3.
    # alpha = 1 - (6 - 1) * 2 / (38/3) = 1 - 30/38 = 4/19.
    a, b, c = _ranking(1, 2, 3), _ranking(2, 1, 3), _ranking(3, 2, 1)
    ranking = QuestionMetrics("ranking", "ranking", ["p", "q", "r"])
    for answers in ([a, a], [b, b], [a, c]):
        ranking.add_record(answers, responses=2)
    report = ranking.report()
    assert [(x["level"], x["unit"]) for x in report["agreements"]] == [
        ("interval", "record_option"),
        ("kendall_tau", "record"),
    ]
    kendall = report["agreements"][1]
    assert (kendall["value"], kendall["units"], kendall["pairable_values"]) == (round(4 / 19, 4), 3, 6)
    assert report["agreement"] == report["agreements"][0] and report["agreement"]["units"] == 9


def test_ratings_report_interval_then_ordinal():
    rating = QuestionMetrics("quality", "rating", [])
    rating.add_record([4, 4], responses=2)
    rating.add_record([1, 5], responses=2)
    report = rating.report()
    # Interval: -0.3333 (see test_dataset_metrics_from_real_responses); ordinal: -0.5 (above).
    assert [(a["level"], a["value"]) for a in report["agreements"]] == [("interval", -0.3333), ("ordinal", -0.5)]
    assert report["agreement"]["level"] == "interval"


def _alpha_with_package_distance(level, distance, values, matrix):
    """The package's alpha with our distance as a callable, values given by their index."""
    lookup = np.vectorize(lambda i, j: distance(values[int(i)], values[int(j)]))
    data = [[None if index is None else float(index) for index in row] for row in matrix]

    def metric(v1, v2, i1, i2, n_v, dtype=np.float64):
        return lookup(v1, v2).astype(dtype)

    return _reference(metric, data, value_domain=list(range(len(values))))


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("level", [JACCARD, KENDALL_TAU])
def test_answer_alpha_equals_the_krippendorff_package_with_the_same_distance(level, seed):
    # Our pooled expected disagreement (Kendall's from per-pair sign counts, never the list
    # of rankings) against the package's full values x values matrix of distances.
    if level == JACCARD:
        values = [frozenset(labels) for r in (1, 2, 3) for labels in permutations("wxyz", r)]
        values = sorted(set(values), key=sorted)
        distance = jaccard_distance
    else:
        values = sorted(set(product((1, 2, 3, 4), repeat=4)))  # rankings of four options, ties too
        distance = kendall_tau_distance
    rng = random.Random(seed)
    # Labelers lean towards a few answers, so that agreement is above chance.
    favourites = rng.sample(range(len(values)), 4)
    matrix = [
        [
            None if rng.random() < 0.4 else rng.choice(favourites if rng.random() < 0.7 else range(len(values)))
            for _ in range(60)
        ]
        for _ in range(5)
    ]
    ours = AnswerAgreement(level)
    for unit in zip(*matrix, strict=True):
        ours.add_unit([values[index] for index in unit if index is not None])
    assert ours.alpha() == pytest.approx(_alpha_with_package_distance(level, distance, values, matrix), abs=1e-9)


def test_answer_agreement_keeps_no_list_of_answers():
    # Memory stays flat: 5000 records of four labelers' rankings of four options leave
    # three counts for each of the six option pairs, and running sums.
    rng = random.Random(0)
    agreement = AnswerAgreement(KENDALL_TAU)
    for _ in range(5000):
        agreement.add_unit([tuple(rng.sample((1, 2, 3, 4), 4)) for _ in range(4)])
    assert isinstance(agreement.pool, RankingPool)
    assert len(agreement.pool.signs) == 6 and all(len(counts) <= 3 for counts in agreement.pool.signs.values())
    assert agreement.pairable_values == 20000 and agreement.alpha() == pytest.approx(0, abs=0.02)


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

    # questions, submitted answers, records, annotators, gold answers (+ the savepoint)
    with django_assert_max_num_queries(6):
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
        "unit": "record",
        "value": -0.3333,
        "units": 2,
        "pairable_values": 4,
    }
    # Ordinal alpha over the same units: -0.5 (test_the_ordinal_distance_comes_from_the_coincidence_margins).
    assert quality["agreements"] == [quality["agreement"], {**quality["agreement"], "level": "ordinal", "value": -0.5}]
    topic = next(q for q in metrics["questions"] if q["name"] == "topic")
    # Only one record has two topic answers, both "code": no variation, no alpha.
    assert topic["agreement"]["value"] is None and topic["unified"]["distribution"] == {"code": 1}
    comment = next(q for q in metrics["questions"] if q["name"] == "comment")
    assert comment["agreement"] is None and comment["agreements"] == [] and comment["unified"] is None
    assert [(a["username"], a["submitted"], a["draft"], a["time_spent_seconds"]) for a in metrics["annotators"]] == [
        ("labeler-a1", 2, 1, 30.0),
        ("labeler-a2", 2, 0, 10.0),
    ]
    assert metrics["annotators"][0]["seconds_per_submission"] == 15.0
