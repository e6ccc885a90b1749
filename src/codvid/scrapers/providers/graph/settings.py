"""The Instagram Graph API (Business Discovery) provider's options."""

from __future__ import annotations

from pydantic import SecretStr

from codvid.kit.settings import SettingsGroup, setting


class GraphSettings(SettingsGroup):
    access_token: SecretStr | None = setting("GRAPH_ACCESS_TOKEN", None)
    ig_user_id: str = setting("GRAPH_IG_USER_ID", "")
    """The operator's own professional account, through which others are looked up."""
    api_url: str = setting("GRAPH_API_URL", "https://graph.facebook.com")
    api_version: str = setting("GRAPH_API_VERSION", "v25.0", pattern=r"^v\d+\.\d+$")

    def missing(self) -> str | None:
        if not self.access_token:
            return "CODVID_GRAPH_ACCESS_TOKEN"
        return None if self.ig_user_id else "CODVID_GRAPH_IG_USER_ID"
