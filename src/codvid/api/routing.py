"""Route registration for paths that accept several methods (contract 1.9).

Each method becomes its own OpenAPI operation with a stable, unique operation id.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from fastapi import APIRouter

F = TypeVar("F", bound=Callable[..., Any])


def route(router: APIRouter, path: str, methods: Sequence[str], **options: Any) -> Callable[[F], F]:
    def register(endpoint: F) -> F:
        for method in methods:
            router.add_api_route(
                path,
                endpoint,
                methods=[method],
                name=f"{endpoint.__name__}_{method.lower()}",
                operation_id=f"{endpoint.__name__}_{method.lower()}",
                **options,
            )
        return endpoint

    return register
