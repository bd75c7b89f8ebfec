"""What every question type provides (`QuestionKind`), and the helpers types share.

A type is one `QuestionKind` subclass in its own module of this package. The hooks it
provides, grouped by who calls them:

* settings and answers (API, forms, imports, suggestions, admin): `clean_settings`,
  `clean_value`, `is_blank`, `option_values`, `used_options`;
* the labeler form (`feedback.forms`, `feedback.views`): `template` (the partial that
  renders its input), `number_keys` (what the digit keys do in `record.js`),
  `read_form`, `shown_options`, `form_view`, `context_defaults` / `note_answer`, and
  `compared_fields` (the record's fields the record page shows side by side);
* file imports (`feedback.imports.mapping`): `value_from_cell`;
* metrics (`feedback.metrics`): `agreements` (the measures, from `feedback.agreement`),
  `agreement_units`, `tally`;
* unification (`feedback.unification` holds the strategies): `unification`, and
  `labels` for the types whose answers are sets of labels;
* review (`feedback.services.reviews`, the review page): `disagreement` (how far one
  record's answers disagree, in [0, 1], or None: the type is never disputed),
  `unified_answer` (one valid answer from several, to start the reviewer's form from)
  and `display` (an answer as one line);
* exports (`feedback.services.exports`, `feedback.exports.layouts`): the capabilities
  `writes_text`, `rates`, `ranks_options`, `chooses_labels`, `chooses_one`;
* dataset schema rules (`feedback.services.datasets`): `marks_field`,
  `options_frozen_once_answered`;
* gold checks (`feedback.gold`): `gold_match`, whether an answer matches a gold
  record's expected one (None: the type is not graded).

Every function here is pure (no database access) so that it can be property-tested.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Collection, Hashable, Iterable, Mapping, Sequence
from typing import Any, ClassVar, Protocol

from feedback.agreement import Measure
from feedback.cells import json_cell
from feedback.errors import Loc, Problem
from feedback.unification import Unified

RATING_MIN_VALUE, RATING_MAX_VALUE = 0, 10
RATING_OPTIONS = (2, 11)
LABEL_OPTIONS = (2, 500)
RANKING_OPTIONS = (2, 50)
SPAN_OPTIONS = (1, 500)
MIN_VISIBLE_OPTIONS = 3
OPTION_VALUE_MAX, OPTION_TEXT_MAX, OPTION_DESCRIPTION_MAX = 200, 500, 1000

# What the digit keys do on the labeler form (`static/feedloop/record.js`).
CHOOSE, RANK = "choose", "rank"
# The admin's typed inputs for settings (`QuestionKind.settings_inputs`).
OPTION_ROWS, SCALE, USE_MARKDOWN = "options", "scale", "use_markdown"
# The distribution key of records whose answers tie at the top (no unified answer).
TIE = "(tie)"


class QuestionLike(Protocol):
    """What validation needs of a question (the `Question` model has all of it)."""

    name: str
    type: str
    required: bool
    settings: dict[str, Any]


class FormData(Protocol):
    """What a type reads of a posted form (Django's `QueryDict` has it)."""

    def get(self, key: str, default: Any = None) -> Any: ...

    def getlist(self, key: str) -> list[Any]: ...


class Tally(Protocol):
    """A question's unified answers over a dataset, fed one record at a time."""

    def add(self, answers: list[Any], *, responses: int, count: int = 1) -> None:
        """One record's answers (or `count` records with the same answers)."""
        ...

    def report(self) -> dict[str, Any]: ...


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_number(value: Any) -> bool:
    return (_is_int(value) or isinstance(value, float)) and math.isfinite(value)


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _bool_setting(raw: Mapping[str, Any], key: str, default: bool, problems: list[Problem]) -> bool:
    value = raw.get(key, default)
    if value is None:
        return default
    if not isinstance(value, bool):
        problems.append(Problem((key,), "must be true or false"))
        return default
    return value


def _clean_text_options(raw: Any, bounds: tuple[int, int], problems: list[Problem]) -> list[dict[str, Any]]:
    """Options of label, multi-label, ranking and span questions: `{value, text, description?}`."""
    low, high = bounds
    if not isinstance(raw, list):
        problems.append(Problem(("options",), "must be a list of options"))
        return []
    if not low <= len(raw) <= high:
        problems.append(Problem(("options",), f"must have between {low} and {high} options, got {len(raw)}"))
    options: list[dict[str, Any]] = []
    seen: set[str] = set()
    for index, option in enumerate(raw):
        loc: Loc = ("options", index)
        if not isinstance(option, dict):
            problems.append(Problem(loc, "must be an object with 'value' and 'text'"))
            continue
        value, text = option.get("value"), option.get("text")
        description = option.get("description")
        if not isinstance(value, str) or not 1 <= len(value) <= OPTION_VALUE_MAX:
            problems.append(Problem((*loc, "value"), f"must be a string of 1 to {OPTION_VALUE_MAX} characters"))
            continue
        if text is None:
            text = value
        if not isinstance(text, str) or not 1 <= len(text) <= OPTION_TEXT_MAX:
            problems.append(Problem((*loc, "text"), f"must be a string of 1 to {OPTION_TEXT_MAX} characters"))
            continue
        if description is not None and (not isinstance(description, str) or len(description) > OPTION_DESCRIPTION_MAX):
            problems.append(
                Problem((*loc, "description"), f"must be a string of at most {OPTION_DESCRIPTION_MAX} characters")
            )
            continue
        if value in seen:
            problems.append(Problem((*loc, "value"), f"option {value!r} appears more than once"))
            continue
        seen.add(value)
        options.append({"value": value, "text": text, "description": description or None})
    return options


def _clean_visible_options(raw: Mapping[str, Any], option_count: int, problems: list[Problem]) -> int | None:
    visible = raw.get("visible_options")
    if visible is None:
        return None
    if not _is_int(visible) or visible < MIN_VISIBLE_OPTIONS:
        problems.append(Problem(("visible_options",), f"must be an integer of at least {MIN_VISIBLE_OPTIONS}"))
        return None
    if visible > option_count:
        problems.append(Problem(("visible_options",), f"must not exceed the number of options ({option_count})"))
    return visible


def clean_review_threshold(raw: Mapping[str, Any], disputes: bool, problems: list[Problem]) -> dict[str, Any]:
    """The optional `review_threshold` setting: a number in (0, 1], only where answers
    can disagree; absent, `feedback.unification.DEFAULT_REVIEW_THRESHOLD` applies."""
    value = raw.get("review_threshold")
    if value is None:
        return {}
    if not disputes:
        problems.append(Problem(("review_threshold",), "this question type has no disagreement to review"))
    elif not _is_number(value) or not 0 < value <= 1:
        problems.append(Problem(("review_threshold",), "must be a number above 0 and at most 1"))
    return {"review_threshold": value}


def _option_titles(question: QuestionLike) -> dict[Any, Any]:
    """Each option's title (its text, else its value), by value."""
    return {option["value"]: option.get("text") or option["value"] for option in question.settings.get("options", [])}


def _number_key(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else str(value)


def _ordered(counts: Counter) -> dict[str, int]:
    """Counts by answer, most frequent first; records without a majority under TIE."""
    return {(TIE if answer is None else str(answer)): n for answer, n in counts.most_common()}


def _count(counts: Counter, unified: Unified, times: int = 1) -> None:
    """Count a record's unified answer (`times` records'); a tie counts under None (reported as TIE)."""
    if unified.tie or unified.value is not None:
        counts[None if unified.tie else unified.value] += times


class QuestionKind:
    """Base of the per-type rules.

    A subclass overrides every method in `HOOKS` and sets every attribute in
    `DECISIONS` (None or empty where the type takes no part), so that a new type
    cannot silently miss a consumer; `tests/feedback/test_question_registry.py` checks
    it. The capabilities default to False.
    """

    # Methods every type overrides.
    HOOKS: ClassVar[tuple[str, ...]] = (
        "clean_settings",
        "clean_value",
        "read_form",
        "value_from_cell",
        "disagreement",
        "gold_match",
    )
    # Attributes every type sets, even to None or ().
    DECISIONS: ClassVar[tuple[str, ...]] = ("type", "agreements", "unification", "number_keys")

    type: str
    # The agreement measures its answers are reported under (`feedback.agreement`: alpha
    # under a distance, over records or record options), or (): no agreement. The first
    # is the headline `agreement` of the metrics report; every one is in `agreements`.
    agreements: tuple[Measure, ...]
    # The `feedback.unification` strategies its answers can be unified by (the first is
    # the default), or (): its answers are never unified.
    unification: tuple[str, ...]
    # What the digit keys do on the form: CHOOSE the n-th option, RANK with the focused
    # select, or "" (nothing).
    number_keys: str

    # Capabilities, asked by exports and the schema rules instead of comparing type names.
    writes_text: ClassVar[bool] = False  # the answer is written text (a completion)
    rates: ClassVar[bool] = False  # the answer is a number on a scale
    ranks_options: ClassVar[bool] = False  # the answer orders every option
    chooses_labels: ClassVar[bool] = False  # the answer is a set of labels (`labels`)
    chooses_one: ClassVar[bool] = False  # the answer is exactly one label (a vote)
    marks_field: ClassVar[bool] = False  # settings name a text field the answer points into
    options_frozen_once_answered: ClassVar[bool] = False  # every answer covers every option
    disputes: ClassVar[bool] = False  # answers can disagree (`disagreement`; takes `review_threshold`)

    # The inputs the admin edits this type's settings with, beside the JSON it keeps as a
    # fallback (the settings are still checked by `clean_settings`): OPTION_ROWS, rows
    # of (value, text); SCALE, a rating's lowest and highest value; USE_MARKDOWN, a checkbox.
    settings_inputs: ClassVar[tuple[str, ...]] = ()

    @property
    def template(self) -> str:
        """The partial that renders the type's input on the labeler form."""
        return f"feedback/questions/{self.type}.html"

    # Settings and answers -------------------------------------------------------------

    def clean_settings(self, raw: Mapping[str, Any], problems: list[Problem]) -> dict[str, Any]:
        raise NotImplementedError  # every registered kind overrides it

    def clean_value(
        self, value: Any, settings: Mapping[str, Any], *, partial: bool, record_fields: Mapping[str, Any]
    ) -> Any:
        """The normalised value, or InvalidData with locations relative to the value."""
        raise NotImplementedError  # every registered kind overrides it

    def is_blank(self, value: Any) -> bool:
        """Whether a cleaned value leaves a required question unanswered."""
        return False

    def option_values(self, settings: Mapping[str, Any]) -> list[Any]:
        return [option["value"] for option in settings.get("options", [])]

    def used_options(self, value: Any) -> set[Any]:
        """The options an answer uses (to forbid removing them from the settings)."""
        return set()

    # The labeler form -----------------------------------------------------------------

    def read_form(self, question: QuestionLike, post: FormData) -> tuple[Any, list[str]]:
        """The answer its inputs hold (None: no answer) and what could not be read."""
        raise NotImplementedError  # every registered kind overrides it

    def shown_options(self, question: QuestionLike, *, record: Any, user: Any, shuffle: bool) -> list[dict[str, Any]]:
        """The options in the order the form shows them to this labeler for this record."""
        return list(question.settings.get("options", []))

    def form_view(
        self, question: QuestionLike, value: Any, *, record: Any, post: FormData | None, shown: list[dict[str, Any]]
    ) -> dict[str, Any]:
        """Extra attributes of the form's `QuestionView` that the type's partial reads
        (`shown`: the options in the order `shown_options` gave)."""
        return {}

    def compared_fields(
        self, question: QuestionLike, shown: list[dict[str, Any]], field_names: Collection[str]
    ) -> list[dict[str, str]]:
        """The record's fields this question compares, to show side by side in the order
        shown, each `{"field": name, "title": …}`; [] when it compares none."""
        return []

    def display(self, question: QuestionLike, value: Any) -> str:
        """A stored answer in words, as the labeler reads it: options by their titles."""
        titles = _option_titles(question)
        items = value if isinstance(value, list) else [value]
        return ", ".join(str(titles.get(item, item)) for item in items)

    # The response's `context` keys this type notes how answers were given under, with
    # their empty values (every key is always written, so a later save replaces it).
    context_defaults: ClassVar[Mapping[str, Any]] = {}

    def note_answer(
        self, question: QuestionLike, post: FormData, *, shown: list[dict[str, Any]], context: dict[str, Any]
    ) -> None:
        """Note in the response's `context` how this answer was given (default: nothing)."""

    # Imports --------------------------------------------------------------------------

    def value_from_cell(self, text: str) -> Any:
        """A suggested value from a CSV cell (text); raises `CellError`."""
        raise NotImplementedError  # every registered kind overrides it

    # Metrics and unification ----------------------------------------------------------

    def agreement_units(self, answers: list[Any], options: Sequence[Any], unit: str) -> Iterable[Sequence[Hashable]]:
        """The units of one record that agreement compares, each a list of values (one
        per answer that has one), for the measures over `unit` (only with `agreements`)."""
        return ()

    def tally(self, options: Sequence[Any]) -> Tally | None:
        """A fresh tally of unified answers (only with a `unification`)."""
        return None

    def labels(self, answers: Sequence[Any], *, responses: int, strategy: str) -> Unified:
        """The labels that count for a record, a frozenset in `value` (`chooses_labels` only)."""
        raise NotImplementedError(f"{self.type} answers are not labels")

    # Review ---------------------------------------------------------------------------

    def disagreement(self, answers: Sequence[Any], settings: Mapping[str, Any]) -> float | None:
        """How far one record's answers disagree, in [0, 1] (`feedback.unification`), or
        None: fewer than two answers, or a type whose answers are never disputed."""
        raise NotImplementedError  # every registered kind overrides it

    def unified_answer(self, answers: Sequence[Any], settings: Mapping[str, Any]) -> Any:
        """One valid answer standing for several (the reviewer's starting point), or None."""
        return None

    # Gold checks -----------------------------------------------------------------------

    def gold_match(self, answer: Any, expected: Any) -> bool | None:
        """Whether a cleaned answer matches a gold record's cleaned expected answer; None
        when answers of this type are not graded (free text, spans)."""
        raise NotImplementedError  # every registered kind overrides it

    def _json_cell(self, text: str) -> Any:
        return json_cell(text, f"a {self.type} value")
