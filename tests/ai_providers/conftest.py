from collections.abc import AsyncIterator, Callable, Iterator
from typing import Any

import pytest

from codvid.ai.providers.openai_compat import OpenAICompatibleProvider
from tests.ai_providers.fake_openai import MODEL, FakeOpenAI


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
def fake_openai() -> Iterator[FakeOpenAI]:
    fake = FakeOpenAI()
    fake.start()
    try:
        yield fake
    finally:
        fake.stop()


@pytest.fixture
async def make_provider(
    fake_openai: FakeOpenAI,
) -> AsyncIterator[Callable[..., OpenAICompatibleProvider]]:
    """Providers pointed at the fake server, closed after the test."""
    made: list[OpenAICompatibleProvider] = []

    def make(**options: Any) -> OpenAICompatibleProvider:
        settings: dict[str, Any] = {
            "base_url": fake_openai.base_url,
            "api_key": "sk-test",
            "model": MODEL,
            "timeout": 5.0,
            **options,
        }
        provider = OpenAICompatibleProvider(**settings)
        made.append(provider)
        return provider

    yield make
    for provider in made:
        await provider.close()


@pytest.fixture
def provider(make_provider: Callable[..., OpenAICompatibleProvider]) -> OpenAICompatibleProvider:
    return make_provider()
