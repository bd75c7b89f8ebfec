"""Gold records: set and clear a record's expected answers, and lift a labeler's gold pause.

Expected answers are validated by the question-type registry as a response's answers
are (`questions.clean_gold`); the rules that read them are in `feedback.gold`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.db import transaction
from django.utils import timezone

from feedback import questions as question_rules
from feedback.models import Dataset, GoldPauseLift, Record


def clean_gold_for(dataset: Dataset, values: Any, *, record_fields: Mapping[str, Any]) -> dict[str, Any]:
    """`values` as a gold record of `dataset` stores them (InvalidData located at the question)."""
    return question_rules.clean_gold(list(dataset.questions.all()), values, record_fields=record_fields)


@transaction.atomic
def record_gold_set(*, record: Record, values: Any) -> Record:
    """Make `record` a gold record with these expected answers (`{question: {"value": …}}`),
    or replace its expected answers. The queue mixes it into every labeler's work from now on."""
    record = Record.objects.select_for_update(of=("self",)).select_related("dataset").get(pk=record.pk)
    record.gold = clean_gold_for(record.dataset, values, record_fields=record.fields)
    record.save(update_fields=["gold", "updated_at"])
    return record


@transaction.atomic
def record_gold_clear(*, record: Record) -> Record:
    """Make `record` an ordinary record again; answers already given to it stay, ungraded."""
    Record.objects.filter(pk=record.pk, gold__isnull=False).update(gold=None, updated_at=timezone.now())
    record.refresh_from_db()
    return record


@transaction.atomic
def gold_pause_lift(*, dataset: Dataset, user: Any, lifted_by: Any = None) -> GoldPauseLift:
    """Let a labeler paused for their gold answers work again: only the gold answers they
    submit from now on can pause them again (`feedback.gold`)."""
    lift, _ = GoldPauseLift.objects.update_or_create(
        dataset=dataset, user=user, defaults={"lifted_at": timezone.now(), "lifted_by": lifted_by}
    )
    return lift
