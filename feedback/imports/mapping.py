"""Which file column feeds which part of a record, and the record item a row becomes.

A mapping is `{column: target}`; a target is one of

* `external_id`;
* `field:<name>`, `metadata:<name>`;
* `suggestion:<question>`, `suggestion:<question>:score`, `suggestion:<question>:agent`;
* `gold`: a gold record's expected answers, a response's `values`
  (`{"<question>": {"value": ...}}`; JSON text in a CSV cell; empty: not gold);
* `ignore` (or null): the column is read and dropped.

Columns the mapping leaves out map by name: a field, metadata property or question of
that name (a question's column is its suggested value); `<question>.score` and
`<question>.agent` (and Argilla's own `<question>.suggestion`,
`<question>.suggestion.score`, `<question>.suggestion.agent`); `gold`; `external_id`, and `id`
when nothing else is called `id`. A column that maps to nothing is an error: an import
never drops data silently.

CSV cells are text; they are converted by what they feed (numbers for numeric
metadata, JSON for chat fields and lists; a suggested value as its question type reads
it, `QuestionKind.value_from_cell`). Typed formats are taken as they are.
An empty CSV cell is a missing value.

JSONL rows may also come in the API's wire format, `{"external_id", "fields": {...},
"metadata": {...}, "suggestions": [{"question_name", "value", "score", "agent"}]}`;
their parts are unfolded into columns named `fields.prompt`, `suggestions.0.value` ….
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from feedback.cells import CellError, json_cell, number_cell
from feedback.errors import Loc, Problem
from feedback.models import Field, MetadataProperty, Question
from feedback.questions import kind_of

Target = tuple[str, ...]  # ("external_id",), ("field", name), ("suggestion", question, "score") …


@dataclass(frozen=True)
class DatasetShape:
    """What the mapping needs to know of a dataset."""

    fields: Mapping[str, Field]
    metadata: Mapping[str, MetadataProperty]
    questions: Mapping[str, Question]

    @classmethod
    def of(cls, fields: Sequence[Field], metadata: Sequence[MetadataProperty], questions: Sequence[Question]):
        return cls(
            fields={f.name: f for f in fields},
            metadata={m.name: m for m in metadata},
            questions={q.name: q for q in questions},
        )


def _parse_target(text: Any, shape: DatasetShape) -> Target | str | None:
    """A target from its text: the target, None for `ignore`, or a message why not."""
    if text is None or text == "ignore":
        return None
    if not isinstance(text, str):
        return "must be a text target such as 'field:prompt' or 'ignore'"
    if text in ("external_id", "gold"):
        return (text,)
    kind, _, rest = text.partition(":")
    if kind == "field" and rest in shape.fields:
        return ("field", rest)
    if kind == "metadata" and rest in shape.metadata:
        return ("metadata", rest)
    if kind == "suggestion":
        question, _, part = rest.partition(":")
        if question in shape.questions and part in ("", "score", "agent"):
            return ("suggestion", question, part or "value")
    by_name = _default_target(text, shape)
    if by_name is not None and ":" not in text:
        return by_name
    return (
        f"{text!r} is not a target of this dataset: use external_id, field:<name>, metadata:<name>, "
        "suggestion:<question>[:score|:agent], gold or ignore"
    )


def _default_target(column: str, shape: DatasetShape) -> Target | None:
    if column == "external_id":
        return ("external_id",)
    if column in shape.fields:
        return ("field", column)
    if column in shape.metadata:
        return ("metadata", column)
    if column in shape.questions:
        return ("suggestion", column, "value")
    for suffix, part in (
        (".suggestion", "value"),
        (".suggestion.score", "score"),
        (".suggestion.agent", "agent"),
        (".score", "score"),
        (".agent", "agent"),
    ):
        question = column.removesuffix(suffix)
        if column.endswith(suffix) and question in shape.questions:
            return ("suggestion", question, part)
    if column == "gold":
        return ("gold",)
    if column == "id":
        return ("external_id",)
    return None


class ColumnMapping:
    """The resolved mapping of one import. `explicit` is what the caller gave."""

    def __init__(self, shape: DatasetShape, explicit: Mapping[str, Any] | None) -> None:
        self.shape = shape
        self.explicit: dict[str, Target | None] = {}
        self.problems: list[Problem] = []
        if explicit is not None and not isinstance(explicit, Mapping):
            self.problems.append(Problem(("mapping",), "must be an object of column → target"))
            explicit = {}
        for column, text in (explicit or {}).items():
            target = _parse_target(text, shape)
            if isinstance(target, str):
                self.problems.append(Problem(("mapping", column), target))
            else:
                self.explicit[column] = target
        self.feeders = {target: column for column, target in self.explicit.items() if target is not None}
        self._resolved: dict[str, Target | str | None] = {}
        self._check_one_source_per_target()

    def _check_one_source_per_target(self) -> None:
        seen: dict[Target, str] = {}
        for column, target in self.explicit.items():
            if target is None:
                continue
            if target in seen:
                self.problems.append(
                    Problem(("mapping", column), f"{':'.join(target)} is already fed by column {seen[target]!r}")
                )
            seen[target] = column

    def target(self, column: str) -> Target | str | None:
        """Where a column goes: a target, None (ignored), or why it goes nowhere."""
        if column not in self._resolved:
            if column in self.explicit:
                self._resolved[column] = self.explicit[column]
            else:
                self._resolved[column] = _default_target(column, self.shape) or (
                    "matches no field, metadata property or question of this dataset; map it to one, or to 'ignore'"
                )
        return self._resolved[column]

    def check_columns(self, columns: Sequence[str]) -> list[tuple[str, str]]:
        """(column, reason) for every column of a tabular file that maps to nothing, or
        that feeds a target another column feeds too."""
        found = []
        fed: dict[Target, str] = {}
        for column in columns:
            target = self.target(column)
            if isinstance(target, str):
                found.append((column, target))
            elif target is not None:
                if target in fed:
                    found.append((column, f"feeds {':'.join(target)} as column {fed[target]!r} does"))
                fed[target] = column
        required = [name for name, field in self.shape.fields.items() if field.required]
        missing = [name for name in required if ("field", name) not in fed]
        found += [("", f"no column feeds the required field {name!r}") for name in missing]
        return found


@dataclass
class RowItem:
    """A row as a bulk-upsert item, with the column each part came from (for errors)."""

    item: dict[str, Any]
    sources: dict[Loc, str]  # loc inside the item → column
    problems: list[tuple[str | None, str]]  # (column, reason) found while converting

    def column_for(self, loc: Loc) -> str | None:
        """The column behind a problem's location inside the item (longest match)."""
        for length in range(len(loc), 0, -1):
            column = self.sources.get(tuple(loc[:length]))
            if column is not None:
                return column
        return None


def _from_text(target: Target, text: str, shape: DatasetShape) -> Any:
    """A CSV cell as the value its target takes."""
    kind = target[0]
    if kind == "field":
        field = shape.fields[target[1]]
        return json_cell(text, "a list of {role, content} messages") if field.type == "chat" else text
    if kind == "metadata":
        prop = shape.metadata[target[1]]
        if prop.type == "integer":
            return number_cell(text, integer=True)
        if prop.type == "float":
            return number_cell(text, integer=False)
        return json_cell(text, "a list of terms") if text.lstrip().startswith("[") else text
    if kind == "suggestion":
        part = target[2]
        if part == "agent":
            return text
        if part == "score":
            return json_cell(text, "a list of scores") if text.lstrip().startswith("[") else number_cell(text, False)
        return kind_of(shape.questions[target[1]].type).value_from_cell(text)
    if kind == "gold":
        return json_cell(text, 'the expected answers, {"<question>": {"value": ...}}')
    return text


WIRE_KEYS = ("fields", "metadata", "suggestions")


def _is_wire_part(key: str, value: Any, mapping: ColumnMapping) -> bool:
    """A nested part of the wire format (`"fields": {...}`) rather than a column of
    that name: only when nothing in the dataset or the mapping claims the name."""
    if key not in WIRE_KEYS or key in mapping.explicit or _default_target(key, mapping.shape) is not None:
        return False
    return isinstance(value, list) if key == "suggestions" else isinstance(value, Mapping)


def _cells(values: Mapping[str, Any], mapping: ColumnMapping) -> Iterator[tuple[str, Target | str | None, Any]]:
    """(column, target, value) for every cell of a row. Rows in the API's wire format
    (`{"external_id", "fields": {...}, "metadata": {...}, "suggestions": [...]}`, as
    JSONL files often are) are unfolded into columns such as `fields.prompt`."""
    shape = mapping.shape
    for key, value in values.items():
        if not _is_wire_part(key, value, mapping):
            yield key, mapping.target(key), value
        elif key == "fields":
            for name, inner in value.items():
                target = ("field", name) if name in shape.fields else f"no field named {name!r} in this dataset"
                yield f"fields.{name}", target, inner
        elif key == "metadata":
            # Undeclared properties are kept or refused by the dataset's own rule.
            for name, inner in value.items():
                yield f"metadata.{name}", ("metadata", str(name)), inner
        else:
            for index, suggestion in enumerate(value):
                yield from _suggestion_cells(index, suggestion, shape)


def _suggestion_cells(index: int, suggestion: Any, shape: DatasetShape) -> Iterator[tuple[str, Target | str, Any]]:
    column = f"suggestions.{index}"
    if not isinstance(suggestion, Mapping):
        yield column, "must be an object with question_name, value, score and agent", None
        return
    question = suggestion.get("question_name", suggestion.get("question"))
    if question not in shape.questions:
        yield column, f"no question named {question!r} in this dataset", None
        return
    for part in ("value", "score", "agent"):
        if part in suggestion:
            yield f"{column}.{part}", ("suggestion", question, part), suggestion[part]


def row_item(values: Mapping[str, Any], mapping: ColumnMapping, *, cells_are_text: bool) -> RowItem:
    """The bulk-upsert item a row becomes (`fields`, `metadata`, `suggestions`, `external_id`)."""
    fields: dict[str, Any] = {}
    metadata: dict[str, Any] = {}
    suggestions: dict[str, dict[str, Any]] = {}
    suggestion_columns: dict[str, dict[str, str]] = {}
    item: dict[str, Any] = {}
    sources: dict[Loc, str] = {}
    problems: list[tuple[str | None, str]] = []
    fed: dict[Target, str] = {}
    for column, target, value in _cells(values, mapping):
        if isinstance(target, str):
            problems.append((column, target))
            continue
        if target is None:
            continue
        if target in fed:
            problems.append((column, f"feeds {':'.join(target)} as column {fed[target]!r} does"))
            continue
        fed[target] = column
        if cells_are_text and isinstance(value, str):
            if value == "":
                continue
            try:
                value = _from_text(target, value, mapping.shape)
            except CellError as error:
                problems.append((column, str(error)))
                continue
        if value is None:
            continue
        kind = target[0]
        if kind in ("external_id", "gold"):
            item[kind] = value
            sources[(kind,)] = column
        elif kind == "field":
            fields[target[1]] = value
            sources[("fields", target[1])] = column
        elif kind == "metadata":
            metadata[target[1]] = value
            sources[("metadata", target[1])] = column
        else:
            suggestions.setdefault(target[1], {})[target[2]] = value
            suggestion_columns.setdefault(target[1], {})[target[2]] = column
    item["fields"] = fields
    if metadata:
        item["metadata"] = metadata
    item_suggestions = []
    for question, parts in suggestions.items():
        if "value" not in parts:
            continue  # a score or agent without a suggested value suggests nothing
        index = len(item_suggestions)
        item_suggestions.append({"question_name": question, **parts})
        columns = suggestion_columns[question]
        sources[("suggestions", index)] = columns["value"]
        for part in ("value", "score", "agent"):
            if part in columns:
                sources[("suggestions", index, part)] = columns[part]
    if item_suggestions:
        item["suggestions"] = item_suggestions
    # A field no cell of this row filled: its problem is reported against its column.
    for name in mapping.shape.fields:
        sources.setdefault(("fields", name), mapping.feeders.get(("field", name), name))
    return RowItem(item=item, sources=sources, problems=problems)
