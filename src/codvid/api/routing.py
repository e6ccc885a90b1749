"""Route registration: every route goes through ``route()``.

A path may accept several methods (contract 1.9) and have aliases (the update 8 names);
each path and method becomes its own OpenAPI operation with a stable, unique operation id.
Request envelopes are documented from the endpoint's parameters (``api.openapi``).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from itertools import product
from typing import Any, TypeVar

from fastapi import APIRouter

from codvid.api.openapi import envelope_model, request_body

F = TypeVar("F", bound=Callable[..., Any])


def route(
    router: APIRouter, paths: str | Sequence[str], methods: Sequence[str], **options: Any
) -> Callable[[F], F]:
    def register(endpoint: F) -> F:
        model = envelope_model(endpoint)
        for path, method in product([paths] if isinstance(paths, str) else paths, methods):
            operation_id = method.lower() + re.sub(r"[/{}]+", "_", router.prefix + path).rstrip("_")
            # GET routes read the envelope too (the original clients send it): documented.
            extra = request_body(model) if model is not None else None
            router.add_api_route(
                path,
                endpoint,
                methods=[method],
                name=operation_id,
                operation_id=operation_id,
                openapi_extra=extra,
                **options,
            )
        return endpoint

    return register
