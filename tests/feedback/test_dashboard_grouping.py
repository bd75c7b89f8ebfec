"""The dashboard groups records by answer pattern and adds each distinct one once,
weighted: its numbers must equal those of adding every record on its own. Random data
with missing answers (optional questions, records with a single answer), compared with
`QuestionMetrics` fed record by record and with alpha recomputed without each labeler."""

from __future__ import annotations

import json
import random
from collections import Counter
from datetime import UTC, datetime
from types import SimpleNamespace

import pytest

from feedback.agreement import Agreement
from feedback.dashboard import Dashboard
from feedback.metrics import QuestionMetrics
from feedback.questions import kind_of

LABELERS = ("u1", "u2", "u3", "u4", "u5")
QUESTIONS = (
    SimpleNamespace(name="quality", type="rating", settings={"options": [{"value": v} for v in range(1, 6)]}),
    SimpleNamespace(name="topic", type="label_selection", settings={"options": [{"value": v} for v in "abc"]}),
    SimpleNamespace(name="flags", type="multi_label_selection", settings={"options": [{"value": v} for v in "xyz"]}),
    SimpleNamespace(name="ranking", type="ranking", settings={"options": [{"value": v} for v in ("p", "q", "r")]}),
    SimpleNamespace(name="note", type="text", settings={}),
)


def _answer(rng: random.Random, question: SimpleNamespace) -> object:
    if question.type == "rating":
        return rng.choice((1, 2, 2, 3, 4, 5))
    if question.type == "label_selection":
        return rng.choice("aab c".replace(" ", ""))
    if question.type == "multi_label_selection":
        return sorted(rng.sample("xyz", rng.randint(1, 2)))
    if question.type == "ranking":
        order = rng.sample(("p", "q", "r"), 3)
        return [{"value": option, "rank": rank} for rank, option in enumerate(order, 1)]
    return rng.choice(("fine", "too long", "wrong"))


def _records(seed: int, count: int) -> list[list[tuple[str, dict[str, object]]]]:
    """Records of 1 to 4 responses, each leaving a question out now and then."""
    rng = random.Random(seed)
    records = []
    for _ in range(count):
        responses = []
        for user in rng.sample(LABELERS, rng.randint(1, 4)):
            values = {q.name: _answer(rng, q) for q in QUESTIONS if rng.random() > 0.15}
            responses.append((user, values))
        records.append(responses)
    return records


def _options(question: SimpleNamespace) -> list[object]:
    return [option["value"] for option in question.settings.get("options", [])]


def _alpha_without(question: SimpleNamespace, records: list, left_out: str | None) -> float | None:
    """The headline alpha, record by record, with one labeler's answers left out."""
    kind = kind_of(question.type)
    measure = kind.agreements[0]
    agreement = Agreement(measure.level)
    for responses in records:
        values = [v[question.name] for user, v in responses if question.name in v and user != left_out]
        for unit in kind.agreement_units(values, _options(question), measure.unit):
            agreement.add_unit(unit)
    alpha = agreement.alpha()
    return None if alpha is None else round(alpha, 4)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_grouped_records_give_the_numbers_of_records_one_by_one(seed):
    records = _records(seed, 400)
    dashboard = Dashboard(QUESTIONS, min_submitted=2, now=datetime.now(UTC))
    for n, responses in enumerate(records):
        answers = [[json.dumps(v[q.name]) if q.name in v else "" for _, v in responses] for q in QUESTIONS]
        dashboard.add_record(f"rec-{n:04d}", "pending", [user for user, _ in responses], answers, None)
    for user in LABELERS:
        dashboard.add_labeler(user, {"submitted": 1}, time_spent=0.0, seconds=(), per_day={}, written=0, pasted=0)
    report = dashboard.report(records={"total": len(records), "completed": 0}, usernames={}, rounds=20)

    for question, got in zip(QUESTIONS, report["questions"], strict=True):
        one_by_one = QuestionMetrics(question.name, question.type, _options(question))
        counted: Counter[str] = Counter()
        for responses in records:
            values = [v[question.name] for _, v in responses if question.name in v]
            one_by_one.add_record(values, responses=len(responses))
            counted.update(str(value) for value in values if question.type in ("rating", "label_selection"))
        expected = one_by_one.report()
        assert {key: got[key] for key in expected} == expected, question.name
        if question.type in ("rating", "label_selection"):
            assert {key: n for key, n in got["distribution"].items() if n} == dict(counted)

    by_labeler = {row["user_id"]: row for row in report["annotators"]}
    for question in QUESTIONS[:4]:
        alpha = _alpha_without(question, records, None)
        for user in LABELERS:
            (row,) = [a for a in by_labeler[user]["agreement"] if a["question"] == question.name]
            assert row["alpha"] == alpha
            assert row["alpha_without"] == _alpha_without(question, records, user), (question.name, user)
            shared = sum(
                1
                for responses in records
                if any(u == user and question.name in v for u, v in responses)
                and sum(question.name in v for _, v in responses) >= 2
            )
            assert row["records"] == shared
