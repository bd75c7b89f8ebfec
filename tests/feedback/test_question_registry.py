"""The question-type registry is complete: every type gives every per-type hook, takes
every per-type decision, and every template it names exists. A new type that misses
one fails here rather than in some consumer."""

from __future__ import annotations

import importlib
import inspect
import pkgutil
from pathlib import Path

import pytest
from django.conf import settings
from django.template.loader import get_template

import feedback.questions
from feedback import unification
from feedback.agreement import LEVELS, UNITS, Measure
from feedback.models import QuestionType
from feedback.questions import KINDS, QuestionKind
from feedback.questions.base import CHOOSE, RANK

KIND_PARAMS = pytest.mark.parametrize("kind", list(KINDS.values()), ids=list(KINDS))
STRATEGIES = {unification.MAJORITY, unification.ANY, unification.MEAN, unification.MEDIAN, unification.MEAN_RANK}


def _overrides(kind: QuestionKind, method: str) -> bool:
    return getattr(type(kind), method) is not getattr(QuestionKind, method)


def test_the_registry_and_the_model_know_the_same_types():
    assert set(KINDS) == set(QuestionType.values)
    assert all(kind.type == name for name, kind in KINDS.items())


def test_every_type_module_is_registered():
    package = Path(feedback.questions.__file__).parent
    for module_info in pkgutil.iter_modules([str(package)]):
        if module_info.name == "base":
            continue
        module = importlib.import_module(f"feedback.questions.{module_info.name}")
        kinds = [
            cls
            for cls in vars(module).values()
            if inspect.isclass(cls) and issubclass(cls, QuestionKind) and cls.__module__ == module.__name__
        ]
        assert len(kinds) == 1, f"{module_info.name} should define one question type"
        assert isinstance(KINDS.get(kinds[0].type), kinds[0]), f"{kinds[0].__name__} is not registered in KINDS"
        assert module_info.name == kinds[0].type, "a type's module is named after the type"


@KIND_PARAMS
def test_every_type_provides_every_hook(kind):
    missing = [hook for hook in QuestionKind.HOOKS if not _overrides(kind, hook)]
    assert not missing, f"{kind.type} does not provide {missing}"


@KIND_PARAMS
def test_every_type_takes_every_decision(kind):
    undecided = [name for name in QuestionKind.DECISIONS if not hasattr(kind, name)]
    assert not undecided, f"{kind.type} does not set {undecided}"
    assert isinstance(kind.agreements, tuple)
    assert all(isinstance(m, Measure) and m.level in LEVELS and m.unit in UNITS for m in kind.agreements)
    assert len(set(kind.agreements)) == len(kind.agreements), "a measure is named once"
    assert kind.number_keys in ("", CHOOSE, RANK)
    assert isinstance(kind.unification, tuple) and set(kind.unification) <= STRATEGIES


@KIND_PARAMS
def test_every_type_gives_the_hooks_its_decisions_call_for(kind):
    # Agreement needs units, unification a tally, label answers their labels, and a
    # context key someone who writes it.
    assert bool(kind.agreements) == _overrides(kind, "agreement_units")
    assert bool(kind.unification) == (kind.tally(["a", "b"]) is not None)
    assert kind.chooses_labels == _overrides(kind, "labels")
    assert bool(kind.context_defaults) == _overrides(kind, "note_answer")
    assert not kind.chooses_one or kind.chooses_labels


@KIND_PARAMS
def test_every_template_the_registry_names_exists(kind):
    assert kind.template == f"feedback/questions/{kind.type}.html"
    assert get_template(kind.template)
    assert (Path(settings.BASE_DIR) / "templates" / kind.template).is_file()


def test_every_question_partial_belongs_to_a_type():
    folder = Path(settings.BASE_DIR) / "templates" / "feedback" / "questions"
    assert {path.stem for path in folder.glob("*.html")} == set(KINDS)
