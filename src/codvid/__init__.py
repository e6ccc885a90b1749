"""Codvid backend: track Instagram profiles and reels, analyse them, chat with an assistant."""

__version__ = "0.1.0"
