"""OpenAPI generation: FastAPI's schema plus the request envelopes it cannot see.

Bodies are parsed by ``EnvelopeParser`` (so that bodyless requests and the contract's
messages work), which FastAPI does not know to document; this adds, for every
non-GET route that uses one, an optional JSON request body
``{"schema_version": "4.0", "data": <model>}`` with the model in ``components``.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from fastapi import FastAPI
from fastapi.dependencies.models import Dependant
from fastapi.openapi.utils import get_openapi
from fastapi.routing import APIRoute

from codvid.api.envelope import SCHEMA_VERSION, EnvelopeParser

REF = "#/components/schemas/{model}"


def _parsers(dependant: Dependant) -> Iterator[EnvelopeParser[Any]]:
    for dependency in dependant.dependencies:
        if isinstance(dependency.call, EnvelopeParser):
            yield dependency.call
        yield from _parsers(dependency)


def _envelope_schema(model: type[Any], components: dict[str, Any]) -> dict[str, Any]:
    schema = model.model_json_schema(ref_template=REF)
    components.update(schema.pop("$defs", {}))
    components[model.__name__] = schema
    name = f"{model.__name__}Envelope"
    components[name] = {
        "title": name,
        "type": "object",
        "required": ["schema_version", "data"],
        "properties": {
            "schema_version": {"type": "string", "const": SCHEMA_VERSION},
            "data": {"$ref": REF.format(model=model.__name__)},
        },
    }
    return {"$ref": REF.format(model=name)}


def install_openapi(app: FastAPI) -> None:
    def openapi() -> dict[str, Any]:
        if app.openapi_schema:
            return app.openapi_schema
        schema = get_openapi(
            title=app.title,
            version=app.version,
            description=app.description,
            routes=app.routes,
        )
        components = schema.setdefault("components", {}).setdefault("schemas", {})
        for route in app.routes:
            if not isinstance(route, APIRoute):
                continue
            for parser in _parsers(route.dependant):
                for method in (route.methods or set()) - {"GET", "HEAD"}:
                    operation = schema["paths"][route.path_format][method.lower()]
                    operation["requestBody"] = {
                        "required": False,
                        "content": {
                            "application/json": {
                                "schema": _envelope_schema(parser.model, components)
                            }
                        },
                    }
        app.openapi_schema = schema
        return schema

    app.openapi = openapi  # type: ignore[method-assign]
