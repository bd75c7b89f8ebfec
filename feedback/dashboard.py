"""The quality dashboard of a dataset: everything it shows, computed in one pass.

`Dashboard` is fed each labeler's aggregates (`add_labeler`: counts by status, time,
submissions per day, written and pasted answers) and every record's submitted answers
(`add_record`: its labelers, each question's answers as JSON text, its submission
times), and holds only what the report needs: counters per day, per labeler and per
option, one count per distinct answer pattern, one float per submitted response's
time. Records answered alike are grouped by pattern and each distinct pattern is
computed once, weighted (`_QuestionDashboard.fold`), so the cost follows the distinct
patterns, not the records. `dashboard_compute` has PostgreSQL do the per-response
work and streams one row per record into it (the selectors and the metrics job both
call it).

What it reports, beside the metrics of `feedback.metrics` (agreement and unified
answers per question, responses by status per labeler):

* **progress per day**: responses submitted per day (by `submitted_at`, UTC days) and
  records completed per day (a completed record's completion is the submission that
  brought it to the overlap: its `min_submitted`-th submitted response by time);
* **ETA**: the records not completed, divided by the pace: the mean completions per
  day over the last `PACE_DAYS` active days (days with at least one completion). The
  estimate is counted in days from the computation, so it reads "at the current pace";
  none without a completion yet;
* **per labeler**: responses by status, submissions per day, seconds per submitted
  response (median and a histogram over `SECONDS_BINS`), the paste rate of written
  answers (of their submitted answers to text questions, the share noted as pasted in
  `Response.context["pasted"]`), and per question **alpha without them**: the
  question's headline alpha with that labeler's answers left out of every record. A
  labeler who pulls agreement down has `alpha_without` above `alpha`. Computed exactly
  from coincidences: the total matrix plus, per labeler, the change their leaving out
  makes to the records they answered (memory: labelers x cells, never records);
* **per question**: the distribution of the submitted answers (each rating, label or
  chosen label counted; for rankings, how often each option got each rank); a bootstrap
  95 % interval of the headline alpha (`BOOTSTRAP_ROUNDS` resamples, seeded, of the
  records that have pairable answers, with replacement: a record's units, e.g. each
  option of a ranking, stay together; drawn as a multinomial over the answer patterns
  weighted by their records, which is the same resampling); the `DISPUTED` records
  with the most disagreement (mean distance between two of its answers under the headline measure);
* **leaderboard** where the dataset names its models (`feedback.leaderboard`).

Gold accuracy per labeler is not computed here: a labeler's row carries
`gold_accuracy` only when the caller passes it (see `report`).
"""

from __future__ import annotations

import heapq
import json
import math
import uuid
from array import array
from collections import Counter, defaultdict
from collections.abc import Callable, Hashable, Iterable, Mapping, Sequence
from contextlib import nullcontext
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from statistics import median
from typing import Any

import numpy as np
from django.contrib.postgres.aggregates import StringAgg
from django.db import connection, connections, transaction
from django.db.models import Aggregate, BooleanField, Count, F, Func, Q, Sum, TextField, Value
from django.db.models.fields.json import KeyTransform
from django.db.models.functions import Cast, Coalesce
from django.utils import timezone
from scipy import sparse

from feedback.agreement import Agreement, Measure, unit_coincidences
from feedback.gold import GoldReport, gold_report
from feedback.leaderboard import Leaderboard, Plan, plan_for
from feedback.metrics import QuestionMetrics
from feedback.models import Dataset, RecordStatus, Response, ResponseStatus
from feedback.questions import kind_of

BOOTSTRAP_ROUNDS = 200
BOOTSTRAP_SEED = 0
CONFIDENCE = 0.95
DISPUTED = 10
PACE_DAYS = 7
# Seconds on a record: bins a person reads at a glance (the last one is open-ended).
SECONDS_BINS = (0, 10, 20, 30, 60, 90, 120, 180, 300, 600)
STATUSES = ("submitted", "draft", "discarded")

Cell = tuple[Hashable, Hashable]
# A record's submitted responses to one question: their labelers in order, and each
# one's answer as JSON text ("": not answered).
Pattern = tuple[tuple[str, ...], tuple[str, ...]]


class _Parsed(dict):
    """JSON texts parsed once each (None stays None)."""

    def __missing__(self, text: str | None) -> Any:
        value = self[text] = None if text is None else json.loads(text)
        return value


@dataclass
class _Labeler:
    counts: Counter[str] = field(default_factory=Counter)
    time_spent: float = 0.0
    per_day: Counter[date] = field(default_factory=Counter)
    seconds: array = field(default_factory=lambda: array("d"))
    written: int = 0
    pasted: int = 0


def _add_cells(into: defaultdict[Cell, float], cells: Mapping[Cell, float], sign: float = 1.0) -> None:
    for cell, weight in cells.items():
        into[cell] += sign * weight


def _alpha(level: str, cells: Mapping[Cell, float]) -> float | None:
    return Agreement(level, coincidences=defaultdict(float, cells)).alpha()


def _round(value: float | None) -> float | None:
    return None if value is None else round(float(value), 4)


class _QuestionDashboard:
    """One question: its `QuestionMetrics`, answer distribution, the bootstrap's
    coincidences, alpha without each labeler, the most disputed records.

    Records are grouped by their answer pattern while streaming: (submitted responses,
    the (labeler, answer text) pairs in labeler order), counted. Everything but the
    disputed records depends on the pattern only, so `_fold` computes each distinct
    pattern once, weighted by how many records have it: the same sums as record by
    record, at a cost bounded by the distinct patterns (a few thousand on a fixed
    scale), not by the records. A pattern's disagreement is computed once too (cached
    by its answers), for the most disputed records."""

    def __init__(self, name: str, type_: str, options: list[Any], parsed: _Parsed) -> None:
        self.metrics = QuestionMetrics(name, type_, options)
        self.kind = kind_of(type_)
        self.options = options
        self.parsed = parsed
        self.measure: Measure | None = self.kind.agreements[0] if self.kind.agreements else None
        self.counts_answers = bool(self.kind.rates or self.kind.chooses_labels or self.kind.ranks_options)
        # Free text (no agreement, no tally, no distribution): only answered records count,
        # so its answers are never kept.
        self.keeps_answers = bool(self.metrics.agreements or self.metrics.tally is not None or self.counts_answers)
        self.patterns: Counter[Pattern] = Counter()
        self.scores: dict[Pattern, float] = {}
        self.cells_cache: dict[tuple[str, ...], dict[Cell, float]] = {}
        self.folded = False
        self.distribution: Counter[str] = Counter()
        self.ranks: dict[str, Counter[str]] = defaultdict(Counter)
        # Per-pattern coincidences (sparse rows: pattern, cell, weight) and how many
        # records have each pattern, for the bootstrap.
        self.cell_index: dict[Cell, int] = {}
        self.rows, self.cols, self.weights = array("i"), array("i"), array("d")
        self.pattern_records = array("d")
        self.pairable_records = 0
        self.totals: defaultdict[Cell, float] = defaultdict(float)
        self.without: dict[str, defaultdict[Cell, float]] = {}
        self.compared: Counter[str] = Counter()  # labeler -> records they shared with others
        self.disputed: list[tuple[float, str]] = []  # a min-heap of the top DISPUTED
        self.distance = Agreement(self.measure.level).distance({}) if self.measure else None

    @property
    def name(self) -> str:
        return self.metrics.name

    def _cells(self, values: list[Any]) -> dict[Cell, float]:
        cells: dict[Cell, float] = {}
        if self.measure is None:
            return cells
        for unit in self.kind.agreement_units(values, self.options, self.measure.unit):
            for cell, weight in unit_coincidences(unit).items():
                cells[cell] = cells.get(cell, 0.0) + weight
        return cells

    def _cells_of(self, texts: tuple[str, ...]) -> dict[Cell, float]:
        """The coincidences of answers given as sorted JSON texts, computed once each."""
        cells = self.cells_cache.get(texts)
        if cells is None:
            cells = self.cells_cache[texts] = self._cells([self.parsed[text] for text in texts])
        return cells

    def _disagreement(self, texts: tuple[str, ...]) -> float:
        """Mean distance between two answers under the headline measure (0: unpairable)."""
        assert self.distance is not None  # noqa: S101 - only called with a measure
        cells = self._cells_of(tuple(sorted(texts)))
        pairable = sum(cells.values())
        return sum(weight * self.distance(c, k) for (c, k), weight in cells.items()) / pairable if pairable else 0.0

    def add_record(self, record_id: str, pattern: Pattern) -> None:
        """The record's submitted responses (their labelers, in order) and their answers
        to this question as JSON text ("": not answered); at least one answered."""
        if not self.keeps_answers:
            self.metrics.answered_records += 1
            return
        self.patterns[pattern] += 1
        if self.distance is None:
            return
        score = self.scores.get(pattern)
        if score is None:
            texts = tuple([text for text in pattern[1] if text])
            score = self.scores[pattern] = self._disagreement(texts) if len(texts) > 1 else 0.0
        if score > 0:
            entry = (score, record_id)
            if len(self.disputed) < DISPUTED:
                heapq.heappush(self.disputed, entry)
            elif entry > self.disputed[0]:
                heapq.heapreplace(self.disputed, entry)

    def fold(self) -> None:
        """Every distinct pattern once, weighted by its records (once all are in)."""
        if self.folded:
            return
        self.folded = True
        # The metrics and distributions depend on the answers only, not on who gave them.
        answered: Counter[tuple[int, tuple[str, ...]]] = Counter()
        pairable: Counter[tuple[str, ...]] = Counter()
        for (users, given), count in self.patterns.items():
            responses = len(users)
            answers = [(user, text) for user, text in zip(users, given, strict=True) if text]
            texts = tuple(sorted(text for _, text in answers))
            answered[(responses, texts)] += count
            if self.distance is None or len(texts) < 2 or not self._cells_of(texts):
                continue
            pairable[texts] += count
            cells = self._cells_of(texts)
            for labeler, text in answers:
                self.compared[labeler] += count
                change = self.without.setdefault(labeler, defaultdict(float))
                _add_cells(change, cells, -count)
                others = list(texts)
                others.remove(text)
                _add_cells(change, self._cells_of(tuple(others)), count)
        for (responses, texts), count in answered.items():
            values = [self.parsed[text] for text in texts]
            self.metrics.add_record(values, responses=responses, count=count)
            if self.counts_answers:
                self._count(values, count)
        for row, (texts, count) in enumerate(pairable.items()):
            self.pattern_records.append(count)
            self.pairable_records += count
            for cell, weight in self._cells_of(texts).items():
                self.totals[cell] += count * weight
                self.rows.append(row)
                self.cols.append(self.cell_index.setdefault(cell, len(self.cell_index)))
                self.weights.append(weight)
        self.patterns.clear()
        self.cells_cache.clear()

    def _count(self, values: list[Any], count: int) -> None:
        for value in values:
            if self.kind.ranks_options and isinstance(value, list):
                for item in value:
                    if isinstance(item, dict) and "rank" in item:
                        self.ranks[str(item["value"])][str(item["rank"])] += count
            elif isinstance(value, list):
                for label in value:
                    self.distribution[str(label)] += count
            elif value is not None:
                self.distribution[str(value)] += count

    def bootstrap(self, *, rounds: int, seed: int) -> dict[str, Any] | None:
        if self.measure is None or self.pairable_records < 2 or rounds <= 0:
            return None
        records = self.pairable_records
        matrix = sparse.csr_matrix(
            (
                np.frombuffer(self.weights),
                (np.frombuffer(self.rows, dtype=np.int32), np.frombuffer(self.cols, dtype=np.int32)),
            ),
            shape=(len(self.pattern_records), len(self.cell_index)),
        )
        cells = list(self.cell_index)
        rng = np.random.default_rng(seed)
        # Resampling the records with replacement draws each pattern as often as a
        # multinomial over the patterns, weighted by their records: the same bootstrap.
        shares = np.frombuffer(self.pattern_records) / records
        drawn = rng.multinomial(records, shares, size=rounds).astype(float)
        alphas = []
        for totals in (matrix.T @ drawn.T).T:
            value = _alpha(self.measure.level, {cell: totals[i] for i, cell in enumerate(cells) if totals[i]})
            if value is not None:
                alphas.append(value)
        if not alphas:
            return None
        tail = (1 - CONFIDENCE) / 2 * 100
        low, high = np.percentile(alphas, [tail, 100 - tail])
        return {
            "low": _round(low),
            "high": _round(high),
            "confidence": CONFIDENCE,
            "rounds": rounds,
            "seed": seed,
            "resampled": "records",
        }

    def alpha_without(self, labeler: str) -> float | None:
        if self.measure is None:
            return None
        cells = dict(self.totals)
        for cell, weight in self.without.get(labeler, {}).items():
            cells[cell] = cells.get(cell, 0.0) + weight
        return _alpha(self.measure.level, {cell: w for cell, w in cells.items() if w > 1e-9})

    def report(self, *, rounds: int, seed: int) -> dict[str, Any]:
        report = self.metrics.report()
        if self.kind.ranks_options:
            report["distribution"] = {option: dict(sorted(self.ranks[str(option)].items())) for option in self.options}
        elif self.counts_answers:
            known = [str(option) for option in self.options]
            extra = sorted(set(self.distribution) - set(known))
            report["distribution"] = {key: self.distribution[key] for key in [*known, *extra]}
        else:
            report["distribution"] = None
        report["agreement_interval"] = self.bootstrap(rounds=rounds, seed=seed)
        report["disputed"] = [
            {"record_id": record_id, "disagreement": _round(score)}
            for score, record_id in sorted(self.disputed, reverse=True)
        ]
        return report


class Dashboard:
    """The whole dashboard of one dataset, fed record by record."""

    def __init__(
        self,
        questions: Iterable[Any],
        *,
        min_submitted: int,
        leaderboard: Plan | None = None,
        now: datetime,
    ) -> None:
        self.parsed = _Parsed()
        self.questions = [
            _QuestionDashboard(q.name, q.type, [o["value"] for o in q.settings.get("options", [])], self.parsed)
            for q in questions
        ]
        self.written = [q.name for q in self.questions if q.kind.writes_text]
        self.min_submitted = max(1, min_submitted)
        self.board = Leaderboard(leaderboard) if leaderboard is not None else None
        # The leaderboard's questions, and the submitted responses grouped by their
        # answers to them and the record's models (each distinct group added once).
        read = (
            {
                name
                for name, *_ in (*leaderboard.rankings, *leaderboard.votes, *leaderboard.ratings, *leaderboard.labels)
            }
            if leaderboard
            else set()
        )
        self.board_questions = [q.name for q in self.questions if q.name in read]
        self.board_indices = [i for i, q in enumerate(self.questions) if q.name in read]
        self.board_responses: defaultdict[tuple[tuple[str, str | None], ...], Counter[tuple[str | None, ...]]] = (
            defaultdict(Counter)
        )
        self.now = now
        self.labelers: dict[str, _Labeler] = defaultdict(_Labeler)
        self.submitted_per_day: Counter[date] = Counter()
        self.completed_per_day: Counter[date] = Counter()

    def add_labeler(
        self,
        user_id: str,
        counts: Mapping[str, int],
        *,
        time_spent: float,
        seconds: Iterable[float],
        per_day: Mapping[date, int],
        written: int,
        pasted: int,
    ) -> None:
        """One labeler's responses: how many of each status, the seconds spent on all of
        them and on each submitted one, submissions per day, and their submitted written
        answers (to text questions) and how many of those were pasted."""
        labeler = self.labelers[user_id]
        labeler.counts.update(counts)
        labeler.time_spent += time_spent
        labeler.seconds.extend(seconds)
        labeler.per_day.update(per_day)
        self.submitted_per_day.update(per_day)
        labeler.written += written
        labeler.pasted += pasted

    def add_record(
        self,
        record_id: str,
        record_status: str,
        users: Sequence[str],
        answers: Sequence[Sequence[str]],
        completed_on: date | None,
        models: Mapping[str, str | None] | None = None,
    ) -> None:
        """One record's submitted responses: their labelers, for each question (in the
        dashboard's order) their answers as JSON text aligned with `users` ("": not
        answered), the day the record was completed (its `min_submitted`-th submission,
        UTC) if it was; `models`: field -> the JSON text of its model in the record's
        metadata (the leaderboard's)."""
        if record_status == "completed" and completed_on is not None:
            self.completed_per_day[completed_on] += 1
        if not users:
            return
        # In labeler order (one sort of the responses), so that records answered alike by
        # the same labelers have the same pattern: (labelers, answers) per question.
        labelers, *columns = zip(*sorted(zip(users, *answers, strict=True)), strict=True)
        if self.board is not None and models is not None:
            # The responses for the leaderboard, grouped by their answers and the models.
            picked = [columns[i] for i in self.board_indices]
            responses = zip(*picked, strict=True) if picked else [()] * len(labelers)
            self.board_responses[tuple(models.items())].update(responses)
        unanswered = ("",) * len(labelers)
        for question, texts in zip(self.questions, columns, strict=True):
            if texts != unanswered:
                question.add_record(record_id, (labelers, texts))

    def _fold(self) -> None:
        for question in self.questions:
            question.fold()
        if self.board is not None:
            for models, answers, count in (
                (models, answers, count)
                for models, counter in self.board_responses.items()
                for answers, count in counter.items()
            ):
                values = {
                    name: {"value": self.parsed[text]}
                    for name, text in zip(self.board_questions, answers, strict=True)
                    if text
                }
                self.board.add_response(values, {name: self.parsed[text] for name, text in models}, count)
            self.board_responses.clear()

    # The report ----------------------------------------------------------------------

    def _progress(self, records: Mapping[str, int]) -> dict[str, Any]:
        days = sorted(set(self.submitted_per_day) | set(self.completed_per_day))
        active = sorted(self.completed_per_day)[-PACE_DAYS:]
        pace = sum(self.completed_per_day[day] for day in active) / len(active) if active else None
        remaining = records["total"] - records["completed"]
        eta_days = remaining / pace if pace else None
        return {
            "per_day": [
                {
                    "day": day.isoformat(),
                    "submitted": self.submitted_per_day[day],
                    "completed": self.completed_per_day[day],
                }
                for day in days
            ],
            "pace_per_day": _round(pace),
            "pace_days": len(active),
            "remaining": remaining,
            "eta_days": _round(eta_days),
            "eta_date": (
                (self.now + timedelta(days=eta_days)).date().isoformat()
                if eta_days is not None and not math.isinf(eta_days)
                else None
            ),
        }

    def _labeler(self, user_id: str, username: str, gold: Mapping[str, float]) -> dict[str, Any]:
        stats = self.labelers[user_id]
        seconds = stats.seconds
        submitted = stats.counts["submitted"]
        edges = [*SECONDS_BINS, None]
        counts = np.histogram(np.frombuffer(seconds) if seconds else [], bins=[*SECONDS_BINS, math.inf])[0]
        row: dict[str, Any] = {
            "user_id": user_id,
            "username": username,
            **{status: stats.counts[status] for status in STATUSES},
            "time_spent_seconds": round(stats.time_spent, 3),
            "seconds_per_submission": round(stats.time_spent / submitted, 3)
            if stats.time_spent and submitted
            else None,
            "seconds_per_record": {
                "median": _round(median(seconds)) if seconds else None,
                "histogram": [
                    {"low": low, "high": high, "count": int(n)}
                    for low, high, n in zip(edges[:-1], edges[1:], counts, strict=True)
                ],
            },
            "submitted_per_day": [{"day": day.isoformat(), "count": n} for day, n in sorted(stats.per_day.items())],
            "written_answers": stats.written,
            "paste_rate": _round(stats.pasted / stats.written) if stats.written else None,
            "agreement": [
                {
                    "question": question.name,
                    "level": question.measure.level,
                    "records": question.compared[user_id],
                    "alpha": (question.metrics.report()["agreement"] or {}).get("value"),
                    "alpha_without": _round(question.alpha_without(user_id)),
                }
                for question in self.questions
                if question.measure is not None and question.compared[user_id]
            ],
        }
        # The gold checks' accuracy, where they give one: absent means not measured.
        if user_id in gold:
            row["gold_accuracy"] = gold[user_id]
        return row

    def report(
        self,
        *,
        records: Mapping[str, int],
        usernames: Mapping[str, str],
        gold_accuracy: Mapping[str, float] | None = None,
        leaderboard_models: Mapping[str, str] | None = None,
        rounds: int = BOOTSTRAP_ROUNDS,
        seed: int = BOOTSTRAP_SEED,
    ) -> dict[str, Any]:
        """The payload: `records` (total and completed), `usernames` by user id, and
        per-labeler gold accuracy where the gold checks measured it."""
        self._fold()
        gold = gold_accuracy or {}
        labelers = sorted(self.labelers, key=lambda user_id: usernames.get(user_id, user_id))
        annotators = [self._labeler(user_id, usernames.get(user_id, user_id), gold) for user_id in labelers]
        return {
            "records": {**records, "pending": records["total"] - records["completed"]},
            "responses": {status: sum(row[status] for row in annotators) for status in STATUSES},
            "progress": self._progress(records),
            "questions": [question.report(rounds=rounds, seed=seed) for question in self.questions],
            "annotators": annotators,
            "leaderboard": (
                {"leaderboard_models": dict(leaderboard_models or {}), **self.board.report(rounds=rounds, seed=seed)}
                if self.board is not None
                else None
            ),
        }


# Streaming a dataset in ----------------------------------------------------------

ProgressCallback = Callable[[int, int], None]  # (responses read, responses in the dataset)
METRICS_CHUNK = 2000
SEPARATOR = "\x1f"  # the unit separator: JSON text escapes control characters


def gold_accuracy_by_labeler(report: GoldReport) -> dict[str, float]:
    """Each labeler's accuracy on the dataset's gold records, by user id, where the gold
    checks graded at least one of their answers (absent means not measured)."""
    return {str(labeler.user_id): labeler.accuracy for labeler in report.labelers if labeler.accuracy is not None}


# The aggregates below are PostgreSQL's; the quick try (`make demo`) runs on SQLite,
# where each has an equivalent: the same rows come out on both.


def _postgresql() -> bool:
    return connection.vendor == "postgresql"


class _GroupConcat(Aggregate):
    """SQLite's `group_concat(text, separator)`: PostgreSQL's `string_agg`."""

    function = "GROUP_CONCAT"
    output_field = TextField()


def _joined(expression: Any, **extra: Any) -> Aggregate:
    """A group's texts joined by SEPARATOR, in the group's row order (NULLs skipped)."""
    if _postgresql():
        return StringAgg(expression, SEPARATOR, **extra)
    return _GroupConcat(expression, Value(SEPARATOR), **extra)


def _json_text(column: str, *keys: str) -> Func:
    """The JSON value at `column`'s `keys` as JSON text (NULL: absent)."""
    if _postgresql():
        value: Any = column
        for key in keys:
            value = KeyTransform(key, value)
        return Cast(value, TextField())
    # SQLite's `->` gives JSON text (json_extract would give a string unquoted).
    path = Value("$" + "".join("." + json.dumps(key) for key in keys))
    return Func(F(column), path, template="(%(expressions)s)", arg_joiner=" -> ", output_field=TextField())


def _answer(question: str) -> Func:
    """A record's response's answer to `question` as JSON text (NULL: not answered)."""
    return _json_text("responses__values", question, "value")


def _utc(moment: str, layout: str) -> Func:
    """A time as UTC text in a fixed-width `to_char` layout (so that it sorts as text);
    NULL stays NULL (and string_agg skips it). SQLite stores UTC times as ISO text
    already: its first 10 characters are the day."""
    if not _postgresql():
        length = 10 if layout == "YYYY-MM-DD" else 26
        return Func(moment, Value(1), Value(length), function="substr", output_field=TextField())
    template = f"to_char(%(expressions)s AT TIME ZONE 'UTC', '{layout}')"
    return Func(moment, function="to_char", template=template, output_field=TextField())


class _Pasted(Func):
    """Whether the response's `context["pasted"]` lists `name` (PostgreSQL: `@>`)."""

    output_field = BooleanField()

    def __init__(self, name: str) -> None:
        super().__init__(F("context"))
        self.name = name

    def as_sql(self, compiler: Any, connection: Any, **extra: Any) -> tuple[str, tuple[Any, ...]]:
        context, params = compiler.compile(self.source_expressions[0])
        if connection.vendor == "postgresql":
            return f"(({context}) -> 'pasted') @> %s::jsonb", (*params, json.dumps([self.name]))
        # `context` is the compiled column; the name goes in as a parameter.
        return f"EXISTS (SELECT 1 FROM json_each({context}, '$.pasted') WHERE json_each.value = %s)", (  # noqa: S608
            *params,
            self.name,
        )


def _read_labelers(dashboard: Dashboard, responses: Any) -> dict[str, str]:
    """Each labeler's counts, time, submissions per day and paste rate, aggregated by
    PostgreSQL (one query, a row per labeler); their usernames."""
    submitted = Q(status=ResponseStatus.SUBMITTED)
    written = {
        f"written_{i}": Count("id", filter=submitted & Q(values__has_key=name))
        for i, name in enumerate(dashboard.written)
    }
    pasted = {
        f"pasted_{i}": Count("id", filter=submitted & Q(values__has_key=name) & Q(_Pasted(name)))
        for i, name in enumerate(dashboard.written)
    }
    rows = (
        responses.values("user_id", "user__username")
        .annotate(
            **{f"status_{status}": Count("id", filter=Q(status=status)) for status in ResponseStatus.values},
            time_spent=Sum("time_spent_seconds"),
            seconds=_joined(Cast("time_spent_seconds", TextField()), filter=submitted),
            days=_joined(_utc("submitted_at", "YYYY-MM-DD"), filter=submitted),
            **written,
            **pasted,
        )
        .order_by()
    )
    usernames = {}
    for row in rows:
        user_id = str(row["user_id"])
        usernames[user_id] = row["user__username"]
        dashboard.add_labeler(
            user_id,
            {status: row[f"status_{status}"] for status in ResponseStatus.values if row[f"status_{status}"]},
            time_spent=row["time_spent"] or 0.0,
            seconds=[float(value) for value in (row["seconds"] or "").split(SEPARATOR) if value],
            per_day={
                date.fromisoformat(day): n for day, n in Counter((row["days"] or "").split(SEPARATOR)).items() if day
            },
            written=sum(row[key] for key in written),
            pasted=sum(row[key] for key in pasted),
        )
    return usernames


def dashboard_compute(dataset: Dataset, *, on_progress: ProgressCallback | None = None) -> dict[str, Any]:
    """The quality dashboard of a dataset, for its managers (`feedback.dashboard`):
    progress per day and the ETA, agreement per question with a bootstrap interval,
    answer distributions and the most disputed records, per-labeler counts, time,
    paste rate and alpha without them, and the leaderboard where the dataset names its
    models. PostgreSQL does the per-response work: per-labeler aggregates, and one row
    per record with its submitted answers to each question as JSON text (streamed
    `METRICS_CHUNK` records at a time, so memory stays flat); Python groups the records
    (and the leaderboard's responses) by answer pattern. Five queries and the gold
    report's (one more with `on_progress`, which counts the submitted responses first).
    `on_progress` is called every chunk with (submitted responses read, submitted
    responses in the dataset)."""
    slots = dict(dataset.leaderboard_models or {})
    questions = list(dataset.questions.all())
    dashboard = Dashboard(
        questions,
        min_submitted=dataset.min_submitted,
        leaderboard=plan_for(questions, list(slots)) if slots else None,
        now=timezone.now(),
    )
    # Gold records are left out of everything but the gold report: every labeler answers
    # them, against a known answer, so they would weigh agreement and progress towards
    # the easy, checked cases.
    responses = Response.objects.filter(record__dataset=dataset, record__gold__isnull=True)
    submitted = responses.filter(status=ResponseStatus.SUBMITTED)
    usernames = _read_labelers(dashboard, responses)
    total = submitted.count() if on_progress is not None else 0
    # One row per record with submitted responses (grouped by the record's id), each of
    # its responses' fields joined by SEPARATOR in one text, in the same response order:
    # labelers, answers to each question as JSON text ("": none), submission times in
    # UTC (fixed width, so that they sort as text). Splitting a text is cheaper than
    # parsing an array, and JSON text never holds the separator (a control character).
    text = TextField()
    per_question = {
        f"answers_{i}": _joined(Coalesce(_answer(question.name), Value(""))) for i, question in enumerate(questions)
    }
    models = {f"model_{i}": _json_text("metadata", key) for i, key in enumerate(slots.values())}
    rows = (
        dataset.records.filter(gold__isnull=True, responses__status=ResponseStatus.SUBMITTED)
        .annotate(
            key=Cast("id", text),
            users=_joined(Cast("responses__user_id", text)),
            times=_joined(_utc("responses__submitted_at", 'YYYY-MM-DD"T"HH24:MI:SS.US')),
            **per_question,
            **models,
        )
        .order_by()
        .values_list("key", "status", "users", "times", *per_question, *models)
    )
    done, answers_end = 0, 4 + len(per_question)
    # In a transaction the server-side cursor streams; in autocommit Django declares it
    # WITH HOLD, which PostgreSQL materialises whole before the first row.
    # User ids cast to text read as str(UUID) on PostgreSQL but as 32 bare hex digits on
    # SQLite; everything else here (labeler rows, gold) uses str(UUID).
    canonical_ids = not _postgresql()
    # (On the connection the rows come from: the replica's, when reading from it.)
    with nullcontext() if connections[rows.db].in_atomic_block else transaction.atomic(using=rows.db):
        for row in rows.iterator(chunk_size=METRICS_CHUNK):
            record_id, record_status, users, times = row[:4]
            users = users.split(SEPARATOR)
            if canonical_ids:
                users = [str(uuid.UUID(user)) for user in users]
            completed_on = None
            if record_status == RecordStatus.COMPLETED and times:
                times = sorted(times.split(SEPARATOR))
                completed_on = date.fromisoformat(times[min(dashboard.min_submitted, len(times)) - 1][:10])
            dashboard.add_record(
                record_id,
                record_status,
                users,
                [answers.split(SEPARATOR) for answers in row[4:answers_end]],
                completed_on,
                dict(zip(slots, row[answers_end:], strict=True)) if slots else None,
            )
            if on_progress is not None and (done + len(users)) // METRICS_CHUNK > done // METRICS_CHUNK:
                on_progress(done + len(users), total)
            done += len(users)
    records = dataset.records.filter(gold__isnull=True).aggregate(
        total=Count("id"), completed=Count("id", filter=Q(status=RecordStatus.COMPLETED))
    )
    gold = gold_report(dataset, questions=questions)
    report = dashboard.report(
        records=records,
        usernames=usernames,
        gold_accuracy=gold_accuracy_by_labeler(gold),
        leaderboard_models=slots,
    )
    return {**report, "gold": gold.as_dict()}
