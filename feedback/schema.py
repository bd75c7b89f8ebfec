"""Validation of a dataset's schema pieces and of record contents against the schema.

Pure functions (no database access): fields, metadata and vectors of a record are
checked against the dataset's fields, metadata properties and vector settings, and the
settings of fields and metadata properties are normalised. Question rules live in
`feedback.questions`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Protocol

from django.conf import settings

from feedback.errors import InvalidData, Loc, Problem
from feedback.storable import json_problems, too_long

FIELD_TYPES = ("text", "chat")
METADATA_TYPES = ("terms", "integer", "float")
TERMS_MAX_VALUES = 250


class FieldLike(Protocol):
    name: str
    type: str
    required: bool


class MetadataPropertyLike(Protocol):
    name: str
    type: str
    settings: dict[str, Any]


class VectorSettingsLike(Protocol):
    name: str
    dimensions: int


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_number(value: Any) -> bool:
    return _is_int(value) or isinstance(value, float)


def clean_field_settings(field_type: str, raw: Any) -> dict[str, Any]:
    """Settings of a field (wire shape, `type` optional): text and chat take `use_markdown`."""
    if field_type not in FIELD_TYPES:
        raise InvalidData.at(("type",), f"unknown field type {field_type!r}; use one of {list(FIELD_TYPES)}")
    raw = raw or {}
    if not isinstance(raw, Mapping):
        raise InvalidData.at(("settings",), "must be an object")
    if raw.get("type", field_type) != field_type:
        raise InvalidData.at(("settings", "type"), f"is {raw.get('type')!r} but the field is {field_type!r}")
    use_markdown = raw.get("use_markdown", field_type == "chat")
    if not isinstance(use_markdown, bool):
        raise InvalidData.at(("settings", "use_markdown"), "must be true or false")
    return {"use_markdown": use_markdown}


def clean_metadata_settings(metadata_type: str, raw: Any) -> dict[str, Any]:
    """Settings of a metadata property: `values` for terms, `min`/`max` for numbers."""
    if metadata_type not in METADATA_TYPES:
        raise InvalidData.at(("type",), f"unknown metadata type {metadata_type!r}; use one of {list(METADATA_TYPES)}")
    raw = raw or {}
    if not isinstance(raw, Mapping):
        raise InvalidData.at(("settings",), "must be an object")
    if raw.get("type", metadata_type) != metadata_type:
        raise InvalidData.at(("settings", "type"), f"is {raw.get('type')!r} but the property is {metadata_type!r}")
    problems = json_problems(dict(raw), ("settings",))
    if problems:
        raise InvalidData(problems)
    if metadata_type == "terms":
        values = raw.get("values")
        if values is None:
            return {"values": None}
        if not isinstance(values, list) or not all(isinstance(value, str) and value for value in values):
            raise InvalidData.at(("settings", "values"), "must be a list of non-empty strings or null")
        if not 1 <= len(values) <= TERMS_MAX_VALUES:
            raise InvalidData.at(("settings", "values"), f"must have between 1 and {TERMS_MAX_VALUES} values")
        if len(set(values)) != len(values):
            raise InvalidData.at(("settings", "values"), "values must be distinct")
        return {"values": list(values)}
    check = _is_int if metadata_type == "integer" else _is_number
    bounds: dict[str, Any] = {}
    for key in ("min", "max"):
        bound = raw.get(key)
        if bound is not None and not check(bound):
            raise InvalidData.at(
                ("settings", key), f"must be {'an integer' if metadata_type == 'integer' else 'a number'} or null"
            )
        bounds[key] = bound
    if bounds["min"] is not None and bounds["max"] is not None and bounds["min"] > bounds["max"]:
        raise InvalidData.at(("settings",), "min must not exceed max")
    return bounds


def _field_value_problem(field: FieldLike, value: Any) -> str | None:
    if field.type == "text":
        return None if isinstance(value, str) else f"must be text, got {type(value).__name__}"
    if not isinstance(value, list) or not value:
        return "must be a non-empty list of {role, content} messages"
    for message in value:
        if (
            not isinstance(message, Mapping)
            or not isinstance(message.get("role"), str)
            or not isinstance(message.get("content"), str)
        ):
            return "every message must be an object with text 'role' and 'content'"
    return None


def field_chars(value: Any) -> int:
    """How much text a field value holds: a text's characters, a chat's messages' contents."""
    return len(value) if isinstance(value, str) else sum(len(message["content"]) for message in value)


def clean_record_fields(schema: Sequence[FieldLike], raw: Any, *, loc: Loc = ("fields",)) -> dict[str, Any]:
    """A record's `fields`: every required field present, known names only, right types,
    within the size limits (`FEEDLOOP_MAX_FIELD_CHARS` each, `FEEDLOOP_MAX_RECORD_CHARS`
    together)."""
    if not isinstance(raw, Mapping):
        raise InvalidData.at(loc, "must be an object keyed by field name")
    by_name = {field.name: field for field in schema}
    problems: list[Problem] = []
    cleaned: dict[str, Any] = {}
    for name, value in raw.items():
        field = by_name.get(name)
        if field is None:
            problems.append(Problem((*loc, name), f"no field named {name!r} in this dataset"))
            continue
        if value is None:
            continue
        problem = _field_value_problem(field, value)
        if problem:
            problems.append(Problem((*loc, name), problem))
            continue
        storable = json_problems(value, (*loc, name))
        if storable:
            problems += storable
            continue
        if long := too_long(field_chars(value), settings.FEEDLOOP_MAX_FIELD_CHARS):
            problems.append(Problem((*loc, name), long))
            continue
        cleaned[name] = (
            value
            if field.type == "text"
            else [{"role": message["role"], "content": message["content"]} for message in value]
        )
    for field in schema:
        if (
            field.required
            and field.name not in cleaned
            and not any(problem.loc[: len(loc) + 1] == (*loc, field.name) for problem in problems)
        ):
            problems.append(Problem((*loc, field.name), "this field is required"))
    total = sum(field_chars(value) for value in cleaned.values())
    if not problems and total > settings.FEEDLOOP_MAX_RECORD_CHARS:
        problems.append(
            Problem(
                loc,
                f"hold {total:,} characters together; the limit per record is "
                f"{settings.FEEDLOOP_MAX_RECORD_CHARS:,} characters",
            )
        )
    if problems:
        raise InvalidData(problems)
    return cleaned


def _metadata_value_problem(prop: MetadataPropertyLike, value: Any) -> str | None:
    settings = prop.settings
    if prop.type == "terms":
        terms = value if isinstance(value, list) else [value]
        if not terms or not all(isinstance(term, str) for term in terms):
            return "must be a string or a list of strings"
        allowed = settings.get("values")
        unknown = [term for term in terms if allowed is not None and term not in allowed]
        return f"{unknown} not among the allowed values {allowed}" if unknown else None
    if prop.type == "integer" and not _is_int(value):
        return f"must be an integer, got {value!r}"
    if prop.type == "float" and not _is_number(value):
        return f"must be a number, got {value!r}"
    low, high = settings.get("min"), settings.get("max")
    if (low is not None and value < low) or (high is not None and value > high):
        return f"{value!r} is outside the range [{low}, {high}]"
    return None


def clean_record_metadata(
    properties: Sequence[MetadataPropertyLike], raw: Any, *, allow_extra: bool, loc: Loc = ("metadata",)
) -> dict[str, Any] | None:
    """A record's `metadata`: declared properties type-checked; others kept only if allowed."""
    if raw is None:
        return None
    if not isinstance(raw, Mapping):
        raise InvalidData.at(loc, "must be an object keyed by metadata property name")
    by_name = {prop.name: prop for prop in properties}
    problems: list[Problem] = []
    cleaned: dict[str, Any] = {}
    for name, value in raw.items():
        storable = json_problems({name: value}, loc)
        if storable:
            problems += storable
            continue
        prop = by_name.get(name)
        if prop is None and not allow_extra:
            problems.append(Problem((*loc, name), f"no metadata property named {name!r} and extra metadata is off"))
            continue
        if value is None:
            continue
        problem = _metadata_value_problem(prop, value) if prop is not None else None
        if problem:
            problems.append(Problem((*loc, name), problem))
            continue
        cleaned[name] = value
    if problems:
        raise InvalidData(problems)
    return cleaned


def clean_record_vectors(
    settings: Sequence[VectorSettingsLike], raw: Any, *, loc: Loc = ("vectors",)
) -> dict[str, list[float]]:
    """A record's `vectors`: known names, each a list of `dimensions` finite numbers."""
    if raw is None:
        return {}
    if not isinstance(raw, Mapping):
        raise InvalidData.at(loc, "must be an object keyed by vector settings name")
    by_name = {setting.name: setting for setting in settings}
    problems: list[Problem] = []
    cleaned: dict[str, list[float]] = {}
    for name, vector in raw.items():
        setting = by_name.get(name)
        if setting is None:
            problems.append(Problem((*loc, name), f"no vector settings named {name!r} in this dataset"))
        elif vector is None:
            continue
        elif not isinstance(vector, list) or len(vector) != setting.dimensions:
            problems.append(Problem((*loc, name), f"must be a list of {setting.dimensions} numbers"))
        elif not all(_is_number(x) for x in vector) or json_problems(vector, (*loc, name)):
            problems.append(Problem((*loc, name), "every item must be a finite number"))
        else:
            cleaned[name] = [float(x) for x in vector]
    if problems:
        raise InvalidData(problems)
    return cleaned
