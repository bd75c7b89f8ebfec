"""The model leaderboard: which model's responses labelers prefer, and how they rate them.

A dataset names, per response field, the record metadata key that says which model
wrote that field's text in each record (`Dataset.leaderboard_models`, e.g.
`{"response-1": "model:response-1"}`): the model behind a slot may change per record.
Every submitted response is then read as evidence about models:

* a ranking question (`ranks_options`) whose options name response fields: each pair
  of those fields the labeler ranked apart is one comparison, won by the model of the
  better ranked field; equal ranks are a tie;
* a pairwise vote (`chooses_one`) whose options name exactly two response fields: the
  chosen field's model wins; any other answer ("tie", "both bad") is a tie;
* a rating question (`rates`) about one response field: one rating of that field's model;
* a label question (`chooses_labels`, not a vote) about one response field, such as
  failure labels: whether the labeler chose each label for that field's model.

A rating or label question is about a response field when the dataset names only one
(an evaluation dataset: prompt, response, model), or when its name ends with the
field's name after `-`, `_` or `.` (`quality-response-1`, `failures_response-2`).

Ties and comparisons of a model with itself (one model in two slots) are counted but
decide nothing. From the decided comparisons: win counts per pair of models, each
model's win rate, and Bradley-Terry scores: log-strengths s, normalised to mean zero,
such that P(a beats b) = 1 / (1 + exp(s_b - s_a)), fitted by `choix` (I-LSR, a maximum
likelihood estimate with a small regularisation `alpha` so that a model that never
won or never lost still gets a finite score). The 95 % intervals are bootstrap
percentiles: the comparisons resampled with replacement `rounds` times (seeded, so the
same data gives the same intervals). Ratings give each model's mean with a 95 %
t-interval over the individual ratings; labels give the share of the model's judged
responses that chose each label (a response that left an optional label question
unanswered chose none).

Everything is accumulated one response at a time in memory bounded by the number of
models, never by the dataset. Pure rules: no database access.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from itertools import combinations
from typing import Any

import choix
import numpy as np
from scipy import stats

from feedback.questions import kind_of
from feedback.questions.base import QuestionLike

CONFIDENCE = 0.95
BOOTSTRAP_ROUNDS = 200
BOOTSTRAP_SEED = 0
# I-LSR's regularisation: a small prior so that an unbeaten (or never winning) model
# keeps a finite score; small enough not to pull well-measured scores.
ALPHA = 0.01

Comparison = tuple[str, str]  # (winner, loser)


# Which questions say what about which response fields ---------------------------------


@dataclass(frozen=True)
class Plan:
    """The questions the leaderboard reads, and the response fields each concerns."""

    fields: tuple[str, ...]
    rankings: tuple[tuple[str, tuple[str, ...]], ...] = ()  # (question, ranked fields)
    votes: tuple[tuple[str, tuple[str, str]], ...] = ()  # (question, the two compared fields)
    ratings: tuple[tuple[str, str], ...] = ()  # (question, field)
    labels: tuple[tuple[str, str, tuple[str, ...]], ...] = ()  # (question, field, label options)


def _field_of(question_name: str, fields: Sequence[str]) -> str | None:
    if len(fields) == 1:
        return fields[0]
    matches = [f for f in fields if any(question_name.endswith(sep + f) for sep in "-_.")]
    return max(matches, key=len) if matches else None


def plan_for(questions: Iterable[QuestionLike], fields: Sequence[str]) -> Plan:
    """What each of the dataset's questions tells about the models behind `fields`
    (the response fields the dataset names a model for), asked of the registry."""
    fields = tuple(fields)
    rankings, votes, ratings, labels = [], [], [], []
    for question in questions:
        kind = kind_of(question.type)
        options = [str(value) for value in kind.option_values(question.settings)]
        named = tuple(option for option in options if option in fields)
        if kind.ranks_options and len(named) >= 2:
            rankings.append((question.name, named))
        elif kind.chooses_one and len(named) == 2:
            votes.append((question.name, (named[0], named[1])))
        elif (about := _field_of(question.name, fields)) is None:
            continue
        elif kind.rates:
            ratings.append((question.name, about))
        elif kind.chooses_labels and not named:
            labels.append((question.name, about, tuple(options)))
    return Plan(fields, tuple(rankings), tuple(votes), tuple(ratings), tuple(labels))


# Accumulating responses ---------------------------------------------------------------


@dataclass
class _Moments:
    """Count, mean and sum of squared deviations (Welford), for a mean and its interval."""

    n: int = 0
    mean: float = 0.0
    m2: float = 0.0

    def add(self, x: float, count: int = 1) -> None:
        """`count` observations of x (Chan et al.'s merge of a group with no spread)."""
        self.n += count
        delta = x - self.mean
        self.mean += delta * count / self.n
        self.m2 += delta * (x - self.mean) * count

    def interval(self) -> tuple[float | None, float | None]:
        if self.n < 2:
            return None, None
        half = stats.t.ppf((1 + CONFIDENCE) / 2, self.n - 1) * math.sqrt(self.m2 / (self.n - 1) / self.n)
        return self.mean - half, self.mean + half


@dataclass
class Leaderboard:
    """Comparisons, ratings and labels per model, fed one submitted response at a time."""

    plan: Plan
    wins: Counter[Comparison] = field(default_factory=Counter)
    ties: Counter[tuple[str, str]] = field(default_factory=Counter)  # sorted pairs
    same_model: int = 0
    ratings: dict[tuple[str, str], _Moments] = field(default_factory=dict)
    label_counts: dict[tuple[str, str], Counter[str]] = field(default_factory=dict)
    judged: Counter[tuple[str, str]] = field(default_factory=Counter)  # (question, model) -> responses
    models: set[str] = field(default_factory=set)

    def add_response(self, values: Mapping[str, Any], models: Mapping[str, Any], count: int = 1) -> None:
        """One submitted response (`values` as stored) to a record whose response fields
        were written by `models` (field -> model name; a missing name leaves the field out);
        or `count` responses with the same answers and models, added once."""
        model_of = {f: m.strip() for f, m in models.items() if isinstance(m, str) and m.strip()}
        self.models.update(model_of.values())
        for question, ranked in self.plan.rankings:
            answer = (values.get(question) or {}).get("value")
            if isinstance(answer, list):
                ranks = {str(item["value"]): item["rank"] for item in answer if isinstance(item, dict)}
                present = [f for f in ranked if f in ranks and f in model_of]
                for a, b in combinations(present, 2):
                    better = a if ranks[a] < ranks[b] else b if ranks[b] < ranks[a] else None
                    self._compare(model_of[a], model_of[b], None if better is None else model_of[better], count)
        for question, (a, b) in self.plan.votes:
            if question in values and a in model_of and b in model_of:
                chosen = values[question].get("value")
                winner = model_of[chosen] if chosen in (a, b) else None
                self._compare(model_of[a], model_of[b], winner, count)
        for question, about in self.plan.ratings:
            answer = (values.get(question) or {}).get("value")
            if about in model_of and isinstance(answer, (int, float)) and not isinstance(answer, bool):
                self.ratings.setdefault((question, model_of[about]), _Moments()).add(float(answer), count)
        for question, about, _ in self.plan.labels:
            if about not in model_of:
                continue
            key = (question, model_of[about])
            self.judged[key] += count
            answer = (values.get(question) or {}).get("value")
            if answer is not None:
                self.label_counts.setdefault(key, Counter()).update(dict.fromkeys(_labels_of(answer), count))

    def _compare(self, a: str, b: str, winner: str | None, count: int = 1) -> None:
        if a == b:
            self.same_model += count
        elif winner is None:
            self.ties[(min(a, b), max(a, b))] += count
        else:
            self.wins[(winner, b if winner == a else a)] += count

    def report(self, *, rounds: int = BOOTSTRAP_ROUNDS, seed: int = BOOTSTRAP_SEED) -> dict[str, Any]:
        """The leaderboard: models best first, pairs, ratings and label rates."""
        models = sorted(self.models)
        scores = bradley_terry(self.wins, models, rounds=rounds, seed=seed)
        won, lost, tied = Counter(), Counter(), Counter()
        for (winner, loser), n in self.wins.items():
            won[winner] += n
            lost[loser] += n
        for (a, b), n in self.ties.items():
            tied[a] += n
            tied[b] += n
        rows = []
        for model in models:
            score, low, high = scores.get(model, (None, None, None))
            decided = won[model] + lost[model]
            rows.append(
                {
                    "model": model,
                    "score": _round(score),
                    "score_low": _round(low),
                    "score_high": _round(high),
                    "wins": won[model],
                    "losses": lost[model],
                    "ties": tied[model],
                    "win_rate": _round(won[model] / decided if decided else None),
                }
            )
        rows.sort(key=lambda row: (row["score"] is None, -(row["score"] or 0.0), -(row["win_rate"] or 0.0)))
        for rank, row in enumerate(rows, 1):
            row["rank"] = rank if row["score"] is not None else None
        return {
            "comparisons": sum(self.wins.values()),
            "ties": sum(self.ties.values()),
            "same_model": self.same_model,
            "models": rows,
            "pairs": self._pairs(),
            "ratings": self._ratings(),
            "labels": self._labels(),
            "method": {
                "score": "bradley_terry",
                "fit": "choix.ilsr_pairwise_dense",
                "alpha": ALPHA,
                "confidence": CONFIDENCE,
                "bootstrap_rounds": rounds,
                "seed": seed,
                "rankings": [question for question, _ in self.plan.rankings],
                "votes": [question for question, _ in self.plan.votes],
            },
        }

    def _pairs(self) -> list[dict[str, Any]]:
        pairs = {(min(a, b), max(a, b)) for a, b in self.wins} | set(self.ties)
        rows = []
        for a, b in sorted(pairs):
            a_wins, b_wins = self.wins[(a, b)], self.wins[(b, a)]
            decided = a_wins + b_wins
            rows.append(
                {
                    "model_a": a,
                    "model_b": b,
                    "a_wins": a_wins,
                    "b_wins": b_wins,
                    "ties": self.ties[(a, b)],
                    "a_win_rate": _round(a_wins / decided if decided else None),
                }
            )
        return rows

    def _ratings(self) -> list[dict[str, Any]]:
        rows = []
        for question, about in self.plan.ratings:
            for (name, model), moments in sorted(self.ratings.items()):
                if name != question:
                    continue
                low, high = moments.interval()
                rows.append(
                    {
                        "question": question,
                        "field": about,
                        "model": model,
                        "n": moments.n,
                        "mean": _round(moments.mean),
                        "mean_low": _round(low),
                        "mean_high": _round(high),
                    }
                )
        return rows

    def _labels(self) -> list[dict[str, Any]]:
        rows = []
        for question, about, options in self.plan.labels:
            for (name, model), judged in sorted(self.judged.items()):
                if name != question:
                    continue
                counts = self.label_counts.get((name, model), Counter())
                rows.append(
                    {
                        "question": question,
                        "field": about,
                        "model": model,
                        "responses": judged,
                        "rates": {option: _round(counts[option] / judged) for option in options},
                    }
                )
        return rows


def _labels_of(answer: Any) -> set[str]:
    """The labels one answer chose: one label, or a list of them."""
    return {str(label) for label in answer} if isinstance(answer, list) else {str(answer)}


def _round(value: float | None) -> float | None:
    return None if value is None else round(float(value), 4)


# Bradley-Terry ------------------------------------------------------------------------


def bradley_terry(
    wins: Mapping[Comparison, int],
    models: Sequence[str],
    *,
    rounds: int = BOOTSTRAP_ROUNDS,
    seed: int = BOOTSTRAP_SEED,
    alpha: float = ALPHA,
) -> dict[str, tuple[float, float | None, float | None]]:
    """Each compared model's mean-zero log-strength and its bootstrap 95 % interval
    (None without `rounds`). Models that took part in no decided comparison get none."""
    compared = sorted({m for pair, n in wins.items() if n for m in pair} & set(models))
    if len(compared) < 2:
        return {}
    index = {model: i for i, model in enumerate(compared)}
    cells = [(index[w], index[lo], n) for (w, lo), n in wins.items() if n and w in index and lo in index]
    rows = np.array([c[0] for c in cells])
    cols = np.array([c[1] for c in cells])
    counts = np.array([c[2] for c in cells], dtype=float)

    def fit(cell_counts: np.ndarray) -> np.ndarray:
        matrix = np.zeros((len(compared), len(compared)))
        np.add.at(matrix, (rows, cols), cell_counts)
        return choix.ilsr_pairwise_dense(matrix, alpha=alpha)

    scores = fit(counts)
    low = high = [None] * len(compared)
    if rounds > 0:
        # Resampling the comparisons with replacement is a multinomial draw over the
        # (winner, loser) cells: the same bootstrap, in memory bounded by the models.
        rng = np.random.default_rng(seed)
        total = int(counts.sum())
        samples = np.array([fit(draw) for draw in rng.multinomial(total, counts / total, size=rounds)])
        tail = (1 - CONFIDENCE) / 2 * 100
        low, high = np.percentile(samples, [tail, 100 - tail], axis=0)
    return {model: (float(scores[i]), _float(low[i]), _float(high[i])) for model, i in index.items()}


def _float(value: Any) -> float | None:
    return None if value is None else float(value)


# CSV ----------------------------------------------------------------------------------


def csv_rows(report: Mapping[str, Any]) -> list[list[Any]]:
    """The leaderboard as one table, a row per model: the comparison columns, then the
    mean rating of each rating question and the rate of each label (`question.label`)."""
    ratings = sorted({row["question"] for row in report["ratings"]})
    label_columns = sorted({(row["question"], label) for row in report["labels"] for label in row["rates"]})
    header = ["rank", "model", "score", "score_low", "score_high", "wins", "losses", "ties", "win_rate"]
    for question in ratings:
        header += [f"{question}.mean", f"{question}.mean_low", f"{question}.mean_high", f"{question}.n"]
    header += [f"{question}.{label}" for question, label in label_columns]
    by_rating = {(row["question"], row["model"]): row for row in report["ratings"]}
    by_labels = {(row["question"], row["model"]): row["rates"] for row in report["labels"]}
    table = [header]
    for row in report["models"]:
        line = [row[key] for key in header[:9]]
        for question in ratings:
            rated = by_rating.get((question, row["model"]), {})
            line += [rated.get("mean"), rated.get("mean_low"), rated.get("mean_high"), rated.get("n", 0)]
        line += [by_labels.get((question, row["model"]), {}).get(label) for question, label in label_columns]
        table.append([_cell(value) for value in line])
    return table


def _cell(value: Any) -> Any:
    """A CSV cell; text a spreadsheet would run as a formula is quoted (model names come
    from record metadata, which integrators write)."""
    if value is None:
        return ""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value
