"""Gold records in the work queue: mixed in at the dataset's rate, never consuming
overlap, each handed to a labeler at most once; labelers paused for their gold answers
get nothing until an admin lifts the pause. Through the real pick (`queue_next`)."""

from __future__ import annotations

import itertools
from datetime import timedelta

import pytest

from feedback import gold
from feedback.models import Record, RecordLease
from feedback.services.datasets import dataset_update
from feedback.services.gold import gold_pause_lift, record_gold_clear, record_gold_set
from feedback.services.queue import queue_next
from feedback.services.records import records_bulk_upsert
from feedback.services.responses import response_submit
from tests.builders import add_records, comparison_dataset, full_answer, record_item

EXPECTED = {"quality": {"value": 4}}  # full_answer() rates 4: a correct answer
WRONG = full_answer(quality={"value": 1})


def add_gold(dataset, count: int, start: int = 1000) -> list[Record]:
    items = [record_item(n, gold=EXPECTED) for n in range(start, start + count)]
    return records_bulk_upsert(dataset=dataset, items=items).records


@pytest.fixture
def dataset(people):
    return comparison_dataset(people.workspace_a, min_submitted=1)


def test_the_gold_share_of_200_picks_is_the_rate_within_one_record(people, dataset):
    """The stated tolerance: after every pick the labeler's gold count is within one
    record of rate * picks, so 200 picks at 10 % hold 19 to 21 gold records."""
    add_records(dataset, 200)
    gold_ids = {record.pk for record in add_gold(dataset, 40)}
    dataset = dataset_update(dataset=dataset, gold_rate=0.1)
    handed, gold_so_far = [], 0
    for pick in range(1, 201):
        record = queue_next(dataset=dataset, user=people.labeler_a1)
        assert record is not None
        response_submit(record=record, user=people.labeler_a1, values=full_answer())
        handed.append(record.pk)
        gold_so_far += record.pk in gold_ids
        assert abs(gold_so_far - 0.1 * pick) <= 1, (pick, gold_so_far)

    assert 19 <= gold_so_far <= 21
    assert len(set(handed)) == 200  # no record, gold or not, twice
    # Not a fixed stride: the gaps between gold records vary.
    positions = [i for i, pk in enumerate(handed) if pk in gold_ids]
    assert len({b - a for a, b in itertools.pairwise(positions)}) > 1


@pytest.mark.parametrize("rate", [0.05, 0.3, 0.5])
def test_other_rates_stay_within_one_record(people, dataset, rate):
    add_records(dataset, 60)
    gold_ids = {record.pk for record in add_gold(dataset, 60)}
    dataset = dataset_update(dataset=dataset, gold_rate=rate)
    gold_so_far = 0
    for pick in range(1, 61):
        record = queue_next(dataset=dataset, user=people.labeler_a1)
        response_submit(record=record, user=people.labeler_a1, values=full_answer())
        gold_so_far += record.pk in gold_ids
        assert abs(gold_so_far - rate * pick) <= 1, (rate, pick, gold_so_far)


def test_gold_takes_no_overlap_and_every_labeler_gets_it_once(people, dataset):
    """min_submitted = 1: a normal record goes to one labeler, a gold record to each."""
    add_records(dataset, 3)
    (golden,) = add_gold(dataset, 1)
    dataset = dataset_update(dataset=dataset, gold_rate=1.0)
    seen = {}
    for labeler in (people.labeler_a1, people.labeler_a2, people.admin_a):
        record = queue_next(dataset=dataset, user=labeler)
        response_submit(record=record, user=labeler, values=full_answer())
        seen[labeler.username] = record.pk
        # Gold is used up for this labeler: normal records follow.
        following = queue_next(dataset=dataset, user=labeler)
        assert following is not None and following.gold is None
        response_submit(record=following, user=labeler, values=full_answer())
    assert set(seen.values()) == {golden.pk}
    assert Record.objects.filter(dataset=dataset, gold__isnull=True, submitted_count=1).count() == 3


def test_without_a_rate_gold_records_are_never_handed_out(people, dataset):
    add_gold(dataset, 2)  # older than the normal ones
    add_records(dataset, 2)
    for _ in range(2):
        record = queue_next(dataset=dataset, user=people.labeler_a1)
        assert record.gold is None
        response_submit(record=record, user=people.labeler_a1, values=full_answer())
    assert queue_next(dataset=dataset, user=people.labeler_a1) is None


def test_a_gold_record_whose_lease_expired_is_not_handed_again(people, dataset):
    add_records(dataset, 5)
    add_gold(dataset, 1)
    dataset = dataset_update(dataset=dataset, gold_rate=1.0)
    first = queue_next(dataset=dataset, user=people.labeler_a1)
    assert first.gold is not None
    RecordLease.objects.filter(user=people.labeler_a1).update(expires_at=first.inserted_at - timedelta(days=1))

    again = queue_next(dataset=dataset, user=people.labeler_a1)

    assert again.pk != first.pk and again.gold is None


def test_gold_set_and_cleared_moves_a_record_between_the_queues(people, dataset):
    (record,) = add_records(dataset, 1)
    dataset = dataset_update(dataset=dataset, gold_rate=1.0, min_submitted=2)
    record_gold_set(record=record, values=EXPECTED)
    assert queue_next(dataset=dataset, user=people.labeler_a1).pk == record.pk
    record_gold_clear(record=record)
    assert queue_next(dataset=dataset, user=people.labeler_a2).pk == record.pk
    assert Record.objects.get(pk=record.pk).gold is None


def test_next_query_budget_with_gold_stays_flat(people, dataset, django_assert_max_num_queries):
    add_records(dataset, 200)
    add_gold(dataset, 50)
    dataset = dataset_update(dataset=dataset, gold_rate=0.2, gold_pause_flagged=True)
    for labeler in (people.labeler_a1, people.labeler_a2):
        for _ in range(5):
            record = queue_next(dataset=dataset, user=labeler)
            response_submit(record=record, user=labeler, values=full_answer())
    # the pause check (answers, lift), gold turn, gold pick, normal pick and re-count, lease
    for labeler in (people.labeler_a1, people.labeler_a2):
        with django_assert_max_num_queries(10):
            queue_next(dataset=dataset, user=labeler)


def test_a_labeler_answering_gold_wrongly_is_flagged_paused_and_lifted(people, dataset):
    add_records(dataset, 20)
    add_gold(dataset, 10)
    dataset = dataset_update(
        dataset=dataset, gold_rate=0.5, gold_threshold=0.8, gold_min_answers=3, gold_pause_flagged=True
    )
    careless, careful = people.labeler_a1, people.labeler_a2
    while not gold.is_paused(dataset, careless):
        record = queue_next(dataset=dataset, user=careless)
        assert record is not None, "the careless labeler was never paused"
        response_submit(record=record, user=careless, values=WRONG if record.gold else full_answer())
    for _ in range(8):
        record = queue_next(dataset=dataset, user=careful)
        response_submit(record=record, user=careful, values=full_answer())

    report = {row.username: row for row in gold.gold_report(dataset).labelers}
    assert queue_next(dataset=dataset, user=careless) is None
    assert (report["labeler-a1"].graded, report["labeler-a1"].correct) == (3, 0)
    assert (report["labeler-a1"].flagged, report["labeler-a1"].paused) == (True, True)
    assert report["labeler-a2"].accuracy == 1.0
    assert (report["labeler-a2"].flagged, report["labeler-a2"].paused) == (False, False)

    gold_pause_lift(dataset=dataset, user=careless, lifted_by=people.admin_a)

    assert queue_next(dataset=dataset, user=careless) is not None
    lifted = {row.username: row for row in gold.gold_report(dataset).labelers}["labeler-a1"]
    assert (lifted.flagged, lifted.paused) == (True, False)  # still flagged on the record, working again


def test_below_the_minimum_a_labeler_is_not_flagged(people, dataset):
    add_records(dataset, 4)
    add_gold(dataset, 2)
    dataset = dataset_update(dataset=dataset, gold_rate=1.0, gold_min_answers=3, gold_pause_flagged=True)
    for _ in range(2):
        record = queue_next(dataset=dataset, user=people.labeler_a1)
        response_submit(record=record, user=people.labeler_a1, values=WRONG)
    (row,) = gold.gold_report(dataset).labelers
    assert (row.graded, row.accuracy, row.flagged, row.paused) == (2, 0.0, False, False)
    assert queue_next(dataset=dataset, user=people.labeler_a1) is not None
