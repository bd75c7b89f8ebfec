"""Database helpers every app may use (config sits below the apps' layers)."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any, Generic, TypeVar

from django.db import IntegrityError, connections, router, transaction
from django.db.models import Model

M = TypeVar("M", bound=Model)


@contextmanager
def unique_name(what: str, *, error: Callable[[str], Exception]) -> Iterator[None]:
    """Run the block in a savepoint; a unique-constraint violation in it (a name
    taken, often by a concurrent request the form or validation could not see)
    is raised as `error("<what> already exists")`, in the caller's own error type.
    The savepoint keeps the caller's transaction usable after the clash."""
    try:
        with transaction.atomic():
            yield
    except IntegrityError:
        raise error(f"{what} already exists") from None


def writing(model: type[Model]) -> Any:
    """The connection that writes `model`'s rows: for statements written in SQL that
    change rows or read them in a writing transaction (never a read replica)."""
    return connections[router.db_for_write(model)]


_INSERT = "INSERT INTO {table} ({columns}) VALUES {values}"


class Columns(Generic[M]):
    """A model's columns for a statement written in SQL, and its rows read back as model
    instances, converted as the ORM converts them (JSON, and UUIDs and dates on SQLite).

    For the few statements on hot paths (every labeling request) where building the
    query with the ORM costs more CPU than running it: the SQL is written once, and one
    row can carry several models side by side (`SELECT {key.select}, {user.select} …`,
    then `key.read(row)` and `user.read(row, len(key))`)."""

    def __init__(self, model: type[M], alias: str) -> None:
        self.model = model
        self.fields = list(model._meta.concrete_fields)
        self.select = ", ".join(f'{alias}."{field.column}"' for field in self.fields)
        self._cols = [field.get_col(alias) for field in self.fields]
        self._converters: dict[str, list[tuple[Any, list[Any]]]] = {}

    def __len__(self) -> int:
        return len(self.fields)

    def insert(self, connection: Any, instances: Sequence[M]) -> None:
        """INSERT new `instances` with every column given, as `bulk_create` does for a
        model whose primary key is set in Python (each field's `pre_save` included, so
        `auto_now` stamps are set): one statement, its SQL written without the ORM."""
        if not instances:
            return
        params = [
            field.get_db_prep_save(field.pre_save(instance, add=True), connection)
            for instance in instances
            for field in self.fields
        ]
        columns = ", ".join(f'"{field.column}"' for field in self.fields)
        row = "(" + ", ".join(["%s"] * len(self.fields)) + ")"
        statement = _INSERT.format(
            table=self.model._meta.db_table, columns=columns, values=", ".join([row] * len(instances))
        )
        with connection.cursor() as cursor:
            cursor.execute(statement, params)
        for instance in instances:
            instance._state.adding, instance._state.db = False, connection.alias

    def read(self, connection: Any, row: Sequence[Any], start: int = 0) -> M:
        """The instance in `row`'s columns from `start` on."""
        converters = self._converters.get(connection.alias)
        if converters is None:
            converters = self._converters[connection.alias] = [
                (col, [*connection.ops.get_db_converters(col), *col.get_db_converters(connection)])
                for col in self._cols
            ]
        values = []
        for value, (col, convert) in zip(row[start : start + len(self.fields)], converters, strict=True):
            for converter in convert:
                value = converter(value, col, connection)
            values.append(value)
        return self.model.from_db(connection.alias, [field.attname for field in self.fields], values)
