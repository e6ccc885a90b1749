"""The one error tree. Services raise these; ``api.envelope`` maps them to responses.

CodvidError                      500  any server fault with a safe message
├── BadRequest                   400  validation, missing fields, bad formats
│   ├── EnvelopeError            400  the request envelope itself is wrong
│   ├── InvalidCredentials       400  wrong password / unknown email
│   └── ProjectError             400  project missing / duplicate
├── Unauthorized                 401  missing / invalid / expired token
├── NotFound                     404  task or user not found (or someone else's)
├── MethodNotAllowed             405
├── Conflict                     409  already processing / duplicate task
├── PayloadTooLarge              413
├── HeadersTooLarge              431
├── TooManyRequests              429  throttled (with Retry-After)
└── ServiceUnavailable           503  storage busy (with Retry-After)
ConfigurationError                    not an HTTP error: bad settings at start
"""

from __future__ import annotations


class CodvidError(Exception):
    status_code = 500
    message = "Internal server error"
    #: Also send the message under ``error`` (shape H of the contract).
    legacy_key = False

    def __init__(self, message: str | None = None) -> None:
        self.message = message or self.message
        super().__init__(self.message)


class BadRequest(CodvidError):
    status_code = 400
    message = "Bad request"


class EnvelopeError(BadRequest):
    pass


class InvalidCredentials(BadRequest):
    pass


class ProjectError(BadRequest):
    pass


class Unauthorized(CodvidError):
    """401; the body also carries the legacy ``error`` key (CR-16)."""

    status_code = 401
    message = "Unauthorized: invalid or expired token"
    legacy_key = True


class NotFound(CodvidError):
    status_code = 404
    message = "Not found"


class MethodNotAllowed(CodvidError):
    status_code = 405
    message = "Method not allowed"


class Conflict(CodvidError):
    status_code = 409
    message = "Conflict"


class PayloadTooLarge(CodvidError):
    status_code = 413
    message = "Request body too large"


class HeadersTooLarge(CodvidError):
    status_code = 431
    message = "Request headers too large"


class TooManyRequests(CodvidError):
    status_code = 429
    message = "Too many requests, try again later"

    def __init__(self, message: str | None = None, retry_after: int = 60) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class ServiceUnavailable(CodvidError):
    status_code = 503
    message = "Service unavailable, try again"

    def __init__(self, message: str | None = None, retry_after: int = 1) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class ConfigurationError(Exception):
    """Settings that cannot work; raised before the service starts."""
