"""Several labelers' ratings of a record, unified by their mean or their median."""

from __future__ import annotations

from feedback.exports.layouts import ExportSchema, RecordData, kto, rl_prompts


def record(*ratings: int) -> RecordData:
    responses = [
        {"user": f"l{n}", "status": "submitted", "values": {"quality": {"value": r}}} for n, r in enumerate(ratings)
    ]
    return RecordData(
        id="r",
        external_id=None,
        fields={"prompt": "P", "response": "R"},
        metadata=None,
        status="completed",
        suggestions=[],
        responses=responses,
    )


def schema(**options) -> ExportSchema:
    return ExportSchema(
        prompt_field="prompt",
        prompt_is_chat=False,
        completion_question=None,
        ranking_question=None,
        rating_question="quality",
        completion_field="response",
        **options,
    )


def test_kto_labels_by_the_mean_or_the_median():
    # Ratings 1, 5, 5: mean 3.67 (below 4), median 5.
    assert [row["label"] for row in kto(schema(threshold=4), record(1, 5, 5)).rows] == [False]
    assert [row["label"] for row in kto(schema(threshold=4, rating_unification="median"), record(1, 5, 5)).rows] == [
        True
    ]
    assert [row["label"] for row in kto(schema(threshold=4, per_labeler=True), record(1, 5, 5)).rows] == [
        False,
        True,
        True,
    ]


def test_rl_prompts_select_by_the_mean_or_the_median():
    assert rl_prompts(schema(min_rating=4), record(1, 5, 5)).dropped == "rating below the minimum"
    assert rl_prompts(schema(min_rating=4, rating_unification="median"), record(1, 5, 5)).rows == [{"prompt": "P"}]
