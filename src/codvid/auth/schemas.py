from __future__ import annotations

from typing import Annotated, ClassVar, Literal

from email_validator import EmailNotValidError, validate_email
from pydantic import AfterValidator, BaseModel, Field, WithJsonSchema

from codvid.kit.schemas import MessageBody, Schema, documented

EMAIL_MAX = 254
PASSWORD_MAX = 1024


def _normalise_email(value: str) -> str:
    value = value.strip()
    if not value:
        raise ValueError("must not be empty")
    if len(value) > EMAIL_MAX:
        raise ValueError(f"must be at most {EMAIL_MAX} characters")
    try:
        checked = validate_email(value, check_deliverability=False)
    except EmailNotValidError as exc:
        raise ValueError(f"not a valid email address ({exc})") from None
    return checked.normalized.lower()


Email = Annotated[
    str,
    AfterValidator(_normalise_email),
    WithJsonSchema({"type": "string", "format": "email", "maxLength": EMAIL_MAX}),
]


class Credentials(Schema):
    """``data`` of signup and login."""

    model_config = documented(
        {"auth_type": "email", "email": "me@example.com", "password": "a long password"}
    )
    missing_messages: ClassVar[dict[str, str]] = {
        "auth_type": "missing auth_type!",
        "email": "missing email!",
        "password": "missing password!",
    }

    auth_type: Literal["email"] = Field(examples=["email"])
    email: Email = Field(examples=["user@example.com"])
    password: str = Field(
        min_length=1,
        max_length=PASSWORD_MAX,
        examples=["correct horse 9"],
        json_schema_extra={"minLength": 8},
    )


class TokenResponse(BaseModel):
    """Shape C: ``token`` at top level (login; update 8 adds ``user_id``)."""

    result: Literal[True] = True
    token: str
    user_id: str


class SignupResponse(TokenResponse):
    """Shape C plus ``response.message`` for update 7/8 readers (CR-18)."""

    response: MessageBody


class UuidBody(BaseModel):
    uuid: str


class UuidResponse(BaseModel):
    result: Literal[True] = True
    uuid: str
    response: UuidBody
