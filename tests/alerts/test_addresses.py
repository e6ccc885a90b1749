"""Where webhooks may go: https to public addresses only, however the address is
written; with CODVID_WEBHOOK_ALLOW_PRIVATE, plain http and internal addresses too."""

from __future__ import annotations

import ipaddress

import pytest

from codvid.alerts import addresses
from codvid.alerts.addresses import Refused

pytestmark = pytest.mark.anyio

PUBLIC = "93.184.215.14"


async def target(url: str, *, allow_private: bool = False) -> addresses.Target:
    parsed = addresses.parse(url, allow_private=allow_private)
    return await addresses.resolve(parsed, allow_private=allow_private, timeout=5)


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        (f"http://{PUBLIC}/hook", "must be an https URL"),
        ("ftp://files.example.com/x", "must be an https URL"),
        ("hooks.example.com/x", "must be an https URL"),
        ("https://", "has no host"),
        ("https:///path", "has no host"),
        ("https://exa mple.com/", "has an invalid host name"),
        ("https://bad_host.example.com/", "has an invalid host name"),
        ("https://x:99999/", "has an invalid port"),
        (f"https://user:secret@{PUBLIC}/", "must not contain a user name or password"),
        ("https://example.com/\n", "is not a valid URL"),
        ("https://[::1/", "is not a valid URL"),
        ("https://h.example.com/" + "a" * 2048, "must be at most 2048 characters"),
    ],
)
def test_a_url_of_the_wrong_form_is_refused_with_the_reason(url: str, reason: str) -> None:
    with pytest.raises(Refused) as refused:
        addresses.parse(url, allow_private=False)
    assert refused.value.reason.startswith(reason)


@pytest.mark.parametrize(
    ("url", "kind"),
    [
        ("https://127.0.0.1/hook", "a loopback address"),
        ("https://127.1/hook", "a loopback address"),  # resolves to 127.0.0.1
        ("https://2130706433/hook", "a loopback address"),  # 127.0.0.1 as one number
        ("https://localhost:8443/hook", "a loopback address"),
        ("https://[::1]/hook", "a loopback address"),
        ("https://10.1.2.3/hook", "a private address"),
        ("https://192.168.0.10/hook", "a private address"),
        ("https://172.16.5.4/hook", "a private address"),
        ("https://169.254.169.254/latest/meta-data", "a link-local address"),
        ("https://[fe80::1]/hook", "a link-local address"),
        ("https://[fc00::1]/hook", "a private address"),
        ("https://0.0.0.0/hook", "an unspecified address"),
        ("https://100.64.0.1/hook", "not a public address"),  # shared address space
        ("https://224.0.0.1/hook", "a multicast address"),
        ("https://192.0.2.1/hook", "a private address"),  # documentation
        ("https://[::ffff:10.0.0.1]/hook", "(inside an IPv6 address)"),
        ("https://[64:ff9b::7f00:1]/hook", "(inside an IPv6 address)"),
        ("https://[2002:a00:1::]/hook", "(inside an IPv6 address)"),
    ],
)
async def test_an_address_that_is_not_public_is_refused(url: str, kind: str) -> None:
    with pytest.raises(Refused) as refused:
        await target(url)
    reason = refused.value.reason
    assert kind in reason
    assert "webhooks go to public addresses only" in reason


async def test_a_host_that_does_not_resolve_is_refused() -> None:
    with pytest.raises(Refused) as refused:
        await target("https://no-such-host.invalid/hook")
    assert refused.value.reason == "the host no-such-host.invalid does not resolve"


async def test_a_public_address_is_pinned_with_the_host_kept() -> None:
    found = await target(f"https://{PUBLIC}:8443/codvid?x=1")
    assert found.address == PUBLIC
    assert str(found.url) == f"https://{PUBLIC}:8443/codvid?x=1"
    assert found.host_header == f"{PUBLIC}:8443"
    assert found.server_name is None  # an address in the URL: no name to send


async def test_a_name_is_connected_at_its_checked_address_and_sent_as_host_and_sni() -> None:
    found = await target("https://LOCALHOST:8443/hook", allow_private=True)
    assert ipaddress.ip_address(found.address).is_loopback
    assert found.url.host == found.address
    assert found.url.path == "/hook" and found.url.port == 8443
    assert found.host_header == "localhost:8443"
    assert found.server_name == "localhost"


async def test_allow_private_lets_http_and_internal_addresses_through() -> None:
    found = await target("http://127.0.0.1:9000/hook", allow_private=True)
    assert found.address == "127.0.0.1" and found.server_name is None
    with pytest.raises(Refused, match="must be an http or https URL"):
        addresses.parse("ftp://127.0.0.1/", allow_private=True)


def test_public_addresses_are_public() -> None:
    for address in (PUBLIC, "2606:4700::1111", "8.8.8.8"):
        assert addresses.not_public(ipaddress.ip_address(address)) is None
