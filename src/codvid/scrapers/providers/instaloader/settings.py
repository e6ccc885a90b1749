"""The instaloader provider's options: a session file makes it far more reliable, and
comments need one."""

from __future__ import annotations

from pathlib import Path

from codvid.kit.settings import SettingsGroup, setting


class InstaloaderSettings(SettingsGroup):
    session_file: Path | None = setting("INSTALOADER_SESSION_FILE", None)
    username: str = setting("INSTALOADER_USERNAME", "")
    """The account the session file belongs to."""

    def missing(self) -> str | None:
        """Anonymous use is allowed (and unreliable); a session file needs its account."""
        if self.session_file is not None and not self.username:
            return "CODVID_INSTALOADER_USERNAME"
        return None
