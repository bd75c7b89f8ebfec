"""`ranking`: every option ranked, best first; equal ranks are a tie (unless `allow_ties` is false)."""

from __future__ import annotations

import random
from collections import Counter, defaultdict
from collections.abc import Sequence
from typing import Any, ClassVar

from django.utils.text import get_text_list

from feedback.agreement import INTERVAL, KENDALL_TAU, RECORD, RECORD_OPTION, Measure, kendall_tau_distance
from feedback.errors import InvalidData, Problem
from feedback.questions.base import (
    CHOOSE,
    OPTION_ROWS,
    RANK,
    RANKING_OPTIONS,
    FormData,
    QuestionKind,
    QuestionLike,
    _bool_setting,
    _clean_text_options,
    _count,
    _is_int,
    _option_titles,
    _ordered,
    _short,
)
from feedback.unification import RANKING_STRATEGIES, mean_pairwise_distance, unify_ranking

# A ranking of two options is one choice: which is better, or a tie.
PAIR = 2
# At most this many compared responses stand side by side on the record page.
MAX_COMPARED = 4


def _as_ranks(answer: Sequence[dict[str, Any]]) -> dict[Any, float]:
    return {item["value"]: float(item["rank"]) for item in answer}


class RankingTally:
    """The best option of each record by mean rank (a tie when several share it), and
    each option's mean rank over the records."""

    def __init__(self, options: Sequence[Any]) -> None:
        self.options, self.first = list(options), Counter()
        self.rank_sums: defaultdict[Any, float] = defaultdict(float)
        self.rank_counts: Counter = Counter()

    def add(self, answers: list[Any], *, responses: int, count: int = 1) -> None:
        rankings = [_as_ranks(answer) for answer in answers]
        unified = unify_ranking([{o: r for o, r in ranking.items() if o in self.options} for ranking in rankings])
        for option, mean in unified.mean_ranks.items():
            self.rank_sums[option] += count * mean
            self.rank_counts[option] += count
        _count(self.first, unified.first, count)

    def report(self) -> dict[str, Any]:
        mean_rank = {
            str(option): round(self.rank_sums[option] / self.rank_counts[option], 4)
            for option in self.options
            if self.rank_counts[option]
        }
        return {"strategy": "mean_rank", "first": _ordered(self.first), "mean_rank": mean_rank}


class RankingKind(QuestionKind):
    type = "ranking"
    settings_inputs = (OPTION_ROWS,)
    # Interval alpha over the rank each (record, option) got; and over each record, alpha
    # under the Kendall tau distance between whole rankings.
    agreements = (Measure(INTERVAL, RECORD_OPTION), Measure(KENDALL_TAU, RECORD))
    unification = RANKING_STRATEGIES
    number_keys = RANK
    ranks_options = True
    options_frozen_once_answered = True
    disputes = True
    # The order the options were shown in, per ranking (position bias is worth knowing).
    context_defaults: ClassVar[dict[str, Any]] = {"ranking_orders": {}}

    def clean_settings(self, raw, problems):  # type: ignore[no-untyped-def]
        options = _clean_text_options(raw.get("options"), RANKING_OPTIONS, problems)
        # Feedloop's own setting: Argilla's wire format always allows ties.
        return {"options": options, "allow_ties": _bool_setting(raw, "allow_ties", True, problems)}

    def clean_value(self, value, settings, *, partial, record_fields):  # type: ignore[no-untyped-def]
        allowed = self.option_values(settings)
        count = len(allowed)
        if not isinstance(value, list):
            raise InvalidData.at((), "must be a list of {value, rank} items, best first")
        problems: list[Problem] = []
        items: list[tuple[str, int | None]] = []
        for index, item in enumerate(value):
            if not isinstance(item, dict) or "value" not in item:
                problems.append(Problem((index,), "must be an object with 'value' and an optional 'rank'"))
                continue
            option, rank = item["value"], item.get("rank")
            if not isinstance(option, str) or option not in allowed:
                problems.append(Problem((index, "value"), f"{_short(option)} is not one of the options {allowed}"))
                continue
            if rank is not None and (not _is_int(rank) or not 1 <= rank <= count):
                problems.append(Problem((index, "rank"), f"rank must be an integer from 1 to {count}"))
                continue
            items.append((option, rank))
        if problems:
            raise InvalidData(problems)
        ranked = [rank is not None for _, rank in items]
        if any(ranked) and not all(ranked):
            raise InvalidData.at((), "give a rank to every option or to none (then list order is the rank)")
        if not any(ranked):
            # SDK 2.8 sends rankings without ranks: the list order is the ranking, best first.
            items = [(option, position + 1) for position, (option, _) in enumerate(items)]
        options_given = [option for option, _ in items]
        duplicates = sorted({option for option in options_given if options_given.count(option) > 1})
        if duplicates:
            raise InvalidData.at((), f"each option must be ranked once; repeated: {duplicates}")
        missing = [option for option in settings.get("options", []) if option["value"] not in options_given]
        if missing and not partial:
            # Said with the options' titles, as the labeler sees them (the API says it too).
            titles = get_text_list([option.get("text") or option["value"] for option in missing], "and")
            raise InvalidData.at((), f"Rank every response: {titles} {'is' if len(missing) == 1 else 'are'} missing.")
        ranks = [rank for _, rank in items]
        if not settings.get("allow_ties", True) and len(set(ranks)) != len(ranks):
            raise InvalidData.at((), "this question does not allow ties: give each option its own rank")
        # Stored best first, so that list order and rank agree for every reader.
        return [{"value": option, "rank": rank} for option, rank in sorted(items, key=lambda item: item[1])]

    def used_options(self, value: Any) -> set[Any]:
        return {item["value"] for item in value}

    # The form (docs/labeler-forms.md): per option a row of rank buttons, radio inputs
    # `<question>.<option>` holding its rank (1 = best). A ranking of two options is one
    # choice instead, `<question>` = the two options' ranks in the options' order, joined
    # by a comma: "1,2" (the first is better), "2,1", or "1,1" (a tie).

    def read_form(self, question: QuestionLike, post: FormData) -> tuple[Any, list[str]]:
        options = question.settings.get("options", [])
        ranked, problems = [], []
        for option in options:
            raw = post.get(f"{question.name}.{option['value']}", "").strip()
            if not raw:
                continue
            try:
                ranked.append({"value": option["value"], "rank": int(raw)})
            except ValueError:
                problems.append(f"the rank of {option['text']!r} must be a number")
        pair = post.get(question.name, "").strip()
        if pair and not ranked and not problems:
            try:
                ranks = [int(rank) for rank in pair.split(",")]
            except ValueError:
                ranks = []
            if len(options) != PAIR or len(ranks) != PAIR:
                return None, ["Choose which response is better."]
            ranked = [{"value": option["value"], "rank": rank} for option, rank in zip(options, ranks, strict=True)]
        return ranked or None, problems

    def shown_options(self, question: QuestionLike, *, record: Any, user: Any, shuffle: bool) -> list[dict[str, Any]]:
        """Shuffled against position bias, the same way every time for one labeler and record."""
        options = list(question.settings.get("options", []))
        if shuffle:
            random.Random(f"{user.pk}:{record.pk}:{question.name}").shuffle(options)  # noqa: S311 - not security
        return options

    def form_view(self, question, value, *, record, post, shown):  # type: ignore[no-untyped-def]
        if post is not None:
            value, _ = self.read_form(question, post)  # what was just posted, as far as it reads
        ranks: dict[Any, Any] = {}
        if isinstance(value, list):
            ranks = {item["value"]: item.get("rank") or position for position, item in enumerate(value, 1)}
        if len(shown) == PAIR:
            # Its choices are picked like a label's: the digit keys choose the n-th.
            return {"pair": self._pair_choices(question, shown, ranks), "number_keys": CHOOSE}
        rows = []
        for option in shown:
            rank = ranks.get(option["value"])
            choices = [{"rank": n, "checked": rank == n} for n in range(1, len(shown) + 1)]
            rows.append({"option": option, "name": f"{question.name}.{option['value']}", "choices": choices})
        return {"rank_rows": rows}

    def _pair_choices(
        self, question: QuestionLike, shown: list[dict[str, Any]], ranks: dict[Any, Any]
    ) -> list[dict[str, Any]]:
        """ "First is better", "Tie" (where ties are allowed), "Second is better", in the order
        shown; each posts the two ranks in the options' order, and the given answer's is checked."""
        first, second = (option["value"] for option in shown)
        titles = _option_titles(question)
        outcomes = [(f"{titles[first]} is better", {first: 1, second: 2})]
        if question.settings.get("allow_ties", True):
            outcomes.append(("Tie", {first: 1, second: 1}))
        outcomes.append((f"{titles[second]} is better", {first: 2, second: 1}))

        def order(given: dict[Any, Any]) -> int | None:
            # -1: the first is better, 0: a tie, 1: the second is better.
            if not isinstance(given.get(first), int) or not isinstance(given.get(second), int):
                return None
            return (given[first] > given[second]) - (given[first] < given[second])

        given = order(ranks)
        return [
            {
                "text": text,
                "value": ",".join(str(outcome[option]) for option in self.option_values(question.settings)),
                "checked": given is not None and given == order(outcome),
                "key": key,
            }
            for key, (text, outcome) in enumerate(outcomes, 1)
        ]

    def compared_fields(self, question, shown, field_names):  # type: ignore[no-untyped-def]
        """The responses a ranking compares are the record's fields its options name (the
        option's value is the field's name; its text the column's title), when every
        option names one and there are two to MAX_COMPARED of them."""
        if not PAIR <= len(shown) <= MAX_COMPARED or any(option["value"] not in field_names for option in shown):
            return []
        return [{"field": option["value"], "title": option.get("text") or option["value"]} for option in shown]

    def display(self, question: QuestionLike, value: Any) -> str:
        # Best first, by the options' titles; options sharing a rank are joined by "=":
        # "B > A = C".
        titles = _option_titles(question)
        tiers: dict[Any, list[str]] = defaultdict(list)
        for item in value:
            tiers[item["rank"]].append(str(titles.get(item["value"], item["value"])))
        return " > ".join(" = ".join(tiers[rank]) for rank in sorted(tiers))

    def note_answer(self, question, post, *, shown, context):  # type: ignore[no-untyped-def]
        context["ranking_orders"][question.name] = [option["value"] for option in shown]

    def value_from_cell(self, text: str) -> Any:
        return self._json_cell(text)

    def gold_match(self, answer: Any, expected: Any) -> bool | None:
        # The same order: every option at the expected rank (ties included).
        return _as_ranks(answer) == _as_ranks(expected)

    def agreement_units(self, answers, options, unit):  # type: ignore[no-untyped-def]
        rankings = [_as_ranks(answer) for answer in answers]
        if unit == RECORD:
            # A ranking is a value only when it ranks every option (submitted ones do):
            # its ranks in the options' order.
            return [
                [tuple(ranking[option] for option in options) for ranking in rankings if set(options) <= ranking.keys()]
            ]
        return [[ranking[option] for ranking in rankings if option in ranking] for option in options]

    def tally(self, options):  # type: ignore[no-untyped-def]
        return RankingTally(options)

    def disagreement(self, answers, settings):  # type: ignore[no-untyped-def]
        # The mean Kendall tau distance over every pair of whole rankings (the share of
        # option pairs they order oppositely), as agreement compares them.
        options = self.option_values(settings)
        (whole,) = self.agreement_units(list(answers), options, RECORD)
        return mean_pairwise_distance(whole, kendall_tau_distance)

    def unified_answer(self, answers, settings):  # type: ignore[no-untyped-def]
        # The options by mean rank, each its own rank (equal means: in option order).
        means = unify_ranking([_as_ranks(answer) for answer in answers]).mean_ranks
        order = {value: index for index, value in enumerate(self.option_values(settings))}
        ranked = sorted((o for o in means if o in order), key=lambda option: (means[option], order[option]))
        return [{"value": option, "rank": rank} for rank, option in enumerate(ranked, 1)] or None
