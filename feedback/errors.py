"""Errors raised by Feedloop's services; adapters turn them into 4xx answers or form errors."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

Loc = tuple[str | int, ...]


@dataclass(frozen=True)
class Problem:
    """One thing wrong with an input: where (`loc`, a path into the input) and why."""

    loc: Loc
    msg: str

    def __str__(self) -> str:
        where = ".".join(str(part) for part in self.loc)
        return f"{where}: {self.msg}" if where else self.msg

    def as_dict(self) -> dict[str, object]:
        return {"loc": list(self.loc), "msg": self.msg}


class InvalidData(Exception):
    """The input breaks a rule. Nothing was stored. `problems` lists every issue found."""

    def __init__(self, problems: Iterable[Problem]) -> None:
        self.problems = list(problems)
        super().__init__("; ".join(str(problem) for problem in self.problems))

    @classmethod
    def at(cls, loc: Loc, msg: str) -> InvalidData:
        return cls([Problem(loc, msg)])

    def prefixed(self, *prefix: str | int) -> InvalidData:
        return InvalidData(Problem((*prefix, *problem.loc), problem.msg) for problem in self.problems)


class Conflict(Exception):
    """The write clashes with existing data, e.g. a name already taken."""


class StaleResponse(Conflict):
    """A response write made from a version of the response that is no longer the
    stored one (another tab, or Back after Submit). `response` is the newer answer."""

    def __init__(self, response: Any) -> None:
        self.response = response
        super().__init__("this answer changed since it was shown; reload it before writing over it")
