"""`leaderboard_models`: which record metadata key names the model behind each response field."""

from __future__ import annotations

import pytest

from feedback.errors import InvalidData
from feedback.services.datasets import dataset_create, dataset_update, metadata_property_create
from tests.builders import comparison_dataset

MODELS = {"response-1": "model:response-1", "response-2": "model:response-2"}


def test_a_dataset_names_the_metadata_key_of_each_response_fields_model(people):
    dataset = comparison_dataset(people.workspace_a)
    assert dataset.leaderboard_models == {}
    dataset = dataset_update(dataset=dataset, leaderboard_models=MODELS)
    dataset.refresh_from_db()
    assert dataset.leaderboard_models == MODELS


def test_keys_must_be_text_fields_and_values_metadata_keys(people):
    dataset = comparison_dataset(people.workspace_a)
    with pytest.raises(InvalidData) as error:
        dataset_update(
            dataset=dataset,
            leaderboard_models={"nope": "m", "chat": "m", "response-1": "", "response-2": "length", "response-3": 3},
        )
    problems = {problem.loc: problem.msg for problem in error.value.problems}
    assert set(problems) == {
        ("leaderboard_models", key) for key in ("nope", "chat", "response-1", "response-2", "response-3")
    }
    assert "not a terms property" in problems[("leaderboard_models", "response-2")]
    with pytest.raises(InvalidData, match="must be an object"):
        dataset_update(dataset=dataset, leaderboard_models=["response-1"])
    # A declared terms property is fine, as is any key when extra metadata is allowed.
    dataset_update(dataset=dataset, leaderboard_models={"response-1": "model", "response-2": "free-key"})


def test_without_extra_metadata_the_key_must_be_a_declared_property(people):
    dataset = comparison_dataset(people.workspace_a, publish=False, allow_extra_metadata=False)
    with pytest.raises(InvalidData, match="no metadata property named 'engine'"):
        dataset_update(dataset=dataset, leaderboard_models={"response-1": "engine"})
    metadata_property_create(dataset=dataset, name="engine", type="terms", settings={})
    assert dataset_update(dataset=dataset, leaderboard_models={"response-1": "engine"}).leaderboard_models


def test_a_new_dataset_has_no_fields_to_name_yet(people):
    with pytest.raises(InvalidData, match="no text field named 'response-1'"):
        dataset_create(workspace=people.workspace_a, name="fresh", leaderboard_models={"response-1": "m"})
