"""The MongoDB adapter (``CODVID_DATABASE_URL=mongodb://...``)."""

from codvid.storage.mongodb.store import MongoStore

__all__ = ["MongoStore"]
