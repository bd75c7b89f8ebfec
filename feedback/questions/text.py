"""`text`: a written answer (a demonstration, a prompt, a comment)."""

from __future__ import annotations

from typing import Any, ClassVar

from django.conf import settings as django_settings

from feedback.errors import InvalidData
from feedback.questions.base import USE_MARKDOWN, FormData, QuestionKind, QuestionLike, _bool_setting, _short
from feedback.storable import text_problem, too_long


class TextKind(QuestionKind):
    type = "text"
    settings_inputs = (USE_MARKDOWN,)
    agreements = ()  # free text: no agreement
    unification = ()
    number_keys = ""
    writes_text = True
    # Written answers that were pasted (copied demonstrations are worth knowing about).
    context_defaults: ClassVar[dict[str, Any]] = {"pasted": []}

    def clean_settings(self, raw, problems):  # type: ignore[no-untyped-def]
        return {"use_markdown": _bool_setting(raw, "use_markdown", False, problems)}

    def clean_value(self, value, settings, *, partial, record_fields):  # type: ignore[no-untyped-def]
        if not isinstance(value, str):
            raise InvalidData.at((), f"must be text, got {_short(value)}")
        problem = text_problem(value) or too_long(len(value), django_settings.FEEDLOOP_MAX_ANSWER_CHARS)
        if problem:
            raise InvalidData.at((), problem)
        return value

    def is_blank(self, value: Any) -> bool:
        return not value.strip()

    def read_form(self, question: QuestionLike, post: FormData) -> tuple[Any, list[str]]:
        text = post.get(question.name, "")
        return (text.replace("\r\n", "\n") if text.strip() else None), []

    def note_answer(self, question, post, *, shown, context):  # type: ignore[no-untyped-def]
        if post.get(f"pasted.{question.name}"):
            context["pasted"].append(question.name)

    def value_from_cell(self, text: str) -> Any:
        return text

    def disagreement(self, answers, settings):  # type: ignore[no-untyped-def]
        return None  # written answers differ by nature: never disputed automatically

    def gold_match(self, answer: Any, expected: Any) -> bool | None:
        return None  # free text has no one right answer to compare with
