"""The interactive docs work offline: both pages load their scripts from this service."""

from __future__ import annotations

import re

import pytest

from tests.client import Api

pytestmark = pytest.mark.anyio


@pytest.mark.parametrize("page", ["docs", "redoc"])
async def test_a_docs_page_needs_nothing_from_outside(api: Api, page: str) -> None:
    html = await api.http.get(f"/codvid-ai/{page}")
    assert html.status_code == 200
    assets = re.findall(r'(?:src|href)="([^"]+)"', html.text)
    assert assets and all(asset.startswith("/codvid-ai/") for asset in assets), assets
    assert "openapi.json" in html.text
    for asset in assets:
        fetched = await api.http.get(asset)
        assert fetched.status_code == 200 and len(fetched.content) > 1000, asset
