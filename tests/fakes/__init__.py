"""Local HTTP servers that reproduce outside vendors' documented APIs, so the real client
code runs in tests without the internet."""
