"""OpenAPI documentation of the request envelopes FastAPI cannot see by itself.

Bodies are parsed by ``EnvelopeParser`` (so that bodyless requests and the contract's
messages work). ``route()`` finds the parser among an endpoint's parameters and documents
an optional JSON body ``{"schema_version": "4.0", "data": <model>}`` through the public
``openapi_extra`` hook; ``install_openapi`` adds the models to ``components``, each
envelope with the model's own examples wrapped in it (a whole body to try in the docs).
"""

from __future__ import annotations

import inspect
import typing
from collections.abc import Callable
from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi
from fastapi.params import Depends
from pydantic import BaseModel

from codvid.api.envelope import SCHEMA_VERSION, EnvelopeParser

REF = "#/components/schemas/{model}"
BEARER = "HTTPBearer"
_models: dict[str, type[BaseModel]] = {}


def envelope_model(endpoint: Callable[..., Any]) -> type[BaseModel] | None:
    """The model of the ``EnvelopeParser`` among ``endpoint``'s parameters, if any."""
    hints = typing.get_type_hints(endpoint, include_extras=True)
    for parameter in inspect.signature(endpoint).parameters.values():
        for meta in getattr(hints.get(parameter.name), "__metadata__", ()):
            if isinstance(meta, Depends) and isinstance(meta.dependency, EnvelopeParser):
                model: type[BaseModel] = meta.dependency.model
                return model
    return None


def request_body(model: type[BaseModel]) -> dict[str, Any]:
    """``openapi_extra`` for a route whose body is the envelope around ``model``."""
    _models[model.__name__] = model
    return {
        "requestBody": {
            "required": False,
            "content": {
                "application/json": {
                    "schema": {"$ref": REF.format(model=f"{model.__name__}Envelope")}
                }
            },
        }
    }


def _components() -> dict[str, Any]:
    components: dict[str, Any] = {}
    for name, model in _models.items():
        schema = model.model_json_schema(ref_template=REF)
        components.update(schema.pop("$defs", {}))
        components[name] = schema
        envelope: dict[str, Any] = {
            "title": f"{name}Envelope",
            "type": "object",
            "required": ["schema_version", "data"],
            "properties": {
                "schema_version": {"type": "string", "const": SCHEMA_VERSION},
                "data": {"$ref": REF.format(model=name)},
            },
        }
        if schema.get("examples"):
            envelope["examples"] = [
                {"schema_version": SCHEMA_VERSION, "data": example}
                for example in schema["examples"]
            ]
        components[f"{name}Envelope"] = envelope
    return components


def install_openapi(app: FastAPI) -> None:
    def openapi() -> dict[str, Any]:
        if app.openapi_schema:
            return app.openapi_schema
        schema = get_openapi(
            title=app.title,
            version=app.version,
            description=app.description,
            routes=app.routes,
            tags=app.openapi_tags,
        )
        schemas = schema.setdefault("components", {}).setdefault("schemas", {})
        schemas.update(_components())
        schema["components"]["securitySchemes"] = {
            BEARER: {"type": "http", "scheme": "bearer", "description": "JWT from signup or login"}
        }
        for operations in schema["paths"].values():
            for operation in operations.values():
                # Validation errors are 400 envelopes here, never FastAPI's 422.
                operation["responses"].pop("422", None)
                if "401" in operation["responses"]:
                    operation["security"] = [{BEARER: []}]
        for unused in ("HTTPValidationError", "ValidationError"):
            schemas.pop(unused, None)
        app.openapi_schema = schema
        return schema

    app.openapi = openapi  # type: ignore[method-assign]
