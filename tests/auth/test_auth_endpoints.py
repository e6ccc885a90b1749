"""Signup, login, get_uuid and token checks on the service in this process (contract 2.2,
1.6, CR-16/18)."""

from __future__ import annotations

import asyncio
import base64
import json
import stat
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import jwt
import pytest

from tests.client import PASSWORD, Api, assert_error, credentials, envelope, new_email
from tests.service import Service

pytestmark = pytest.mark.anyio

MISSING = "Unauthorized: missing session token while accessing non-public routes"
INVALID = "Unauthorized: invalid or expired token"
PROTECTED = "/codvid-ai/project/get-project-list"


async def test_signup_returns_201_with_a_top_level_token(http: httpx.AsyncClient) -> None:
    response = await http.post("/codvid-ai/auth/signup", json=envelope(credentials()))
    assert response.status_code == 201
    body = response.json()
    assert body["result"] is True
    assert body["response"] == {"message": "User registered successfully"}
    claims = jwt.decode(body["token"], options={"verify_signature": False})
    assert set(claims) == {"sub", "exp"}
    assert claims["sub"] == body["user_id"]
    assert isinstance(claims["exp"], float)
    assert 29.9 * 86400 < claims["exp"] - time.time() <= 30 * 86400


async def test_the_signup_token_works_at_once(http: httpx.AsyncClient) -> None:
    token = (await http.post("/codvid-ai/auth/signup", json=envelope(credentials()))).json()[
        "token"
    ]
    response = await http.get(PROTECTED, headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200


async def test_login_returns_201_with_token_and_user_id(http: httpx.AsyncClient, api: Api) -> None:
    user = await api.signup()
    data = {"auth_type": "email", "email": user.email, "password": PASSWORD}
    response = await http.post("/codvid-ai/auth/login", json=envelope(data))
    assert response.status_code == 201
    body = response.json()
    assert body["result"] is True and body["user_id"] == user.user_id
    assert "response" not in body
    assert (
        await http.get(PROTECTED, headers={"Authorization": f"Bearer {body['token']}"})
    ).is_success


async def test_email_is_normalised(http: httpx.AsyncClient) -> None:
    email = new_email("Mixed.Case")
    signup = await http.post(
        "/codvid-ai/auth/signup", json=envelope(credentials(email=email.upper()))
    )
    assert signup.status_code == 201
    login = await http.post(
        "/codvid-ai/auth/login", json=envelope(credentials(email=f"  {email.lower()} "))
    )
    assert login.status_code == 201
    duplicate = await http.post("/codvid-ai/auth/signup", json=envelope(credentials(email=email)))
    assert_error(duplicate, 400, "Email is already linked to an account")


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"email": "a@example.com", "password": PASSWORD}, "missing auth_type!"),
        ({"auth_type": "email", "password": PASSWORD}, "missing email!"),
        ({"auth_type": "email", "email": "a@example.com"}, "missing password!"),
        ({}, "missing auth_type!"),
    ],
)
@pytest.mark.parametrize("path", ["signup", "login"])
async def test_missing_credentials(
    http: httpx.AsyncClient, path: str, data: dict, message: str
) -> None:
    assert_error(await http.post(f"/codvid-ai/auth/{path}", json=envelope(data)), 400, message)


@pytest.mark.parametrize(
    ("overrides", "start"),
    [
        ({"auth_type": "google"}, "Invalid auth_type"),
        ({"email": "not-an-email"}, "Invalid email"),
        ({"email": ""}, "Invalid email"),
        ({"email": {"$ne": None}}, "Invalid email"),
        ({"email": "x@example.com'; DROP TABLE c_users; --"}, "Invalid email"),
        ({"password": 12345678}, "Invalid password"),
        ({"password": ""}, "Invalid password"),
        ({"password": "short"}, "Invalid password: must be at least 8 characters"),
        ({"password": "p" * 1025}, "Invalid password"),
    ],
)
async def test_signup_rejects_bad_credentials(
    http: httpx.AsyncClient, overrides: dict, start: str
) -> None:
    response = await http.post("/codvid-ai/auth/signup", json=envelope(credentials(**overrides)))
    assert_error(response, 400)
    assert response.json()["message"].startswith(start)


async def test_sql_looking_email_is_just_an_email(http: httpx.AsyncClient, api: Api) -> None:
    email = f"o'brien--or-1=1-{new_email()}"
    user = await api.signup(email=email)
    login = await http.post("/codvid-ai/auth/login", json=envelope(credentials(email=email)))
    assert login.status_code == 201 and login.json()["user_id"] == user.user_id


async def test_login_failures(http: httpx.AsyncClient, api: Api) -> None:
    user = await api.signup()
    wrong = await http.post(
        "/codvid-ai/auth/login", json=envelope(credentials(email=user.email, password="nope" * 3))
    )
    assert_error(wrong, 400, "wrong password.")
    unknown = await http.post("/codvid-ai/auth/login", json=envelope(credentials()))
    assert_error(unknown, 400, "Email is not linked to an account.")


async def test_missing_token_is_401_with_both_keys(http: httpx.AsyncClient) -> None:
    response = await http.post(PROTECTED)
    assert response.status_code == 401
    assert response.json() == {"result": False, "message": MISSING, "error": MISSING}


def forge(claims: dict, secret: str, algorithm: str = "HS256") -> str:
    return jwt.encode(claims, secret, algorithm)


def unsigned(claims: dict) -> str:
    def part(value: dict) -> str:
        return base64.urlsafe_b64encode(json.dumps(value).encode()).rstrip(b"=").decode()

    return f"{part({'alg': 'none', 'typ': 'JWT'})}.{part(claims)}."


def secret_path(service: Service) -> Path:
    return service.settings.storage.data_dir / "jwt_secret"


@pytest.fixture
def secret(service: Service) -> str:
    return secret_path(service).read_text().strip()


def bad_tokens(user_id: str, secret: str, token: str) -> Iterator[str]:
    future = time.time() + 3600
    yield forge({"sub": user_id, "exp": time.time() - 10}, secret)  # expired
    yield forge({"sub": user_id, "exp": future}, "another-secret-of-enough-length-123456")
    yield unsigned({"sub": user_id, "exp": future})  # alg: none
    yield forge({"exp": future}, secret)  # no sub
    yield forge({"sub": user_id}, secret)  # no exp
    yield forge({"sub": 12345, "exp": future}, secret)  # sub not a string
    yield forge({"sub": "00000000-0000-4000-8000-000000000000", "exp": future}, secret)
    header, payload, signature = token.split(".")
    yield f"{header}.{payload}.{signature[:-2]}AA"  # tampered signature
    yield f"{header}.{payload[:-2]}xx.{signature}"  # tampered payload
    yield "not-a-jwt"


async def test_bad_tokens_are_401(http: httpx.AsyncClient, api: Api, secret: str) -> None:
    user = await api.signup()
    for token in bad_tokens(user.user_id, secret, user.token):
        response = await http.post(PROTECTED, headers={"Authorization": f"Bearer {token}"})
        assert response.status_code == 401, token
        assert response.json() == {"result": False, "message": INVALID, "error": INVALID}


@pytest.mark.parametrize("header", ["Token abc", "Bearer", "Bearer   x y", "Basic dXNlcjpwYXNz"])
async def test_malformed_authorization_headers_are_401(
    http: httpx.AsyncClient, header: str
) -> None:
    assert_error(await http.post(PROTECTED, headers={"Authorization": header}), 401, INVALID)


async def test_a_forged_token_with_the_right_secret_is_accepted(
    http: httpx.AsyncClient, api: Api, secret: str
) -> None:
    """Guards the test above: the forging helper makes tokens the server accepts."""
    user = await api.signup()
    token = forge({"sub": user.user_id, "exp": time.time() + 60}, secret)
    assert (
        await http.post(PROTECTED, headers={"Authorization": f"Bearer {token}"})
    ).status_code == 200


def test_secret_file_is_private(service: Service) -> None:
    path = secret_path(service)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert len(path.read_text().strip()) >= 32


async def test_get_uuid_by_email(http: httpx.AsyncClient, api: Api) -> None:
    user = await api.signup()
    response = await http.get("/codvid-ai/auth/get_uuid", params={"email": user.email.upper()})
    assert response.status_code == 200
    assert response.json() == {
        "result": True,
        "uuid": user.user_id,
        "response": {"uuid": user.user_id},
    }


async def test_get_uuid_errors_carry_the_legacy_key(http: httpx.AsyncClient) -> None:
    missing = await http.get("/codvid-ai/auth/get_uuid")
    assert missing.status_code == 400
    assert missing.json() == {
        "result": False,
        "message": "Email parameter required",
        "error": "Email parameter required",
    }
    unknown = await http.get("/codvid-ai/auth/get_uuid", params={"email": new_email()})
    assert unknown.status_code == 404
    assert unknown.json()["error"] == "User not found"


async def test_get_uuid_with_a_token_and_no_email(http: httpx.AsyncClient, api: Api) -> None:
    user = await api.signup()
    response = await http.get("/codvid-ai/auth/get_uuid", headers=user.headers)
    assert response.json()["uuid"] == user.user_id
    assert_error(
        await http.get("/codvid-ai/auth/get_uuid", headers={"Authorization": "Bearer x"}),
        401,
        INVALID,
    )


async def test_a_verified_token_still_expires(secret: str) -> None:
    """The cache of verified tokens never outlives a token's ``exp``."""
    from codvid.auth.tokens import TokenIssuer
    from codvid.errors import Unauthorized

    issuer = TokenIssuer(secret, lifetime_seconds=2)
    token = issuer.issue("someone")
    assert issuer.user_id(token) == "someone"
    assert issuer.user_id(token) == "someone"  # from the cache
    await asyncio.sleep(2.1)
    with pytest.raises(Unauthorized):
        issuer.user_id(token)
    forged = token[:-2] + ("AA" if not token.endswith("AA") else "BB")
    with pytest.raises(Unauthorized):
        issuer.user_id(forged)
