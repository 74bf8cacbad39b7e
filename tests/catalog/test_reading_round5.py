"""The rules written from the development half of the held-out round 5 (issue 11): a whole configuration given
as text replaces every setting, an update that removes what it is not given destroys it, and what a model
returns (embeddings, images, inference, a reranking) changes nothing. Invented definitions shaped like real
ones."""

from __future__ import annotations

from typing import Any

import pytest

from portcullis.catalog.classify import classify_tool
from tests.catalog.definitions import category, tool


def test_setting_a_whole_configuration_given_as_text_replaces_it() -> None:
    as_xml = {"pipeline": {"type": "string"}, "config_xml": {"type": "string", "description": "The job's XML"}}
    assert category("put_pipeline_config", "Set a pipeline's config.", as_xml) == "destructive"
    as_text = {"config": {"type": "string", "description": "The app.yaml configuration content"}}
    assert category("app_config_update", "Update the app configuration.", as_text) == "destructive"
    c = classify_tool(tool("app_config_update", "Update the app configuration.", as_text))
    assert c.decided_by is not None and c.decided_by.id == "replaces-config"
    assert any("config" in s.evidence for s in c.signals if s.id == "replaces-config")


@pytest.mark.parametrize(
    ("name", "properties"),
    [
        # settings given one by one change only those
        ("update_account_config", {"max_margin": {"type": "string"}, "no_shorting": {"type": "boolean"}}),
        # a configuration's name, not its text
        ("update_service", {"config": {"type": "string", "description": "Name of the profile to use"}}),
        # a configuration as an object of fields
        ("update_settings", {"configuration": {"type": "object", "description": "The settings as JSON"}}),
    ],
)
def test_settings_changed_in_part_are_a_write(name: str, properties: dict[str, Any]) -> None:
    assert category(name, "Update the settings.", properties) == "write"


def test_reading_a_whole_configuration_stays_a_read() -> None:
    config = {"config_xml": {"type": "string", "description": "Where to save the config XML"}}
    assert category("get_job_config", "Get a job's config.", config) == "read"


@pytest.mark.parametrize(
    "description",
    [
        "Update a board. All columns must be provided. Any columns not provided will be removed.",
        "Replace a playlist's tracks: pass the full list, otherwise all tracks will be deleted.",
        "Update a team. Members not included are removed from the team.",
    ],
)
def test_an_update_that_removes_what_it_is_not_given_is_destructive(description: str) -> None:
    assert category("update_board", description) == "destructive"


@pytest.mark.parametrize(
    "description",
    [
        "Update a board. Columns not provided will not be removed.",
        "Update a board. Columns that are removed elsewhere are shown as archived.",
    ],
)
def test_removal_that_is_denied_or_elsewhere_is_not_destructive(description: str) -> None:
    assert category("update_board", description) == "write"


@pytest.mark.parametrize(
    ("name", "description"),
    [
        ("llm_embeddings", "Generate embeddings from text with a hosted model."),
        ("model_inference", "Run inference on a model and return its output."),
        ("rerank_passages", "Rerank the given passages by relevance to a query."),
    ],
)
def test_what_a_model_returns_is_a_read(name: str, description: str) -> None:
    assert category(name, description) == "read"


def test_images_a_model_generates_are_made_not_read() -> None:
    """Written read from round 5 (an image model's output, labelled read there); rounds 10, 15 and 18 labelled
    four servers' image, audio and video generators mutating (a hosted model makes, keeps and bills for them), and
    a generator that can act fails closed: now a write (``test_reading_round18``)."""
    assert category("llm_image_generation", "Generate images from a prompt using an AI model.") == "write"


@pytest.mark.parametrize(
    ("name", "description", "expected"),
    [
        ("create_vector_index", "Create an index with integrated inference.", "write"),  # it makes an index
        ("generate_api_key", "Generate an API key for the project.", "write"),
        ("run_training_job", "Run a training job on the cluster.", "execute"),
    ],
)
def test_making_or_running_something_else_is_not_a_read(name: str, description: str, expected: str) -> None:
    assert category(name, description) == expected


@pytest.mark.parametrize("name", ["exercise_option_contract", "exercise_warrants"])
def test_exercising_an_option_moves_money(name: str) -> None:
    assert category(name, "Exercise a held contract, converting it into the underlying shares.") == "financial"


def test_exercising_something_else_is_a_write() -> None:
    assert category("exercise_endpoint", "Send sample requests to an endpoint.") == "write"
