"""Model providers for the assistant: one interface (:mod:`.base`), one module per
provider, each with a ``from_settings`` factory named in :mod:`codvid.ai.registry`.
Nothing is re-exported here, so importing the interface never imports a client library."""
