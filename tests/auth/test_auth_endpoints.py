"""Signup, login, get_uuid and token checks over real HTTP (contract 2.2, 1.6, CR-16/18)."""

from __future__ import annotations

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
from tests.server import RunningServer, start_server

MISSING = "Unauthorized: missing session token while accessing non-public routes"
INVALID = "Unauthorized: invalid or expired token"
PROTECTED = "/codvid-ai/project/get-project-list"


def test_signup_returns_201_with_a_top_level_token(http: httpx.Client) -> None:
    response = http.post("/codvid-ai/auth/signup", json=envelope(credentials()))
    assert response.status_code == 201
    body = response.json()
    assert body["result"] is True
    assert body["response"] == {"message": "User registered successfully"}
    claims = jwt.decode(body["token"], options={"verify_signature": False})
    assert set(claims) == {"sub", "exp"}
    assert claims["sub"] == body["user_id"]
    assert isinstance(claims["exp"], float)
    assert 29.9 * 86400 < claims["exp"] - time.time() <= 30 * 86400


def test_the_signup_token_works_at_once(http: httpx.Client) -> None:
    token = http.post("/codvid-ai/auth/signup", json=envelope(credentials())).json()["token"]
    response = http.get(PROTECTED, headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200


def test_login_returns_201_with_token_and_user_id(http: httpx.Client, api: Api) -> None:
    user = api.signup()
    data = {"auth_type": "email", "email": user.email, "password": PASSWORD}
    response = http.post("/codvid-ai/auth/login", json=envelope(data))
    assert response.status_code == 201
    body = response.json()
    assert body["result"] is True and body["user_id"] == user.user_id
    assert "response" not in body
    assert http.get(PROTECTED, headers={"Authorization": f"Bearer {body['token']}"}).is_success


def test_email_is_normalised(http: httpx.Client) -> None:
    email = new_email("Mixed.Case")
    signup = http.post("/codvid-ai/auth/signup", json=envelope(credentials(email=email.upper())))
    assert signup.status_code == 201
    login = http.post(
        "/codvid-ai/auth/login", json=envelope(credentials(email=f"  {email.lower()} "))
    )
    assert login.status_code == 201
    duplicate = http.post("/codvid-ai/auth/signup", json=envelope(credentials(email=email)))
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
def test_missing_credentials(http: httpx.Client, path: str, data: dict, message: str) -> None:  # type: ignore[type-arg]
    assert_error(http.post(f"/codvid-ai/auth/{path}", json=envelope(data)), 400, message)


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
def test_signup_rejects_bad_credentials(http: httpx.Client, overrides: dict, start: str) -> None:  # type: ignore[type-arg]
    response = http.post("/codvid-ai/auth/signup", json=envelope(credentials(**overrides)))
    assert_error(response, 400)
    assert response.json()["message"].startswith(start)


def test_sql_looking_email_is_just_an_email(http: httpx.Client, api: Api) -> None:
    email = f"o'brien--or-1=1-{new_email()}"
    user = api.signup(email=email)
    login = http.post("/codvid-ai/auth/login", json=envelope(credentials(email=email)))
    assert login.status_code == 201 and login.json()["user_id"] == user.user_id


def test_login_failures(http: httpx.Client, api: Api) -> None:
    user = api.signup()
    wrong = http.post(
        "/codvid-ai/auth/login", json=envelope(credentials(email=user.email, password="nope" * 3))
    )
    assert_error(wrong, 400, "wrong password.")
    unknown = http.post("/codvid-ai/auth/login", json=envelope(credentials()))
    assert_error(unknown, 400, "Email is not linked to an account.")


def test_missing_token_is_401_with_both_keys(http: httpx.Client) -> None:
    response = http.post(PROTECTED)
    assert response.status_code == 401
    assert response.json() == {"result": False, "message": MISSING, "error": MISSING}


def forge(claims: dict, secret: str, algorithm: str = "HS256") -> str:  # type: ignore[type-arg]
    return jwt.encode(claims, secret, algorithm)


def unsigned(claims: dict) -> str:  # type: ignore[type-arg]
    def part(value: dict) -> str:  # type: ignore[type-arg]
        return base64.urlsafe_b64encode(json.dumps(value).encode()).rstrip(b"=").decode()

    return f"{part({'alg': 'none', 'typ': 'JWT'})}.{part(claims)}."


@pytest.fixture
def secret(server: RunningServer) -> str:
    return (server.data_dir / "jwt_secret").read_text().strip()


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


def test_bad_tokens_are_401(http: httpx.Client, api: Api, secret: str) -> None:
    user = api.signup()
    for token in bad_tokens(user.user_id, secret, user.token):
        response = http.post(PROTECTED, headers={"Authorization": f"Bearer {token}"})
        assert response.status_code == 401, token
        assert response.json() == {"result": False, "message": INVALID, "error": INVALID}


@pytest.mark.parametrize("header", ["Token abc", "Bearer", "Bearer   x y", "Basic dXNlcjpwYXNz"])
def test_malformed_authorization_headers_are_401(http: httpx.Client, header: str) -> None:
    assert_error(http.post(PROTECTED, headers={"Authorization": header}), 401, INVALID)


def test_a_forged_token_with_the_right_secret_is_accepted(
    http: httpx.Client, api: Api, secret: str
) -> None:
    """Guards the test above: the forging helper makes tokens the server accepts."""
    user = api.signup()
    token = forge({"sub": user.user_id, "exp": time.time() + 60}, secret)
    assert http.post(PROTECTED, headers={"Authorization": f"Bearer {token}"}).status_code == 200


def test_secret_file_is_private(server: RunningServer) -> None:
    path: Path = server.data_dir / "jwt_secret"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert len(path.read_text().strip()) >= 32


def test_get_uuid_by_email(http: httpx.Client, api: Api) -> None:
    user = api.signup()
    response = http.get("/codvid-ai/auth/get_uuid", params={"email": user.email.upper()})
    assert response.status_code == 200
    assert response.json() == {
        "result": True,
        "uuid": user.user_id,
        "response": {"uuid": user.user_id},
    }


def test_get_uuid_errors_carry_the_legacy_key(http: httpx.Client) -> None:
    missing = http.get("/codvid-ai/auth/get_uuid")
    assert missing.status_code == 400
    assert missing.json() == {
        "result": False,
        "message": "Email parameter required",
        "error": "Email parameter required",
    }
    unknown = http.get("/codvid-ai/auth/get_uuid", params={"email": new_email()})
    assert unknown.status_code == 404
    assert unknown.json()["error"] == "User not found"


def test_get_uuid_with_a_token_and_no_email(http: httpx.Client, api: Api) -> None:
    user = api.signup()
    response = http.get("/codvid-ai/auth/get_uuid", headers=user.headers)
    assert response.json()["uuid"] == user.user_id
    assert_error(
        http.get("/codvid-ai/auth/get_uuid", headers={"Authorization": "Bearer x"}), 401, INVALID
    )


@pytest.fixture(scope="module")
def strict_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    env = {
        "CODVID_LOGIN_RATE_PER_EMAIL": "3/minute",
        "CODVID_LOGIN_RATE_PER_CLIENT": "6/minute",
        "CODVID_SIGNUP_RATE_PER_CLIENT": "4/minute",
    }
    with start_server(tmp_path_factory.mktemp("strict"), env) as running:
        yield running


def test_login_is_throttled_per_email_then_per_client(strict_server: RunningServer) -> None:
    with httpx.Client(base_url=strict_server.url) as client:
        email = new_email()
        assert client.post("/codvid-ai/auth/signup", json=envelope(credentials(email=email)))
        bad = envelope(credentials(email=email, password="wrong-password"))
        statuses = [client.post("/codvid-ai/auth/login", json=bad).status_code for _ in range(4)]
        assert statuses == [400, 400, 400, 429]
        throttled = client.post("/codvid-ai/auth/login", json=envelope(credentials(email=email)))
        assert_error(throttled, 429, "Too many attempts, please try again later")
        assert int(throttled.headers["retry-after"]) >= 1
        # Other emails from the same address: 3 more failures fill the client window.
        others = [
            client.post("/codvid-ai/auth/login", json=envelope(credentials())).status_code
            for _ in range(4)
        ]
        assert others == [400, 400, 400, 429]


def test_signup_is_throttled_per_client(strict_server: RunningServer) -> None:
    with httpx.Client(base_url=strict_server.url) as client:
        statuses = [
            client.post("/codvid-ai/auth/signup", json=envelope(credentials())).status_code
            for _ in range(5)
        ]
        assert statuses[-1] == 429
        assert statuses.count(201) == 3  # one signup was spent by the login test's setup


def test_a_verified_token_still_expires(secret: str) -> None:
    """The cache of verified tokens never outlives a token's ``exp``."""
    from codvid.auth.tokens import TokenIssuer
    from codvid.errors import Unauthorized

    issuer = TokenIssuer(secret, lifetime_seconds=2)
    token = issuer.issue("someone")
    assert issuer.user_id(token) == "someone"
    assert issuer.user_id(token) == "someone"  # from the cache
    time.sleep(2.1)
    with pytest.raises(Unauthorized):
        issuer.user_id(token)
    forged = token[:-2] + ("AA" if not token.endswith("AA") else "BB")
    with pytest.raises(Unauthorized):
        issuer.user_id(forged)
