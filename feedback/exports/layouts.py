"""Training-ready rows from one record and its responses, per export layout.

Each layout turns a record (with the responses chosen for the export) into zero or more
rows, and says why a record gave none (`dropped`), so that an export can report it:

* `sft`: `{"prompt", "completion"}` per written answer (TRL's SFTTrainer, prompt-completion);
* `sft_chat`: `{"messages": [{"role", "content"}, …]}` (SFTTrainer, conversational);
* `preference`: `{"prompt", "chosen", "rejected"}` from rankings, or from a pairwise vote
  (a label question naming the better of two response fields, or a tie) (RewardTrainer /
  DPOTrainer);
* `kto`: `{"prompt", "completion", "label"}`: the rating (mean, median, or each
  labeler's) of a completion against a threshold (KTOTrainer);
* `rl_prompts`: `{"prompt"}` for prompts whose unified rating reaches a minimum and whose
  unified labels include / exclude the given ones;
* `raw`: the record with its fields, metadata, suggestions and every response.

When the prompt field is a chat field, `sft`, `preference` and `kto` give TRL's
conversational shapes: `prompt` is the list of messages and every completion (`completion`,
`chosen`, `rejected`) is a list of messages too, `[{"role": "assistant", "content": …}]`.
With a text prompt every column is a plain string. `rl_prompts` gives the prompt as
stored (text, or the messages).

Several labelers' answers to a record are unified by `feedback.unification`, the rules
the metrics use too.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from feedback.exports.preference import (
    PAIR_MODES,
    preference_pairs,
    ranking_from_value,
    ranking_from_vote,
)
from feedback.questions import kind_of
from feedback.unification import (
    LABEL_STRATEGIES,
    MAJORITY,
    PER_LABELER,
    RANKING_STRATEGIES,
    RATING_STRATEGIES,
    REVIEWED,
    Unified,
    unify_rating,
)

LAYOUTS = ("sft", "sft_chat", "preference", "kto", "rl_prompts", "raw")


@dataclass
class ExportSchema:
    """What a layout needs to know of the dataset, resolved once per export."""

    prompt_field: str | None
    prompt_is_chat: bool
    completion_question: str | None
    ranking_question: str | None
    unification: str = "mean_rank"
    pair_mode: str = "all_pairs"
    rating_question: str | None = None
    completion_field: str | None = None
    threshold: float | None = None
    per_labeler: bool = False
    # Several labelers' ratings of one record: their `mean` or their `median`.
    rating_unification: str = "mean"
    # The labels that count for a record: by `majority` or those `any` labeler chose
    # (`feedback.unification`).
    label_unification: str = MAJORITY
    min_rating: float | None = None
    label_question: str | None = None
    require_labels: Sequence[str] = ()
    exclude_labels: Sequence[str] = ()
    # The dataset's fields in order, name -> "text" | "chat" (typed file columns).
    field_types: Mapping[str, str] = field(default_factory=dict)
    # The dataset's questions, name -> type (how their answers are unified).
    question_types: Mapping[str, str] = field(default_factory=dict)
    # A pairwise vote instead of a ranking: the label question, the two response fields
    # its options name, and the option that means "neither is better".
    preference_question: str | None = None
    compared_fields: tuple[str, str] | None = None
    tie_value: str = "tie"
    # `unification: reviewed`: a record's settled review stands for its responses (the
    # strategies above are then the fallback's, for the other records).
    reviewed: bool = False


@dataclass
class RecordData:
    id: str
    external_id: str | None
    fields: Mapping[str, Any]
    metadata: Mapping[str, Any] | None
    status: str
    suggestions: Sequence[Mapping[str, Any]]
    responses: Sequence[Mapping[str, Any]]  # {"user", "status", "values"}
    # The latest settled review's answers, as one response ({"user": reviewer, "status":
    # "reviewed", "values"}), read only for `unification: reviewed` exports.
    reviewed: Mapping[str, Any] | None = None


@dataclass
class Rows:
    rows: list[dict[str, Any]]
    dropped: str | None = None  # why this record gave no row
    ties: int = 0  # pairs left out because the options tied


def _prompt(schema: ExportSchema, record: RecordData) -> Any:
    return record.fields.get(schema.prompt_field) if schema.prompt_field else None


def _answers(record: RecordData, question: str | None) -> list[Any]:
    if question is None:
        return []
    return [r["values"][question]["value"] for r in record.responses if question in (r["values"] or {})]


def _messages(value: Any) -> list[dict[str, str]]:
    """A chat field's value as `{role, content}` messages; text is one user message."""
    if isinstance(value, list):
        return [{"role": message["role"], "content": message["content"]} for message in value]
    return [{"role": "user", "content": value}]


def _completion(schema: ExportSchema, value: Any) -> Any:
    """A completion in the prompt's shape: the assistant's turn after a chat prompt, text
    after a text prompt. A completion that is itself a chat field is kept as its messages
    after a chat prompt and flattened to text after a text one, so a column keeps one type."""
    if schema.prompt_is_chat:
        return _messages(value) if isinstance(value, list) else [{"role": "assistant", "content": value}]
    if isinstance(value, list):
        return "\n".join(f"{message['role']}: {message['content']}" for message in value)
    return value


def sft(schema: ExportSchema, record: RecordData) -> Rows:
    prompt = _prompt(schema, record)
    completions = [answer for answer in _answers(record, schema.completion_question) if str(answer).strip()]
    if prompt is None or not completions:
        return Rows([], dropped="no prompt or no written answer")
    if schema.prompt_is_chat:
        prompt = _messages(prompt)
    return Rows([{"prompt": prompt, "completion": _completion(schema, completion)} for completion in completions])


def sft_chat(schema: ExportSchema, record: RecordData) -> Rows:
    prompt = _prompt(schema, record)
    completions = [answer for answer in _answers(record, schema.completion_question) if str(answer).strip()]
    if prompt is None or not completions:
        return Rows([], dropped="no prompt or no written answer")
    history = _messages(prompt)
    return Rows([{"messages": [*history, {"role": "assistant", "content": c}]} for c in completions])


def _rankings(schema: ExportSchema, record: RecordData) -> list[dict[str, float]]:
    if schema.preference_question and schema.compared_fields:
        return [
            ranking_from_vote(vote, compared=schema.compared_fields, tie_value=schema.tie_value)
            for vote in _answers(record, schema.preference_question)
        ]
    return [ranking_from_value(value) for value in _answers(record, schema.ranking_question)]


def preference(schema: ExportSchema, record: RecordData) -> Rows:
    prompt = _prompt(schema, record)
    rankings = _rankings(schema, record)
    if prompt is None or not rankings:
        return Rows([], dropped="no prompt or no ranking")
    if schema.prompt_is_chat:
        prompt = _messages(prompt)
    pairs = preference_pairs(rankings, unification=schema.unification, mode=schema.pair_mode)
    # Pairs need the options' texts: options are named after the response fields.
    rows = [
        {
            "prompt": prompt,
            "chosen": _completion(schema, record.fields[chosen]),
            "rejected": _completion(schema, record.fields[rejected]),
        }
        for chosen, rejected in pairs
        if chosen in record.fields and rejected in record.fields
    ]
    if not rows:
        return Rows([], dropped="ties only", ties=1)
    return Rows(rows)


def kto(schema: ExportSchema, record: RecordData) -> Rows:
    prompt = _prompt(schema, record)
    completion = record.fields.get(schema.completion_field) if schema.completion_field else None
    ratings = [float(value) for value in _answers(record, schema.rating_question)]
    if prompt is None or completion is None or not ratings or schema.threshold is None:
        return Rows([], dropped="no prompt, completion or rating")
    scores = ratings if schema.per_labeler else [unify_rating(ratings, schema.rating_unification)]
    if schema.prompt_is_chat:
        prompt = _messages(prompt)
    completion = _completion(schema, completion)
    return Rows([{"prompt": prompt, "completion": completion, "label": score >= schema.threshold} for score in scores])


def rl_prompts(schema: ExportSchema, record: RecordData) -> Rows:
    prompt = _prompt(schema, record)
    if prompt is None:
        return Rows([], dropped="no prompt")
    if schema.min_rating is not None:
        ratings = [float(value) for value in _answers(record, schema.rating_question)]
        if not ratings or unify_rating(ratings, schema.rating_unification) < schema.min_rating:
            return Rows([], dropped="rating below the minimum")
    if schema.require_labels or schema.exclude_labels:
        labels = _labels(schema, record)
        if labels.tie:
            return Rows([], dropped="labels tie")
        if not set(schema.require_labels) <= labels.value or labels.value & set(schema.exclude_labels):
            return Rows([], dropped="labels do not match")
    return Rows([{"prompt": _messages(prompt) if schema.prompt_is_chat else prompt}])


def _labels(schema: ExportSchema, record: RecordData) -> Unified:
    """The labels that count for a record (a frozenset), out of every response taken,
    whether or not it answered the optional label question."""
    if schema.label_question is None:
        return Unified(frozenset())
    return kind_of(schema.question_types[schema.label_question]).labels(
        _answers(record, schema.label_question),
        responses=len(record.responses),
        strategy=schema.label_unification,
    )


def raw(schema: ExportSchema, record: RecordData) -> Rows:
    return Rows(
        [
            {
                "id": record.id,
                "external_id": record.external_id,
                "status": record.status,
                # As read: every export reads its own fresh copy, so nothing is shared.
                "fields": record.fields,
                "metadata": record.metadata or {},
                "suggestions": record.suggestions,
                "responses": record.responses,
            }
        ]
    )


BUILDERS = {
    "sft": sft,
    "sft_chat": sft_chat,
    "preference": preference,
    "kto": kto,
    "rl_prompts": rl_prompts,
    "raw": raw,
}


def rows_for(layout: str, schema: ExportSchema, records: Iterator[RecordData]) -> Iterator[tuple[RecordData, Rows]]:
    builder = BUILDERS[layout]
    for record in records:
        if schema.reviewed and record.reviewed is not None:
            # One answer, the reviewer's: every strategy unifies it to itself.
            record = replace(record, responses=[record.reviewed])
        yield record, builder(schema, record)


# How several labelers' answers to one record are unified, per layout (the first is the
# default): rankings or votes for `preference`, ratings for `kto` and `rl_prompts`.
UNIFICATIONS_BY_LAYOUT = {
    "preference": (*RANKING_STRATEGIES, PER_LABELER),
    "kto": (*RATING_STRATEGIES, PER_LABELER),
    "rl_prompts": RATING_STRATEGIES,
}
LABEL_UNIFICATIONS = LABEL_STRATEGIES


def default_unification(layout: str) -> str | None:
    return UNIFICATIONS_BY_LAYOUT.get(layout, (None,))[0]


def check_options(layout: str, options: Mapping[str, Any]) -> list[str]:
    """What is wrong with an export's options (empty when they are fine)."""
    problems = []
    if layout not in LAYOUTS:
        problems.append(f"layout must be one of {list(LAYOUTS)}")
    allowed = UNIFICATIONS_BY_LAYOUT.get(layout, ())
    if options.get("unification") == REVIEWED and allowed:
        if options.get("fallback", allowed[0]) not in allowed:
            problems.append(f"fallback must be one of {list(allowed)} for {layout}: what records without a review use")
    elif "fallback" in options:
        problems.append(f"fallback applies only with unification {REVIEWED!r}")
    if "unification" in options and options["unification"] not in (*allowed, *([REVIEWED] if allowed else [])):
        if allowed:
            problems.append(
                f"unification must be one of {list(allowed)} for {layout} (or {REVIEWED!r}, with one as the fallback)"
            )
        else:
            problems.append(f"unification does not apply to {layout}: each answer makes its own row")
    if options.get("label_unification", MAJORITY) not in LABEL_UNIFICATIONS:
        problems.append(f"label_unification must be one of {list(LABEL_UNIFICATIONS)}")
    if options.get("pair_mode", "all_pairs") not in PAIR_MODES:
        problems.append(f"pair_mode must be one of {list(PAIR_MODES)}")
    return problems
