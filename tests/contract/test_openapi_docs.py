"""The OpenAPI schema is documentation for client developers, and stays so: every
operation has its own summary and a description, every request body has examples that
the service accepts as they are, and every tag is described, auth first.

The schema is read as clients read it, from ``GET /codvid-ai/openapi.json``.
"""

from __future__ import annotations

import json
import re
from collections import defaultdict
from collections.abc import Iterator
from typing import Any

import jsonschema_rs
import pytest

from codvid import app as app_module
from codvid.ai.schemas import RespondRequest, StreamTestRequest, UserMessage
from codvid.alerts.schemas import WebhookCreate
from codvid.api.envelope import parse_data, read_envelope
from codvid.api.openapi import envelope_model
from codvid.auth.schemas import Credentials
from codvid.kit.schemas import Schema
from codvid.projects.schemas import ProjectRef
from codvid.tracking.schemas import (
    ForceScrape,
    IntervalUpdate,
    ProfileTaskCreate,
    ProfileTaskUpdate,
    ProjectReels,
    ReelTaskCreate,
)
from tests.client import Api
from tests.service import api_routes

pytestmark = pytest.mark.anyio

OPENAPI = f"{app_module.BASE_PATH}/openapi.json"
REF = "#/components/schemas/"
MIN_DESCRIPTION = 40
TAG_ORDER = ["auth", "user", "project", "ig-tracking", "analytics", "webhooks", "ai", "system"]
#: Every model a request body carries (as the envelope's ``data``, or inside it).
REQUEST_MODELS: dict[str, type[Schema]] = {
    model.__name__: model
    for model in (
        Credentials,
        ProjectRef,
        ProfileTaskCreate,
        ProfileTaskUpdate,
        IntervalUpdate,
        ReelTaskCreate,
        ProjectReels,
        ForceScrape,
        RespondRequest,
        UserMessage,
        StreamTestRequest,
        WebhookCreate,
    )
}


@pytest.fixture
async def schema(api: Api) -> dict[str, Any]:
    response = await api.http.get(OPENAPI)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def operations(schema: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    for path, methods in schema["paths"].items():
        for method, operation in methods.items():
            yield f"{method.upper()} {path}", operation


def component(schema: dict[str, Any], ref: str) -> tuple[str, dict[str, Any]]:
    assert ref.startswith(REF), ref
    name = ref.removeprefix(REF)
    return name, schema["components"]["schemas"][name]


def refs_in(node: Any) -> Iterator[str]:
    """Every ``$ref`` anywhere inside a schema node."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "$ref" and isinstance(value, str):
                yield value
            else:
                yield from refs_in(value)
    elif isinstance(node, list):
        for item in node:
            yield from refs_in(item)


def request_components(schema: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Every component a request body of some operation reaches, by name."""
    found: dict[str, dict[str, Any]] = {}
    pending = [
        media["schema"]["$ref"]
        for _, operation in operations(schema)
        for media in operation.get("requestBody", {}).get("content", {}).values()
    ]
    while pending:
        name, node = component(schema, pending.pop())
        if name not in found:
            found[name] = node
            pending.extend(refs_in(node))
    return found


def validator(schema: dict[str, Any], name: str) -> jsonschema_rs.Validator:
    """The published JSON schema of one component, its references resolved in place."""
    return jsonschema_rs.validator_for({"$ref": f"{REF}{name}", "components": schema["components"]})


# ---- summaries and descriptions --------------------------------------------------------


async def test_every_operation_has_its_own_summary_and_a_description(
    schema: dict[str, Any],
) -> None:
    missing = []
    for where, operation in operations(schema):
        summary = (operation.get("summary") or "").strip()
        # FastAPI's fallback is the operation id in title case ("Get Ig-Tracking Get Tasks").
        generated = operation["operationId"].replace("_", " ").title()
        if not summary or summary == generated:
            missing.append(f"{where}: summary {summary!r}")
        description = (operation.get("description") or "").strip()
        if len(description) < MIN_DESCRIPTION:
            missing.append(f"{where}: description {description!r}")
    assert not missing, "\n".join(missing)


async def test_every_alias_says_which_update_names_it(schema: dict[str, Any]) -> None:
    """A route under several paths (update 6 and 8 names, CR-2) says so on each of them."""
    paths: defaultdict[Any, set[str]] = defaultdict(set)
    for route in api_routes():
        paths[route.endpoint].add(route.path)
    aliased = {path for group in paths.values() if len(group) > 1 for path in group}
    assert len(aliased) >= 18  # 8 profile routes x 2 names, and delete-account x 2
    undocumented = [
        where
        for where, operation in operations(schema)
        if where.split(" ", 1)[1].removeprefix(app_module.BASE_PATH) in aliased
        and not re.search(r"update [678] name of .*same route", operation["description"])
    ]
    assert not undocumented, undocumented


# ---- request bodies --------------------------------------------------------------------


def test_the_request_models_listed_here_are_the_ones_routes_read() -> None:
    """A new request model must be added above, so that its examples are checked."""
    read = {model.__name__ for route in api_routes() if (model := envelope_model(route.endpoint))}
    nested = {"UserMessage"}
    assert read | nested == set(REQUEST_MODELS)


async def test_every_request_body_has_examples_the_service_accepts(
    schema: dict[str, Any],
) -> None:
    """Each envelope shows whole bodies: as JSON text they pass the service's own parsing
    (envelope, then ``data`` as its model) and the published schema."""
    envelopes = {
        name: node for name, node in request_components(schema).items() if name.endswith("Envelope")
    }
    assert {name.removesuffix("Envelope") for name in envelopes} == set(REQUEST_MODELS) - {
        "UserMessage"
    }
    for name, envelope in envelopes.items():
        model = REQUEST_MODELS[name.removesuffix("Envelope")]
        assert envelope.get("examples"), f"{name} has no examples"
        for example in envelope["examples"]:
            validator(schema, name).validate(example)
            parse_data(model, read_envelope(json.dumps(example).encode()))


async def test_every_request_model_and_field_has_valid_examples(schema: dict[str, Any]) -> None:
    """Every model reached from a request body has complete examples that validate, and
    every field has examples; each field example, put into each model example, is valid
    input as well (schema-driven clients and tests combine them)."""
    models = {
        name: node
        for name, node in request_components(schema).items()
        if not name.endswith("Envelope")
    }
    assert set(models) == set(REQUEST_MODELS)
    for name, node in models.items():
        model = REQUEST_MODELS[name]
        assert model.model_config.get("strict") is True, name
        assert model.model_config.get("extra") == "ignore", name
        assert model.model_config.get("populate_by_name") is True, name
        check = validator(schema, name)
        examples = node.get("examples")
        assert examples, f"{name} has no examples"
        for example in examples:
            check.validate(example)
            model.model_validate(example)
        for field, prop in node.get("properties", {}).items():
            assert prop.get("examples"), f"{name}.{field} has no examples"
            for value in prop["examples"]:
                for example in examples:
                    combined = {**example, field: value}
                    check.validate(combined)
                    model.model_validate(combined)


# ---- tags ------------------------------------------------------------------------------


async def test_every_tag_is_described_and_auth_comes_first(schema: dict[str, Any]) -> None:
    used = {tag for _, operation in operations(schema) for tag in operation.get("tags", [])}
    tags = schema.get("tags", [])
    names = [tag["name"] for tag in tags]
    assert names[:1] == ["auth"]
    assert names == TAG_ORDER
    assert set(names) == used  # every used tag described, none described but unused
    for tag in tags:
        assert len(tag.get("description", "").strip()) >= 20, tag
    for where, operation in operations(schema):
        assert operation.get("tags"), f"{where} has no tag"
