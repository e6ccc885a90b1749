"""HS256 JWTs with exactly the claims the original issued: ``sub`` and a float ``exp``."""

from __future__ import annotations

import logging
import os
import secrets
from collections import OrderedDict
from dataclasses import dataclass, field
from pathlib import Path

import jwt

from codvid.auth.settings import AuthSettings
from codvid.errors import Unauthorized
from codvid.kit.clock import now

ALGORITHM = "HS256"
VERIFIED_CACHE_SIZE = 10_000
SECRET_FILE = "jwt_secret"
log = logging.getLogger(__name__)


@dataclass(frozen=True)
class TokenIssuer:
    secret: str
    lifetime_seconds: float
    #: Verified tokens -> (subject, expiry). Keyed by the whole token, signature
    #: included, so only a token that verified once is ever recognised; expiry is still
    #: checked on every use. Verifying an HMAC costs more than the rest of a lookup.
    _verified: OrderedDict[str, tuple[str, float]] = field(default_factory=OrderedDict)

    def issue(self, user_id: str) -> str:
        return jwt.encode(
            {"sub": user_id, "exp": now() + self.lifetime_seconds}, self.secret, ALGORITHM
        )

    def user_id(self, token: str) -> str:
        """The ``sub`` of a valid token; anything else is 401 (tampered, expired, ``alg:
        none``, another secret, a missing or non-string claim)."""
        known = self._verified.get(token)
        if known is not None:
            cached, expires = known
            if expires > now():
                return cached
            del self._verified[token]
            raise Unauthorized()
        try:
            claims = jwt.decode(
                token, self.secret, algorithms=[ALGORITHM], options={"require": ["exp", "sub"]}
            )
        except jwt.PyJWTError:
            raise Unauthorized() from None
        subject = claims.get("sub")
        if not isinstance(subject, str) or not subject:
            raise Unauthorized()
        self._verified[token] = (subject, float(claims["exp"]))
        if len(self._verified) > VERIFIED_CACHE_SIZE:
            self._verified.popitem(last=False)
        return subject


def jwt_secret(settings: AuthSettings, data_dir: Path) -> str:
    """The configured secret or, on the embedded default, one generated on first start
    and kept in the data directory readable by the owner only (never a built-in)."""
    if settings.jwt_secret is not None:
        return settings.jwt_secret.get_secret_value()
    return _stored_secret(data_dir / SECRET_FILE)


def _stored_secret(path: Path) -> str:
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return _read_secret(path)
    secret = secrets.token_urlsafe(48)
    with os.fdopen(descriptor, "w") as handle:
        handle.write(secret + "\n")
    log.info("generated a new JWT secret in %s", path)
    return secret


def _read_secret(path: Path) -> str:
    if path.stat().st_mode & 0o077:
        log.warning("%s was readable by others; restricting it to its owner", path)
        path.chmod(0o600)
    secret = path.read_text().strip()
    if len(secret) < 32:
        raise ValueError(f"{path} holds no usable secret; delete it to generate one")
    return secret
