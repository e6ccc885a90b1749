"""Account deletion on the service in this process (contract 2.3)."""

from __future__ import annotations

import pytest

from tests.client import PASSWORD, Api, assert_error, envelope

pytestmark = pytest.mark.anyio

DELETED = {
    "result": True,
    "message": "Account deleted successfully",
    "response": {"message": "Account deleted successfully"},
}


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("POST", "user/delete-account", None),
        ("POST", "user/delete-account", {}),
        ("GET", "user/delete-account", None),
        ("DELETE", "user/delete-account", None),
        ("POST", "user/delete_account", None),
    ],
)
async def test_delete_account(api: Api, method: str, path: str, body: dict | None) -> None:
    user = await api.signup()
    await api.create_project(user, "mine")
    response = await api.call(method, path, user, body)
    assert response.status_code == 200
    assert response.json() == DELETED
    # The token stops working, the email is free again and nothing of the old account
    # comes back with the new one.
    assert_error(await api.call("POST", "project/get-project-list", user), 401)
    login = await api.http.post(
        "/codvid-ai/auth/login",
        json=envelope(auth_type="email", email=user.email, password=PASSWORD),
    )
    assert_error(login, 400, "Email is not linked to an account.")
    again = await api.signup(email=user.email)
    listing = await api.call("POST", "project/get-project-list", again)
    assert listing.json()["response"]["project_list"] == []


async def test_deleting_one_account_leaves_others(api: Api) -> None:
    alice, bob = await api.signup(), await api.signup()
    await api.create_project(bob, "bob's")
    await api.call("POST", "user/delete-account", alice)
    listing = await api.call("POST", "project/get-project-list", bob)
    assert listing.json()["response"]["project_list"] == ["bob's"]


async def test_delete_account_needs_a_token(api: Api) -> None:
    assert_error(await api.call("POST", "user/delete-account"), 401)
