"""Benchmark: the record list dump, compiled from the declared shapes, against the hand-written builder.

    .venv/bin/python bench/shapes.py [--records 1000] [--repeat 30]

In one run, on `--records` records built in memory (no database: the dump never
queries), each with 3 responses and 2 suggestions and its metadata, this times:
1. old: the hand-written dict builders `feedback.shapes` had before the shapes were
   declared once (frozen below, as they were);
2. new: `feedback.shapes.record_out` with responses and suggestions included, as the
   record list answers them;
3. for scale only: DRF rendering the same declaration (`RecordOut(many=True).data`).
Each is the best of `--repeat` runs. The outputs of 1 and 2 are checked equal first.
It prints the times and the ratio new/old (target: at most 1.10); it is a measurement,
not a test, and exits 0 regardless.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
import uuid
from collections.abc import Callable, Iterable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent


def django_setup() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ.setdefault("DJANGO_SECRET_KEY", "bench-only-secret-key-0123456789-abcdefghijklmnop")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


# The builders as they were hand-written (feedback/shapes.py before the shapes were declared once).


def _old_stamps(obj: Any) -> dict[str, Any]:
    return {"inserted_at": obj.inserted_at.isoformat(), "updated_at": obj.updated_at.isoformat()}


def old_response_out(response: Any) -> dict[str, Any]:
    return {
        "id": str(response.id),
        "values": response.values or None,
        "status": response.status,
        "record_id": str(response.record_id),
        "user_id": str(response.user_id),
        "time_spent_seconds": response.time_spent_seconds,
        **_old_stamps(response),
    }


def old_suggestion_out(suggestion: Any) -> dict[str, Any]:
    return {
        "id": str(suggestion.id),
        "question_id": str(suggestion.question_id),
        "type": suggestion.type,
        "value": suggestion.value,
        "agent": suggestion.agent,
        "score": suggestion.score,
        **_old_stamps(suggestion),
    }


def old_record_out(
    record: Any, *, responses: Iterable[Any] | None = None, suggestions: Iterable[Any] | None = None
) -> dict[str, Any]:
    shape: dict[str, Any] = {
        "id": str(record.id),
        "status": record.status,
        "fields": record.fields,
        "metadata": record.metadata,
        "external_id": record.external_id,
        "dataset_id": str(record.dataset_id),
        **_old_stamps(record),
    }
    if responses is not None:
        shape["responses"] = [old_response_out(response) for response in responses]
    if suggestions is not None:
        shape["suggestions"] = [old_suggestion_out(suggestion) for suggestion in suggestions]
    return shape


def build(count: int) -> list[tuple[Any, list[Any], list[Any]]]:
    """`count` records with 3 responses and 2 suggestions each, in memory."""
    from feedback.models import Record, Response, Suggestion

    start = datetime(2026, 1, 1, tzinfo=UTC)
    dataset_id, question_ids = uuid.uuid4(), [uuid.uuid4(), uuid.uuid4()]
    user_ids = [uuid.uuid4() for _ in range(3)]
    rows = []
    for n in range(count):
        moment = start + timedelta(seconds=n)
        record = Record(
            id=uuid.uuid4(),
            dataset_id=dataset_id,
            external_id=f"rec-{n}",
            fields={"prompt": f"Prompt {n}", "response-1": "one", "response-2": "two", "response-3": "three"},
            metadata={"model": "a", "length": n},
            status="completed",
            inserted_at=moment,
            updated_at=moment,
        )
        responses = [
            Response(
                id=uuid.uuid4(),
                record_id=record.id,
                user_id=user_id,
                values={"quality": {"value": 4}, "ranking": {"value": [{"value": "response-1"}]}},
                status="submitted",
                time_spent_seconds=12.5,
                inserted_at=moment,
                updated_at=moment,
            )
            for user_id in user_ids
        ]
        suggestions = [
            Suggestion(
                id=uuid.uuid4(),
                record_id=record.id,
                question_id=question_id,
                value=4,
                score=0.75,
                agent="judge-1",
                type="model",
                inserted_at=moment,
                updated_at=moment,
            )
            for question_id in question_ids
        ]
        rows.append((record, responses, suggestions))
    return rows


def best(run: Callable[[], Any], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        began = time.perf_counter()
        run()
        times.append(time.perf_counter() - began)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--records", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=30)
    args = parser.parse_args()
    django_setup()
    from feedback import shapes

    rows = build(args.records)

    def old() -> list[dict[str, Any]]:
        return [old_record_out(record, responses=rs, suggestions=ss) for record, rs, ss in rows]

    def new() -> list[dict[str, Any]]:
        return [shapes.record_out(record, responses=rs, suggestions=ss) for record, rs, ss in rows]

    def drf() -> Any:
        # DRF reads the included lists through the related managers; hand them over as attributes.
        return shapes.RecordOut([_Included(record, rs, ss) for record, rs, ss in rows], many=True).data

    assert old() == new(), "the compiled dump differs from the hand-written builder"
    old_seconds, new_seconds = best(old, args.repeat), best(new, args.repeat)
    drf_seconds = best(drf, max(3, args.repeat // 10))
    print(f"{args.records} records, 3 responses and 2 suggestions each; best of {args.repeat}")
    print(f"old (hand-written builders): {old_seconds * 1000:8.2f} ms")
    print(f"new (compiled from shapes):  {new_seconds * 1000:8.2f} ms")
    print(f"DRF on the same shapes:      {drf_seconds * 1000:8.2f} ms (for scale)")
    ratio = new_seconds / old_seconds
    print(f"ratio new/old: {ratio:.3f} ({'PASS' if ratio <= 1.10 else 'FAIL'}: target <= 1.10)")


class _Included:
    """A record whose `responses` and `suggestions` are plain lists (what DRF iterates)."""

    def __init__(self, record: Any, responses: list[Any], suggestions: list[Any]) -> None:
        self._record, self.responses, self.suggestions = record, responses, suggestions
        self.vectors: dict[str, Any] = {}

    def __getattr__(self, name: str) -> Any:
        return getattr(self._record, name)


if __name__ == "__main__":
    main()
