"""Realistic review data on top of the demo: a second labeler ranks the first comparison
the other way round with a comment, which completes it disputed (queued on completion)."""

from __future__ import annotations

from django.contrib.auth import get_user_model

from feedback.models import Dataset, Review
from feedback.services.responses import response_submit


def disputed_comparison() -> Review:
    dataset = Dataset.objects.get(name="response-comparison")
    record = dataset.records.order_by("inserted_at", "id").first()
    ben = get_user_model().objects.get(username="ben")
    response_submit(
        record=record,
        user=ben,
        values={
            "ranking": {
                "value": [
                    {"value": "response-3", "rank": 1},
                    {"value": "response-1", "rank": 2},
                    {"value": "response-2", "rank": 3},
                ]
            },
            "comment": {"value": "The third one is the only answer that names the safety steps."},
        },
    )
    return Review.objects.get(record=record)
